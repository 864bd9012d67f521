"""The base entity: one device per remote, written from the coordinator's snapshot."""

from __future__ import annotations

from homeassistant.const import EntityCategory
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import RemoteBridgeCoordinator


class RemoteBridgeEntity(CoordinatorEntity[RemoteBridgeCoordinator]):
    """A diagnostic entity of one bridge; it never polls."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_has_entity_name = True

    def __init__(
        self, coordinator: RemoteBridgeCoordinator, description: EntityDescription
    ) -> None:
        """Attach the entity to the bridge's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}_{description.key}"
        self._attr_device_info = coordinator.device_info
