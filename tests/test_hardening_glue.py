"""The repair issues of a remote that is too big or too fast, and its text in logs."""

from __future__ import annotations

from functools import partial
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from prometheus_client.parser import text_string_to_metric_families
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.const import DOMAIN

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    fast_reconnects,
    seed_remote,
    setup_integration,
    wait_for,
)


async def metric(
    hass_client: ClientSessionGenerator, entry_id: str, name: str
) -> float:
    """Return one figure of the entry's ``/metrics``."""
    client = await hass_client()
    response = await client.get(f"/api/remote_bridge/{entry_id}/metrics")
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            if sample.name == f"remote_bridge_{name}":
                return float(sample.value)
    raise AssertionError(f"no {name} in /metrics")


def more_snapshots(bridge: Any, than: int) -> bool:
    """Return True once the bridge took more snapshots than ``than``."""
    return bool(bridge.link.snapshots > than)


async def test_entity_limit_raises_and_clears_a_repair_issue(
    hass: HomeAssistant,
    remote: RemoteHass,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    """Past the cap: an issue and a metric; a snapshot that fits clears both."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote, filter_enabled=False)
    bridge = bridge_of(entry)
    bridge.link.mirror.intake.max_entities = 2
    await bridge.async_resync()
    issue = issue_registry.async_get_issue(DOMAIN, f"entity_limit_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "entity_limit"
    assert issue.translation_placeholders == {"title": entry.title, "limit": "2"}
    assert len(bridge.link.mirror) == 2
    assert await metric(hass_client, entry.entry_id, "entity_limit_reached") == 1

    bridge.link.mirror.intake.max_entities = 100_000
    await bridge.async_resync()
    assert (
        issue_registry.async_get_issue(DOMAIN, f"entity_limit_{entry.entry_id}") is None
    )
    assert len(bridge.link.mirror) > 2
    assert await metric(hass_client, entry.entry_id, "entity_limit_reached") == 0


async def test_overload_drops_raise_a_repair_issue_naming_domains(
    hass: HomeAssistant,
    remote: RemoteHass,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    """The remote drops the bridge twice for falling behind: the issue names sensor."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote, filter_enabled=False)
    bridge = bridge_of(entry)
    delays = fast_reconnects(bridge)
    issue_id = f"overload_{entry.entry_id}"
    for round_ in (1, 2):
        snapshots = bridge.link.snapshots
        for number in range(6_000):
            hass.states.async_set(f"sensor.flood_{number % 50}", f"{round_}-{number}")
        await wait_for(partial(more_snapshots, bridge, snapshots), within=10)
        await wait_for(lambda: bridge.link.connected)
    assert [int(delay) for delay in delays] == [2, 4]
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "overload"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["domains"].startswith("sensor (")
    assert await metric(hass_client, entry.entry_id, "overload_drops") == 2

    # An ordinary outage (the link dropped by us) ends the streak and the issue.
    await bridge.async_reconnect()
    await wait_for(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)


async def test_remote_text_in_log_lines_is_cleaned(
    hass: HomeAssistant, remote: RemoteHass, caplog: pytest.LogCaptureFixture
) -> None:
    """The outage line carries last_error stripped of controls and the token."""
    caplog.set_level(logging.INFO)
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    bridge.link.client.last_error = f"evil\nFAKE LOG LINE {remote.token}\x1b[31m"
    await bridge.link.client.reconnect()
    await wait_for(lambda: "is unavailable" in caplog.text)
    line = next(
        r.getMessage() for r in caplog.records if "is unavailable" in r.getMessage()
    )
    assert "\n" not in line
    assert "\x1b" not in line
    assert remote.token not in line
    assert "**REDACTED**" in line
    await wait_for(lambda: bridge.link.connected)
