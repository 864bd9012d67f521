"""The remote's devices, for the local entities that stand for their entities.

A local entity whose remote entity belongs to a device belongs to a local
device standing for it: identifier ``(remote_bridge, "{entry id}-{remote
device id}")``, the remote's name (the user's there, else the device's), maker,
model, model id, versions, its area's name as the suggested area, and the
bridge's own device as its via device. An entity without a remote device (or
with a registry the token may not read) belongs to the bridge's device.

The devices follow the remote's registry snapshot live: a rename or new
model is copied; a move to another area is copied too, unless the local
device was put in another area here (then the local choice wins); an entity
moved to another device follows it. A local device left without entities is
removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.device_registry import DeviceInfo

from .const import DOMAIN
from .devices import async_entry_device
from .remote.registry import RegistryDevice, RegistrySnapshot

if TYPE_CHECKING:
    from .mirrored_entity import MirroredEntity


class RemoteDevices:
    """The local devices standing for the remote's devices, of one entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Know nothing yet: every entity is on the bridge's device."""
        self._hass = hass
        self._entry_id = entry_id
        # Remote device id -> the remote area's name last copied here.
        self._areas: dict[str, str | None] = {}

    def identifier(self, remote_device_id: str | None) -> tuple[str, str]:
        """Return the local device identifier (None: the bridge's device)."""
        if remote_device_id is None:
            return (DOMAIN, self._entry_id)
        return (DOMAIN, f"{self._entry_id}-{remote_device_id}")

    def device_info(
        self,
        remote_device: RegistryDevice | None,
        snapshot: RegistrySnapshot | None,
        bridge_device: DeviceInfo,
    ) -> DeviceInfo:
        """Return the device info a new local entity is created with."""
        if remote_device is None or snapshot is None:
            return bridge_device
        area = snapshot.area_name(remote_device.area_id)
        self._areas.setdefault(remote_device.id, area)
        info = self._copy(remote_device)
        if area is not None:
            info["suggested_area"] = area
        return info

    @callback
    def async_sync(
        self, snapshot: RegistrySnapshot | None, entities: Mapping[str, MirroredEntity]
    ) -> None:
        """Bring the local devices and the entities' links up to the snapshot."""
        devices = dr.async_get(self._hass)
        entity_registry = er.async_get(self._hass)
        local_ids: dict[str | None, str] = {}
        for remote_id, entity in entities.items():
            remote_device = snapshot.device_of(remote_id) if snapshot else None
            key = remote_device.id if remote_device is not None else None
            if key not in local_ids:
                device = self._async_update_device(devices, remote_device, snapshot)
                if device is None:
                    continue
                local_ids[key] = device.id
            if entity.registry_entry is None:
                continue  # not added yet: created with its device info
            if entity.registry_entry.device_id != local_ids[key]:
                entity_registry.async_update_entity(
                    entity.registry_entry.entity_id, device_id=local_ids[key]
                )
        async_remove_empty_devices(self._hass, self._entry_id)

    def _copy(self, remote_device: RegistryDevice) -> DeviceInfo:
        """Return what the local device copies of the remote one (not its area)."""
        return DeviceInfo(
            identifiers={self.identifier(remote_device.id)},
            name=remote_device.display_name,
            manufacturer=remote_device.manufacturer,
            model=remote_device.model,
            model_id=remote_device.model_id,
            sw_version=remote_device.sw_version,
            hw_version=remote_device.hw_version,
        )

    def _async_update_device(
        self,
        devices: dr.DeviceRegistry,
        remote_device: RegistryDevice | None,
        snapshot: RegistrySnapshot | None,
    ) -> dr.DeviceEntry | None:
        if remote_device is None or snapshot is None:
            return async_entry_device(self._hass, self._entry_id)
        area = snapshot.area_name(remote_device.area_id)
        info = self._copy(remote_device)
        info["suggested_area"] = area
        device = devices.async_get_or_create(config_entry_id=self._entry_id, **info)
        async_link_to_bridge(self._hass, self._entry_id, device.id)
        copied = self._areas.get(remote_device.id)
        self._areas[remote_device.id] = area
        if area == copied:
            return device
        # The remote moved it: follow, unless the user placed it here since.
        areas = ar.async_get(self._hass)
        previous = areas.async_get_area_by_name(copied) if copied else None
        if device.area_id != (previous.id if previous else None):
            return device
        area_id = areas.async_get_or_create(area).id if area else None
        return devices.async_update_device(device.id, area_id=area_id) or device


@callback
def async_link_to_bridge(hass: HomeAssistant, entry_id: str, device_id: str) -> None:
    """Make the bridge's own device the via device of a remote device.

    Set on the registry entry rather than in ``DeviceInfo``: there
    ``via_device`` is deprecated in newer Home Assistant, and older ones do not
    know ``via_device_id``.
    """
    devices = dr.async_get(hass)
    bridge = async_entry_device(hass, entry_id)
    if bridge is None or bridge.id == device_id:
        return
    device = devices.async_get(device_id)
    if isinstance(device, dr.DeviceEntry) and device.via_device_id != bridge.id:
        devices.async_update_device(device_id, via_device_id=bridge.id)


@callback
def async_remove_empty_devices(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the entry's remote devices that no entity belongs to any more."""
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    own = (DOMAIN, entry_id)
    for device in dr.async_entries_for_config_entry(devices, entry_id):
        if own in device.identifiers:
            continue  # the bridge's own device, with its diagnostic entities
        if not er.async_entries_for_device(
            entities, device.id, include_disabled_entities=True
        ):
            devices.async_update_device(device.id, remove_config_entry_id=entry_id)
