"""The base entity: one device per remote, pushed by the bridge's signal."""

from __future__ import annotations

from homeassistant.const import EntityCategory
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription

from .bridge import RemoteBridge
from .const import DOMAIN


class RemoteBridgeEntity(Entity):
    """A diagnostic entity of one bridge; it never polls."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, bridge: RemoteBridge, description: EntityDescription) -> None:
        """Attach the entity to the bridge's device."""
        self.bridge = bridge
        self.entity_description = description
        entry_id = bridge.entry.entry_id
        self._attr_unique_id = f"{entry_id}_{description.key}"
        info = bridge.info
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry_id)},
            entry_type=DeviceEntryType.SERVICE,
            name=info.name,
            manufacturer="Home Assistant",
            model="Remote instance",
            sw_version=info.version,
            configuration_url=bridge.url,
        )

    async def async_added_to_hass(self) -> None:
        """Write the state whenever the bridge signals a change."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self.bridge.signal, self.async_write_ha_state
            )
        )
