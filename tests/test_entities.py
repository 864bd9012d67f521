"""The device and the diagnostic entities of a bridge, read from its snapshots."""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime, timedelta
import itertools
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
from custom_components.remote_bridge.devices import async_entry_device

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
    "bytes_received",
    "bytes_per_minute",
]
# Figures that depend on the size of the remote's answers (its version, its
# config): the snapshot records that they are numbers, the tests below what.
VARYING = {"bytes_received"}


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
        shown = state.state
        if item.translation_key in VARYING:
            assert float(shown) > 0
            shown = "<number>"
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
                    "state": shown,
                    "attributes": dict(state.attributes),
                }
            )
        ) == snapshot(name=item.entity_id)


async def test_entity_contract(
    hass: HomeAssistant, remote: RemoteHass, entity_registry: er.EntityRegistry
) -> None:
    """Ten entities, keyed by the contract, diagnostic, four off by default."""
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
    assert disabled == {
        "events_received",
        "latency",
        "bytes_received",
        "bytes_per_minute",
    }
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


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Let ``seconds`` pass: the timers due by then run."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def megabytes(value: str) -> float:
    """Return a data size state (shown in MB) in bytes."""
    return float(value) * 1_000_000


def bytes_per_second(value: str) -> float:
    """Return a data rate state (shown in kB/s) in B/s."""
    return float(value) * 1_000


@pytest.mark.usefixtures("all_entities_enabled")
async def test_event_counters_throttled(
    hass: HomeAssistant, remote: RemoteHass, freezer: FrozenDateTimeFactory
) -> None:
    """A burst of changes reaches the state machine once per 5 s, not per event."""
    # Start on a whole second: the refreshes then fall 0.05-0.5 s after one,
    # and async_fire_time_changed runs what is due within 0.5 s.
    freezer.move_to(datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1))
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    counters = ["events_received", "last_event", "bytes_received", "bytes_per_minute"]
    writes: list[Event[EventStateChangedData]] = []
    async_track_state_change_event(
        hass, [entity_id_of(hass, entry, key) for key in counters], writes.append
    )
    assert state_of(hass, entry, "events_received") == "0"
    assert state_of(hass, entry, "last_event") == "unknown"
    received = state_of(hass, entry, "bytes_received")

    burst_time = time.time()
    for value in range(50):
        hass.states.async_set("light.kitchen", str(value))
    await wait_for(lambda: bridge.link.events_received == 50, what="the burst")
    await hass.async_block_till_done()
    # The mirror is current, the entities wait for their next write.
    assert (bridge.link.mirror.get("light.kitchen") or {}).get("state") == "49"
    assert state_of(hass, entry, "events_received") == "0"
    assert state_of(hass, entry, "last_event") == "unknown"
    assert state_of(hass, entry, "bytes_received") == received
    assert writes == []

    await tick(hass, freezer, 5)
    assert state_of(hass, entry, "events_received") == "50"
    assert state_of(hass, entry, "last_event") == (
        datetime.fromtimestamp(burst_time, UTC).replace(microsecond=0).isoformat()
    )
    assert float(state_of(hass, entry, "bytes_received")) > float(received)
    # One write of each counter for the whole burst.
    assert sorted(write.data["entity_id"] for write in writes) == sorted(
        entity_id_of(hass, entry, key) for key in counters
    )

    for value in range(10):
        hass.states.async_set("switch.pump", str(value))
    await wait_for(lambda: bridge.link.events_received == 60, what="the burst")
    await tick(hass, freezer, 4)
    assert state_of(hass, entry, "events_received") == "50"
    assert len(writes) == 4
    await tick(hass, freezer, 1)
    assert state_of(hass, entry, "events_received") == "60"
    assert len(writes) == 8


@pytest.mark.usefixtures("all_entities_enabled")
async def test_values_connected_then_disconnected(
    hass: HomeAssistant, remote: RemoteHass, freezer: FrozenDateTimeFactory
) -> None:
    """Every entity's value on a live link, then while the remote is gone.

    While disconnected, *Connected* turns off, latency has no value (a stale
    round trip says nothing about a dead link) and the others keep what they
    last knew.
    """
    seed_remote(hass)
    entry = await setup_integration(hass, remote, heartbeat_interval=30)
    bridge = bridge_of(entry)
    event_time = time.time()
    hass.states.async_set("light.kitchen", "off")
    await wait_for(lambda: bridge.link.events_received == 1, what="an event")
    # Each read of the link's clock moves it 25 ms on; while the link is up,
    # it is read only when the ping goes out and when the pong comes back.
    readings = iter(1000 + 0.025 * n for n in itertools.count())
    bridge.link.set_timing(clock=lambda: next(readings))
    await tick(hass, freezer, 30)  # the first heartbeat
    await wait_for(
        lambda: bridge.link.client.heartbeat.latency_ms is not None, what="a pong"
    )
    await tick(hass, freezer, 5)  # the next write of the counters
    received = bridge.link.bytes_received

    values = {key: state_of(hass, entry, key) for key in ["connected", *SENSOR_KEYS]}
    assert megabytes(values.pop("bytes_received")) == pytest.approx(received)
    # Since the link came up (before any byte arrived), 35 s ago.
    assert bytes_per_second(values.pop("bytes_per_minute")) == pytest.approx(
        received / 35, abs=0.1
    )
    last_event = datetime.fromtimestamp(event_time, UTC).replace(microsecond=0)
    assert values == {
        "connected": "on",
        "connection_state": "connected",
        "reconnect_attempts": "0",
        "subscriptions": "4",
        "mirrored_entities": "3",
        "events_received": "1",
        "last_event": last_event.isoformat(),
        "latency": "25.0",
    }

    fast_reconnects(bridge)
    await stop_remote(remote)
    await wait_for(lambda: bridge.link.stats().reconnect_attempts >= 2, what="retries")
    await hass.async_block_till_done()

    values = {key: state_of(hass, entry, key) for key in ["connected", *SENSOR_KEYS]}
    assert int(values.pop("reconnect_attempts")) >= 1
    assert megabytes(values.pop("bytes_received")) == pytest.approx(received)
    assert float(values.pop("bytes_per_minute")) >= 0
    assert values == {
        "connected": "off",
        "connection_state": "reconnecting",
        "subscriptions": "0",
        "mirrored_entities": "3",
        "events_received": "1",
        "last_event": last_event.isoformat(),
        "latency": "unknown",
    }


@pytest.mark.usefixtures("all_entities_enabled")
async def test_receive_rate_over_the_last_minute(
    hass: HomeAssistant, remote: RemoteHass, freezer: FrozenDateTimeFactory
) -> None:
    """The rate follows a burst of traffic, then falls to zero a minute later."""
    # skip_hidden off: no registry events either (the test hass's own
    # registry changes as the diagnostic entities are enabled).
    entry = await setup_integration(
        hass, remote, heartbeat_interval=3600, skip_hidden=False
    )
    bridge = bridge_of(entry)
    # Two snapshots milliseconds apart make no rate.
    assert state_of(hass, entry, "bytes_per_minute") == "unknown"

    for value in range(20):
        hass.states.async_set("light.kitchen", str(value))
    await wait_for(lambda: bridge.link.events_received == 20, what="the burst")
    received = bridge.link.bytes_received
    await tick(hass, freezer, 5)
    assert megabytes(state_of(hass, entry, "bytes_received")) == pytest.approx(received)
    assert bytes_per_second(state_of(hass, entry, "bytes_per_minute")) == (
        pytest.approx(received / 5, abs=0.1)
    )

    # A quiet minute later the burst has left the window.
    for _ in range(12):
        await tick(hass, freezer, 5)
    assert bridge.link.bytes_received == received
    assert float(state_of(hass, entry, "bytes_per_minute")) == 0
    assert megabytes(state_of(hass, entry, "bytes_received")) == pytest.approx(received)


async def test_device_follows_the_remote(
    hass: HomeAssistant, remote: RemoteHass, device_registry: dr.DeviceRegistry
) -> None:
    """An upgraded and renamed remote updates the device when it reconnects."""
    hass.config.location_name = "Garage"
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    device = async_entry_device(hass, entry.entry_id)
    assert device is not None
    assert (device.name, device.sw_version) == ("Garage", __version__)

    hass.config.location_name = "Workshop"
    with patch("homeassistant.core_config.__version__", "2099.1.0"):
        await bridge.async_reconnect()
        await wait_for(
            lambda: bridge.link.connected and bridge.stats.remote_version == "2099.1.0",
            what="the reconnect",
        )
    await hass.async_block_till_done()

    updated = device_registry.async_get(device.id)
    assert isinstance(updated, dr.DeviceEntry)
    assert (updated.name, updated.sw_version) == ("Workshop", "2099.1.0")
    # The entities' friendly names follow the device's name.
    state = hass.states.get(entity_id_of(hass, entry, "connection_state"))
    assert state is not None
    assert state.attributes["friendly_name"] == "Workshop Connection state"
