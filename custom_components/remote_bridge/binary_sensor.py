"""The ``connected`` binary sensor."""

from __future__ import annotations

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
from .mirrored import async_setup_local_entities
from .mirrored_entity import MirroredEntity, on_off

PARALLEL_UPDATES = 0

CONNECTED = BinarySensorEntityDescription(
    key="connected",
    translation_key="connected",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RemoteBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the connectivity sensor of the bridge."""
    async_add_entities([RemoteBridgeConnectedSensor(entry.runtime_data, CONNECTED)])
    await async_setup_local_entities(
        hass, entry, Platform.BINARY_SENSOR, async_add_entities, RemoteBinarySensor
    )


class RemoteBridgeConnectedSensor(RemoteBridgeEntity, BinarySensorEntity):
    """On while the WebSocket link to the remote is up."""

    @property
    def is_on(self) -> bool:
        """Return True while connected."""
        return self.bridge.connected


class RemoteBinarySensor(MirroredEntity, BinarySensorEntity):
    """A remote binary sensor (``create_entities``)."""

    local_domain = Platform.BINARY_SENSOR

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_on = on_off(state) if state else None
