"""The diagnostics download."""

from __future__ import annotations

from typing import Any

from homeassistant.const import __version__
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import orjson
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.types import PropertyName, PropertyPath

from custom_components.remote_bridge.const import CONF_INSTANCE_ID

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    seed_remote,
    setup_integration,
    stop_remote,
    wait_for,
)

# Figures that differ from run to run; the test checks them by hand.
CHANGING = {
    "remote_version",
    "bytes_received",
    "last_event_time",
    "connected_since",
    "latency_ms",
}


def changing(prop: PropertyName, path: PropertyPath) -> bool:
    """Leave out of the snapshot the figures that change from run to run."""
    return prop in CHANGING


@pytest.fixture(autouse=True)
async def diagnostics_first(hass: HomeAssistant) -> None:
    """Register the diagnostics views before the remote's server starts."""
    assert await async_setup_component(hass, "diagnostics", {})


async def test_diagnostics(
    hass: HomeAssistant,
    remote: RemoteHass,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """Options and every figure of the link; no token, no url, no name."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_INSTANCE_ID: "remote-uuid"}
    )
    hass.states.async_set("light.kitchen", "off")
    bridge = bridge_of(entry)
    await wait_for(lambda: bridge.link.events_received == 1, what="the event")

    diagnostics: dict[str, Any] = await get_diagnostics_for_config_entry(
        hass, hass_client, entry
    )

    assert diagnostics == snapshot(exclude=changing)
    link = diagnostics["link"]
    assert link["remote_version"] == __version__
    assert link["bytes_received"] > 0
    assert link["last_event_time"] is not None
    assert link["connected_since"] is not None
    text = orjson.dumps(diagnostics).decode()
    assert remote.token not in text
    assert remote.url.removeprefix("http://") not in text
    assert "remote-uuid" not in text


async def test_diagnostics_while_remote_down(
    hass: HomeAssistant, remote: RemoteHass, hass_client: ClientSessionGenerator
) -> None:
    """The error naming the remote's host:port, and its name, are redacted."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    await stop_remote(remote)
    await wait_for(lambda: bridge.stats.last_error is not None, what="an error")
    assert remote.url.removeprefix("http://") in str(bridge.stats.last_error)

    diagnostics: dict[str, Any] = await get_diagnostics_for_config_entry(
        hass, hass_client, entry
    )

    link = diagnostics["link"]
    assert link["last_error"] == link["remote_name"] == "**REDACTED**"
    assert link["connected"] is False
    text = orjson.dumps(diagnostics).decode()
    assert remote.token not in text
    assert remote.url.removeprefix("http://") not in text
    assert "test home" not in text
