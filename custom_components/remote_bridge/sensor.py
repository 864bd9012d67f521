"""The bridge's diagnostic sensors, each a figure of the `LinkStats` snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from homeassistant.components.sensor import (
    ATTR_OPTIONS,
    ATTR_STATE_CLASS,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    Platform,
    UnitOfDataRate,
    UnitOfInformation,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .bridge import RemoteBridgeConfigEntry
from .entity import RemoteBridgeEntity
from .mirrored_entity import MirroredEntity
from .mirrored_platform import async_setup_local_entities
from .remote import ConnectionState, LinkStats

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RemoteBridgeSensorDescription(SensorEntityDescription):
    """A sensor of the bridge and how to read it from a snapshot."""

    value_fn: Callable[[LinkStats], StateType | datetime]


@dataclass(frozen=True, kw_only=True)
class RemoteBridgeRateSensorDescription(SensorEntityDescription):
    """A sensor showing how fast a counter of the snapshots grew, per second."""

    counter_fn: Callable[[LinkStats], int]


def _last_event(stats: LinkStats) -> datetime | None:
    if stats.last_event_time is None:
        return None
    return dt_util.utc_from_timestamp(stats.last_event_time)


SENSORS: tuple[RemoteBridgeSensorDescription, ...] = (
    RemoteBridgeSensorDescription(
        key="connection_state",
        translation_key="connection_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ConnectionState],
        value_fn=lambda stats: stats.link_state.value,
    ),
    RemoteBridgeSensorDescription(
        key="reconnect_attempts",
        translation_key="reconnect_attempts",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda stats: stats.reconnect_attempts,
    ),
    RemoteBridgeSensorDescription(
        key="subscriptions",
        translation_key="subscriptions",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda stats: stats.subscriptions,
    ),
    RemoteBridgeSensorDescription(
        key="mirrored_entities",
        translation_key="mirrored_entities",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda stats: stats.mirrored_entities,
    ),
    RemoteBridgeSensorDescription(
        key="events_received",
        translation_key="events_received",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda stats: stats.events_received,
    ),
    RemoteBridgeSensorDescription(
        key="last_event",
        translation_key="last_event",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_last_event,
    ),
    RemoteBridgeSensorDescription(
        key="latency",
        translation_key="latency",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        # None while disconnected: the sensor shows unknown, not a stale figure.
        value_fn=lambda stats: stats.latency_ms,
    ),
    RemoteBridgeSensorDescription(
        key="bytes_received",
        translation_key="bytes_received",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.MEGABYTES,
        suggested_display_precision=2,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda stats: stats.bytes_received,
    ),
)

RATE_SENSORS: tuple[RemoteBridgeRateSensorDescription, ...] = (
    # Averaged over the last minute; HA has no per-minute data rate unit, so
    # it is shown per second (and converts between B/s, kB/s, …).
    RemoteBridgeRateSensorDescription(
        key="bytes_per_minute",
        translation_key="bytes_per_minute",
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.KILOBYTES_PER_SECOND,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        counter_fn=lambda stats: stats.bytes_received,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RemoteBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the bridge's sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            *(RemoteBridgeSensor(coordinator, description) for description in SENSORS),
            *(
                RemoteBridgeRateSensor(coordinator, description)
                for description in RATE_SENSORS
            ),
        ]
    )
    await async_setup_local_entities(hass, entry, async_add_entities, RemoteSensor)


class RemoteBridgeSensor(RemoteBridgeEntity, SensorEntity):
    """A diagnostic figure of the bridge."""

    entity_description: RemoteBridgeSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the figure from the latest snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)


class RemoteBridgeRateSensor(RemoteBridgeEntity, SensorEntity):
    """How fast a figure of the bridge grew over the last minute."""

    entity_description: RemoteBridgeRateSensorDescription

    @property
    def native_value(self) -> float | None:
        """Return the rate over the snapshots of the last minute."""
        return self.coordinator.rate_per_second(self.entity_description.counter_fn)


class RemoteSensor(MirroredEntity, SensorEntity):
    """A remote sensor (``create_entities``); with a state class it has statistics."""

    local_domain = Platform.SENSOR
    state_free_attributes = True

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_native_unit_of_measurement = attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        self._attr_state_class = attributes.get(ATTR_STATE_CLASS)
        self._attr_options = attributes.get(ATTR_OPTIONS)
        self._map_state(state, attributes)

    def _map_state(self, state: str | None, attributes: dict[str, Any]) -> None:
        value: str | datetime | date | None = state
        if state is not None and self._attr_device_class == SensorDeviceClass.TIMESTAMP:
            value = dt_util.parse_datetime(state)
        elif state is not None and self._attr_device_class == SensorDeviceClass.DATE:
            value = dt_util.parse_date(state)
        self._attr_native_value = value
