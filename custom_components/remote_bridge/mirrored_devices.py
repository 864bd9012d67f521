"""The remote's devices, for the local entities that stand for their entities.

A local entity whose remote entity belongs to a device belongs to a local
device standing for it: identifier ``(remote_bridge, "{entry id}-{remote
device id}")``, the remote's name, maker and model, its area as the suggested
area, and the bridge's own device as its via device. The remote's registries
are read over the websocket (an admin token); without them, entities have no
device. A local device left without entities is removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo

from .const import ACTION_TIMEOUT, DOMAIN
from .devices import async_entry_device
from .remote import CannotConnect, CommandFailed

if TYPE_CHECKING:
    from .remote import RemoteClient

_READ_ERRORS = (CannotConnect, CommandFailed, KeyError, TypeError, AttributeError)


class RemoteDevices:
    """What the local entities need of the remote's device registry."""

    def __init__(self, entry_id: str) -> None:
        """Know nothing yet: no entity has a device until ``async_read``."""
        self._entry_id = entry_id
        self._device_of: dict[str, str] = {}
        self._devices: dict[str, DeviceInfo] = {}

    async def async_read(
        self, client: RemoteClient, registry_entries: list[dict[str, Any]]
    ) -> None:
        """Read the remote's devices and areas; keep what was known on failure."""
        try:
            devices = await client.send_command(
                {"type": "config/device_registry/list"}, answer_within=ACTION_TIMEOUT
            )
            areas = await client.send_command(
                {"type": "config/area_registry/list"}, answer_within=ACTION_TIMEOUT
            )
            area_names = {area["area_id"]: area["name"] for area in areas}
            self._devices = {
                device["id"]: self._device_info(device, area_names)
                for device in devices
            }
        except _READ_ERRORS:
            return
        self._device_of = {
            entry["ei"]: entry["di"] for entry in registry_entries if entry.get("di")
        }

    def _device_info(
        self, device: dict[str, Any], area_names: dict[str, str]
    ) -> DeviceInfo:
        info = DeviceInfo(
            identifiers={(DOMAIN, f"{self._entry_id}-{device['id']}")},
            name=device.get("name_by_user") or device.get("name"),
            manufacturer=device.get("manufacturer"),
            model=device.get("model"),
            sw_version=device.get("sw_version"),
            hw_version=device.get("hw_version"),
        )
        if area := area_names.get(device.get("area_id") or ""):
            info["suggested_area"] = area
        return info

    def device_info(self, remote_entity_id: str) -> DeviceInfo | None:
        """Return the device of a local entity, or None."""
        device_id = self._device_of.get(remote_entity_id)
        return self._devices.get(device_id) if device_id else None


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
