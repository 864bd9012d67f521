"""The ``connected`` binary sensor."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .bridge import RemoteBridgeConfigEntry
from .entity import RemoteBridgeEntity

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


class RemoteBridgeConnectedSensor(RemoteBridgeEntity, BinarySensorEntity):
    """On while the WebSocket link to the remote is up."""

    @property
    def is_on(self) -> bool:
        """Return True while connected."""
        return self.bridge.connected
