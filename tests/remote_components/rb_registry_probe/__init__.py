"""Registry probe loaded into the REMOTE Home Assistant of the end-to-end tests.

Entities set up from YAML have no config entry and so no device. This probe
imports itself as a config entry (``rb_registry_probe:`` in YAML) whose sensor
platform makes one device, "Meter" in the area "Garage", with two entities
named the modern way, and ten device-less sensors ``sensor.probe_share_0`` to
``_9`` for the label tests.
"""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_IMPORT, ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

DOMAIN = "rb_registry_probe"
CONFIG_SCHEMA = cv.empty_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Create the config entry once (it is kept in .storage afterwards)."""
    if DOMAIN in config and not hass.config_entries.async_entries(DOMAIN):
        hass.async_create_task(
            hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_IMPORT}, data={}
            )
        )
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Set up the probe's sensors."""
    await hass.config_entries.async_forward_entry_setups(entry, [Platform.SENSOR])
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Unload the probe's sensors."""
    return await hass.config_entries.async_unload_platforms(entry, [Platform.SENSOR])


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ConfigEntry, device: DeviceEntry
) -> bool:
    """Let the owner delete the Meter in the UI (the end-to-end test does)."""
    return True
