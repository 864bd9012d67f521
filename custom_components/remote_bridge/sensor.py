"""The bridge's diagnostic sensors."""

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

from .bridge import RemoteBridge, RemoteBridgeConfigEntry
from .entity import RemoteBridgeEntity
from .remote import ConnectionState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RemoteBridgeSensorDescription(SensorEntityDescription):
    """A sensor of the bridge and how to read its value."""

    value_fn: Callable[[RemoteBridge], str | int | float | datetime | None]


SENSORS: tuple[RemoteBridgeSensorDescription, ...] = (
    RemoteBridgeSensorDescription(
        key="connection_state",
        translation_key="connection_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ConnectionState],
        value_fn=lambda bridge: bridge.link.link_state.value,
    ),
    RemoteBridgeSensorDescription(
        key="reconnect_attempts",
        translation_key="reconnect_attempts",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda bridge: bridge.client.reconnect_attempts,
    ),
    RemoteBridgeSensorDescription(
        key="subscriptions",
        translation_key="subscriptions",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda bridge: bridge.client.subscriptions,
    ),
    RemoteBridgeSensorDescription(
        key="mirrored_entities",
        translation_key="mirrored_entities",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda bridge: len(bridge.mirror),
    ),
    RemoteBridgeSensorDescription(
        key="events_received",
        translation_key="events_received",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda bridge: bridge.link.events_received,
    ),
    RemoteBridgeSensorDescription(
        key="last_event",
        translation_key="last_event",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda bridge: bridge.last_event,
    ),
    RemoteBridgeSensorDescription(
        key="latency",
        translation_key="latency",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda bridge: bridge.client.latency_ms,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RemoteBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the bridge's sensors."""
    async_add_entities(
        RemoteBridgeSensor(entry.runtime_data, description) for description in SENSORS
    )


class RemoteBridgeSensor(RemoteBridgeEntity, SensorEntity):
    """A diagnostic figure of the bridge."""

    entity_description: RemoteBridgeSensorDescription

    @property
    def native_value(self) -> str | int | float | datetime | None:
        """Return the current figure."""
        return self.entity_description.value_fn(self.bridge)
