"""The bridge's diagnostic sensors, each a figure of the `LinkStats` snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .bridge import RemoteBridgeConfigEntry
from .entity import RemoteBridgeEntity
from .remote import ConnectionState, LinkStats

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RemoteBridgeSensorDescription(SensorEntityDescription):
    """A sensor of the bridge and how to read it from a snapshot."""

    value_fn: Callable[[LinkStats], StateType | datetime]


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
        value_fn=lambda stats: stats.state.value,
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
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RemoteBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the bridge's sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        RemoteBridgeSensor(coordinator, description) for description in SENSORS
    )


class RemoteBridgeSensor(RemoteBridgeEntity, SensorEntity):
    """A diagnostic figure of the bridge."""

    entity_description: RemoteBridgeSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the figure from the latest snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)
