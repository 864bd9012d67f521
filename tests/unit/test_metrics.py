"""``/metrics`` from a given `LinkStats`: while disconnected, with awkward labels."""

from __future__ import annotations

from http import HTTPStatus

from homeassistant.core import HomeAssistant
from prometheus_client.parser import text_string_to_metric_families
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.remote import ConnectionState
from custom_components.remote_bridge.views.metrics import METRICS, exposition

from .fake_link import FakeLink, link_stats

DOWN = link_stats(
    link_state=ConnectionState.RECONNECTING,
    connected=False,
    reconnect_attempts=4,
    subscriptions=0,
    latency_ms=None,
)


def samples(text: str) -> dict[str, tuple[dict[str, str], float]]:
    """Parse a text exposition: sample name -> (labels, value)."""
    parsed = {}
    for family in text_string_to_metric_families(text):
        assert family.documentation
        for sample in family.samples:
            parsed[sample.name] = (sample.labels, sample.value)
    return parsed


def test_label_values_are_escaped() -> None:
    """Backslashes, double quotes and newlines in a label survive a parser."""
    entry_id = 'a"b\\c\nd'
    parsed = samples(exposition(link_stats(), entry_id).decode())
    assert len(parsed) == len(METRICS)
    assert {labels["entry_id"] for labels, _value in parsed.values()} == {entry_id}


def test_disconnected_figures() -> None:
    """While down: connected is 0, the attempts count, no round trip is made up."""
    parsed = samples(exposition(DOWN, "garage").decode())
    values = {name: value for name, (_labels, value) in parsed.items()}
    assert values["remote_bridge_connected"] == 0
    assert values["remote_bridge_reconnect_attempts"] == 4
    assert values["remote_bridge_subscriptions"] == 0
    # What the mirror still holds and what arrived stay.
    assert values["remote_bridge_mirrored_entities"] == 12
    assert values["remote_bridge_events_received_total"] == 40
    assert "remote_bridge_ping_rtt_seconds" not in values


async def test_view_while_disconnected(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    hass_client: ClientSessionGenerator,
) -> None:
    """The view answers the link's figures of the moment, down or up."""
    client = await hass_client()
    url = f"/api/remote_bridge/{init_integration.entry_id}/metrics"
    response = await client.get(url)
    assert response.status == HTTPStatus.OK
    up = samples(await response.text())
    assert up["remote_bridge_connected"] == (
        {"entry_id": init_integration.entry_id},
        1.0,
    )
    assert up["remote_bridge_ping_rtt_seconds"][1] == 0.0125

    mock_link.report(
        ConnectionState.RECONNECTING,
        reconnect_attempts=4,
        subscriptions=0,
        latency_ms=None,
    )
    response = await client.get(url)
    assert response.status == HTTPStatus.OK
    down = samples(await response.text())
    assert down["remote_bridge_connected"][1] == 0
    assert down["remote_bridge_reconnect_attempts"][1] == 4
    assert "remote_bridge_ping_rtt_seconds" not in down
