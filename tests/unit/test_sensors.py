"""The diagnostic entities read from a given `LinkStats`, on the fake link."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.remote_bridge.devices import async_entry_device
from custom_components.remote_bridge.remote import ConnectionState
from tests.integration_helpers import state_of

from .fake_link import FakeLink

KEYS = [
    "connected",
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


def states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Return the state of every diagnostic entity of ``entry``, by key."""
    return {key: state_of(hass, entry, key) for key in KEYS}


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Let ``seconds`` pass: the coordinator's refresh runs when due.

    Time must be frozen before the entry is set up (``freezer`` before
    ``init_integration`` in the arguments): a timer scheduled on the real
    clock is overdue on the frozen one.
    """
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_values_from_the_snapshot(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Each entity shows its figure of the link's snapshot."""
    assert states(hass, init_integration) == {
        "connected": "on",
        "connection_state": "connected",
        "reconnect_attempts": "0",
        "subscriptions": "3",
        "mirrored_entities": "12",
        "events_received": "40",
        "last_event": "2025-11-26T12:00:00+00:00",
        "latency": "12.5",
        # Shown in MB.
        "bytes_received": "0.052",
        # One snapshot is no rate.
        "bytes_per_minute": "unknown",
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "state", [ConnectionState.RECONNECTING, ConnectionState.AUTH_FAILED]
)
async def test_link_down_entities_stay_available(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    state: ConnectionState,
) -> None:
    """A down link is shown by the figures, not by unavailable entities.

    *Connected* turns off, the state and attempts follow at once, latency has
    no value; the counters keep what they last knew.
    """
    mock_link.report(state, reconnect_attempts=2, subscriptions=0, latency_ms=None)
    await hass.async_block_till_done()
    values = states(hass, init_integration)
    assert STATE_UNAVAILABLE not in values.values()
    assert values == {
        "connected": "off",
        "connection_state": state.value,
        "reconnect_attempts": "2",
        "subscriptions": "0",
        "mirrored_entities": "12",
        "events_received": "40",
        "last_event": "2025-11-26T12:00:00+00:00",
        "latency": "unknown",
        "bytes_received": "0.052",
        "bytes_per_minute": "unknown",
    }


async def test_last_event_unknown_before_any_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_link: FakeLink
) -> None:
    """A link that has received nothing yet shows no last event time."""
    mock_link.update(last_event_time=None, events_received=0)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, mock_config_entry, "last_event") == "unknown"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_counters_written_every_five_seconds(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
) -> None:
    """Events change the counters at once, the entities only at the next refresh.

    A change of the link's state is written at once, with the counters of
    that moment.
    """
    mock_link.update(events_received=41, bytes_received=58_000)
    # The refresh is due 5 s after the last write, give or take the second
    # Home Assistant rounds it to.
    await tick(hass, freezer, 3)
    assert state_of(hass, init_integration, "events_received") == "40"
    await tick(hass, freezer, 3)
    assert state_of(hass, init_integration, "events_received") == "41"
    # 6,000 bytes over the 6 s between the two snapshots: 1 kB/s.
    assert state_of(hass, init_integration, "bytes_per_minute") == "1.0"

    mock_link.update(events_received=42)
    mock_link.report(ConnectionState.RECONNECTING)
    await hass.async_block_till_done()
    assert state_of(hass, init_integration, "connected") == "off"
    assert state_of(hass, init_integration, "events_received") == "42"


async def test_device_follows_the_remote(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The device is named after the remote and follows its upgrades."""
    device = async_entry_device(hass, init_integration.entry_id)
    assert device is not None
    assert (device.name, device.sw_version) == ("Garage", "2025.4.4")
    mock_link.update(remote_version="2025.5.0", remote_name="Holiday house")
    await tick(hass, freezer, 5)
    device = async_entry_device(hass, init_integration.entry_id)
    assert device is not None
    assert (device.name, device.sw_version) == ("Holiday house", "2025.5.0")
