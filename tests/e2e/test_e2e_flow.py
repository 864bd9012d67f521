"""Scenario 1: add the bridge through the config flow against a real remote."""

from __future__ import annotations

from http import HTTPStatus
import time
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.const import DOMAIN
from tests.integration_helpers import current_state
from tests.remote_ha import RemoteHA

from .conftest import (
    KEY_PLATFORMS,
    Figures,
    bridge_of,
    comparable,
    entity_id_of,
    truth,
    wait_converged,
)


async def test_config_flow_device_entities_and_views(
    local: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote_live: RemoteHA,
    figures: Figures,
) -> None:
    """A user adds the remote; its device, entities and states show up."""
    hass = local
    tag = f"flow_{int(time.time() * 1000) % 10**8}"
    await remote_live.set_state(f"light.{tag}", "on", {"brightness": 180})
    await remote_live.set_state(f"sensor.{tag}", "21.5", {"unit_of_measurement": "°C"})
    await remote_live.set_state(f"switch.{tag}", "off")
    await remote_live.set_state(f"media_player.{tag}", "playing")  # excluded
    await remote_live.set_state(f"camera.{tag}", "idle")  # excluded

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    started = time.monotonic()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"url": remote_live.url, "access_token": remote_live.token, "verify_ssl": True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["title"] == "Remote Home"
    await hass.async_block_till_done()
    figures("flow to loaded entry (s)", time.monotonic() - started)
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data == {
        "url": remote_live.url,
        "access_token": remote_live.token,
        "verify_ssl": True,
    }

    await _assert_device_and_entities(hass, entry, remote_live)

    # The mirror and the states view equal the remote's own /api/states, filtered.
    await wait_converged(remote_live, entry, within=10)
    want = await truth(remote_live)
    assert f"light.{tag}" in want
    assert f"media_player.{tag}" not in want
    figures("entities mirrored", len(want))
    assert len(bridge_of(entry).link.mirror) == len(want)
    await _assert_views(hass_client, entry, remote_live, tag, want)

    # The same remote cannot be added twice.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"url": remote_live.url, "access_token": remote_live.token, "verify_ssl": True},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def _assert_device_and_entities(
    hass: HomeAssistant, entry: ConfigEntry, remote: RemoteHA
) -> None:
    """Check the device that stands for the remote, and its entities."""
    # The device stands for the remote: its name, version and address.
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device.identifiers == {(DOMAIN, entry.entry_id)}
    assert device.name == "Remote Home"
    config = await remote.ws_command({"type": "get_config"})
    assert device.sw_version == config["version"]
    assert device.configuration_url == remote.url

    # Its entities, one per key, on that device (four are disabled by default).
    registry = er.async_get(hass)
    entities = er.async_entries_for_config_entry(registry, entry.entry_id)
    assert {e.unique_id for e in entities} == {
        f"{entry.entry_id}_{key}" for key in KEY_PLATFORMS
    }
    assert all(e.device_id == device.id for e in entities)
    assert current_state(hass, entity_id_of(hass, entry, "connected")).state == "on"
    assert (
        current_state(hass, entity_id_of(hass, entry, "connection_state")).state
        == "connected"
    )
    assert (
        current_state(hass, entity_id_of(hass, entry, "reconnect_attempts")).state
        == "0"
    )
    connected = entity_id_of(hass, entry, "connected")
    assert connected == "binary_sensor.remote_home_connected"


async def _assert_views(
    hass_client: ClientSessionGenerator,
    entry: ConfigEntry,
    remote_live: RemoteHA,
    tag: str,
    want: dict[str, Any],
) -> None:
    """Check that the views serve what the remote's own API does, filtered."""
    client = await hass_client()
    base = f"/api/remote_bridge/{entry.entry_id}"
    response = await client.get(f"{base}/states")
    assert response.status == HTTPStatus.OK
    served = await response.json()
    assert comparable(served) == want
    assert len(served) == len(want)
    by_id = {s["entity_id"]: s for s in served}
    remote_raw = {s["entity_id"]: s for s in await remote_live.states()}
    # Byte-for-byte the remote's shape, context included.
    for entity_id in (f"light.{tag}", f"sensor.{tag}", f"switch.{tag}"):
        assert by_id[entity_id] == remote_raw[entity_id]

    response = await client.get(f"{base}/states?domain=light")
    assert response.status == HTTPStatus.OK
    assert comparable(await response.json()) == {
        k: v for k, v in want.items() if k.startswith("light.")
    }
    response = await client.get(f"{base}/states/sensor.{tag}")
    assert response.status == HTTPStatus.OK
    assert (await response.json())["state"] == "21.5"
    response = await client.get(f"{base}/states/media_player.{tag}")
    assert response.status == HTTPStatus.NOT_FOUND

    response = await client.get("/api/remote_bridge")
    assert await response.json() == [
        {
            "entry_id": entry.entry_id,
            "title": "Remote Home",
            "url": remote_live.url,
            "connected": True,
        }
    ]
    response = await client.get(f"{base}/services")
    assert response.status == HTTPStatus.OK
    services = {d["domain"] for d in await response.json()}
    assert services == {d["domain"] for d in await remote_live.services()}
    for view in ("status", "metrics", "health"):
        response = await client.get(f"{base}/{view}")
        assert response.status == HTTPStatus.OK
        assert remote_live.token not in await response.text()
