"""The ``connected`` binary sensor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .bridge import RemoteBridgeConfigEntry
from .entity import RemoteBridgeEntity
from .mirrored_entity import MirroredEntity, on_off
from .mirrored_platform import async_setup_local_entities
from .remote import LinkStats

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RemoteBridgeBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of the bridge and how to read it from a snapshot."""

    is_on_fn: Callable[[LinkStats], bool]


BINARY_SENSORS: tuple[RemoteBridgeBinarySensorDescription, ...] = (
    RemoteBridgeBinarySensorDescription(
        key="connected",
        translation_key="connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        is_on_fn=lambda stats: stats.connected,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RemoteBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the connectivity sensor of the bridge."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        RemoteBridgeBinarySensor(coordinator, description)
        for description in BINARY_SENSORS
    )
    await async_setup_local_entities(
        hass, entry, async_add_entities, RemoteBinarySensor
    )


class RemoteBridgeBinarySensor(RemoteBridgeEntity, BinarySensorEntity):
    """A yes/no figure of the bridge, such as whether the link is up."""

    entity_description: RemoteBridgeBinarySensorDescription

    @property
    def is_on(self) -> bool:
        """Return the figure from the latest snapshot."""
        return self.entity_description.is_on_fn(self.coordinator.data)


class RemoteBinarySensor(MirroredEntity, BinarySensorEntity):
    """A remote binary sensor (``create_entities``)."""

    local_domain = Platform.BINARY_SENSOR
    state_free_attributes = True

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_on = on_off(state) if state else None
