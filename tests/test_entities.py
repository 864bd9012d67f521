"""The device and the eight diagnostic entities of a bridge."""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime, timedelta
import json
import time
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EntityCategory, Platform, __version__
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from custom_components.remote_bridge.const import DOMAIN

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    entity_id_of,
    fast_reconnects,
    seed_remote,
    setup_integration,
    state_of,
    stop_remote,
    wait_for,
)

ENTRY_ID = "01JREMOTEBRIDGETESTENTRY00"
SENSOR_KEYS = [
    "connection_state",
    "reconnect_attempts",
    "subscriptions",
    "mirrored_entities",
    "events_received",
    "last_event",
    "latency",
]


@pytest.fixture
def all_entities_enabled() -> Generator[None]:
    """Enable the entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


@pytest.mark.usefixtures("all_entities_enabled")
@pytest.mark.parametrize("platform", [Platform.BINARY_SENSOR, Platform.SENSOR])
async def test_entities_snapshot(
    hass: HomeAssistant,
    remote: RemoteHass,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Registry entries and states of every entity, per platform."""
    seed_remote(hass)
    with patch("custom_components.remote_bridge.PLATFORMS", [platform]):
        entry = await setup_integration(hass, remote, entry_id=ENTRY_ID)
    # The fields a user sees, not the whole registry entry: its shape differs
    # between Home Assistant versions.
    for item in sorted(
        er.async_entries_for_config_entry(entity_registry, entry.entry_id),
        key=lambda item: item.entity_id,
    ):
        state = hass.states.get(item.entity_id)
        assert state is not None
        # JSON round trip: newer versions use enum members as attribute keys.
        assert json.loads(
            json.dumps(
                {
                    "unique_id": item.unique_id,
                    "translation_key": item.translation_key,
                    "entity_category": item.entity_category,
                    "device_class": item.original_device_class,
                    "unit_of_measurement": item.unit_of_measurement,
                    "capabilities": item.capabilities,
                    "state": state.state,
                    "attributes": dict(state.attributes),
                }
            )
        ) == snapshot(name=item.entity_id)


async def test_entity_contract(
    hass: HomeAssistant, remote: RemoteHass, entity_registry: er.EntityRegistry
) -> None:
    """Eight entities, keyed by the contract, diagnostic, two off by default."""
    entry = await setup_integration(hass, remote)
    entries = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert sorted(item.unique_id for item in entries) == sorted(
        f"{entry.entry_id}_{key}" for key in ["connected", *SENSOR_KEYS]
    )
    assert {item.entity_category for item in entries} == {EntityCategory.DIAGNOSTIC}
    assert {item.translation_key for item in entries} == {
        "connected",
        *SENSOR_KEYS,
    }
    disabled = {
        item.translation_key
        for item in entries
        if item.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {"events_received", "latency"}
    # Translated names, prefixed with the device name.
    connection_state = hass.states.get(entity_id_of(hass, entry, "connection_state"))
    assert connection_state is not None
    assert connection_state.attributes["friendly_name"] == "test home Connection state"


async def test_device(
    hass: HomeAssistant, remote: RemoteHass, device_registry: dr.DeviceRegistry
) -> None:
    """One device stands for the remote: its name, version and address."""
    hass.config.location_name = "Holiday house"
    entry = await setup_integration(hass, remote)
    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert len(devices) == 1
    device = devices[0]
    assert device.identifiers == {(DOMAIN, entry.entry_id)}
    assert device.name == "Holiday house"
    assert device.manufacturer == "Home Assistant"
    assert device.model == "Remote instance"
    assert device.sw_version == __version__
    assert device.configuration_url == remote.url
    assert device.entry_type is dr.DeviceEntryType.SERVICE


@pytest.mark.usefixtures("all_entities_enabled")
async def test_event_counters_throttled(
    hass: HomeAssistant, remote: RemoteHass, freezer: FrozenDateTimeFactory
) -> None:
    """A burst of changes reaches the state machine once per 5 s, not per event."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    events_id = entity_id_of(hass, entry, "events_received")
    writes: list[Event[EventStateChangedData]] = []
    async_track_state_change_event(hass, [events_id], writes.append)
    assert state_of(hass, entry, "events_received") == "0"
    assert state_of(hass, entry, "last_event") == "unknown"

    burst_time = time.time()
    for value in range(50):
        hass.states.async_set("light.kitchen", str(value))
    await wait_for(lambda: bridge.link.events_received == 50, what="the burst")
    await hass.async_block_till_done()
    # The mirror is current, the entities wait for their next write.
    assert bridge.mirror.get("light.kitchen")["state"] == "49"
    assert state_of(hass, entry, "events_received") == "0"
    assert state_of(hass, entry, "last_event") == "unknown"
    assert writes == []

    freezer.tick(timedelta(seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_of(hass, entry, "events_received") == "50"
    assert state_of(hass, entry, "last_event") == (
        datetime.fromtimestamp(burst_time, UTC).replace(microsecond=0).isoformat()
    )
    assert len(writes) == 1

    for value in range(10):
        hass.states.async_set("switch.pump", str(value))
    await wait_for(lambda: bridge.link.events_received == 60, what="the burst")
    freezer.tick(timedelta(seconds=4))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_of(hass, entry, "events_received") == "50"
    freezer.tick(timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_of(hass, entry, "events_received") == "60"
    assert len(writes) == 2


@pytest.mark.usefixtures("all_entities_enabled")
async def test_latency_after_heartbeat(
    hass: HomeAssistant, remote: RemoteHass, freezer: FrozenDateTimeFactory
) -> None:
    """The ping round trip shows once the first heartbeat was answered."""
    entry = await setup_integration(hass, remote, heartbeat_interval=30)
    bridge = bridge_of(entry)
    assert state_of(hass, entry, "latency") == "unknown"
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await wait_for(lambda: bridge.client.latency_ms is not None, what="a pong")
    freezer.tick(timedelta(seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    # Time is frozen, so the round trip measures as zero.
    assert float(state_of(hass, entry, "latency")) == 0


@pytest.mark.usefixtures("all_entities_enabled")
async def test_disconnected_keeps_last_values(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Connected turns off; the other sensors show what they last knew."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    hass.states.async_set("light.kitchen", "off")
    await wait_for(lambda: bridge.link.events_received == 1, what="an event")
    fast_reconnects(bridge)

    await stop_remote(remote)
    await wait_for(lambda: bridge.client.reconnect_attempts >= 2, what="retries")
    await hass.async_block_till_done()

    assert state_of(hass, entry, "connected") == "off"
    assert state_of(hass, entry, "connection_state") == "reconnecting"
    assert state_of(hass, entry, "mirrored_entities") == "3"
    assert state_of(hass, entry, "events_received") == "1"
    assert state_of(hass, entry, "last_event") not in ("unknown", "unavailable")
    assert int(state_of(hass, entry, "reconnect_attempts")) >= 1
    for key in SENSOR_KEYS:
        assert state_of(hass, entry, key) != "unavailable", key
