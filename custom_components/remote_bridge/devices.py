"""Find an entry's devices in the device registry, the same way on every version.

Newer Home Assistant deprecates ``async_get_device(identifiers=…)`` (identifiers
are unique only per config entry now) and older ones lack its replacements;
looking among the entry's own devices works on both.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN


@callback
def async_entry_device(
    hass: HomeAssistant, entry_id: str, key: str | None = None
) -> dr.DeviceEntry | None:
    """Return the entry's device identified by ``key`` (default: the bridge's own)."""
    identifier = (DOMAIN, key or entry_id)
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id):
        if identifier in device.identifiers:
            return device
    return None
