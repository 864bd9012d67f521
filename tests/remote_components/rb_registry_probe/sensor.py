"""The probe's sensors: two on a device, ten without one."""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import DOMAIN

METER = DeviceInfo(
    identifiers={(DOMAIN, "meter")},
    name="Meter",
    manufacturer="Acme",
    model="M1",
    model_id="m-1",
    sw_version="1.2",
    hw_version="rev B",
    suggested_area="Garage",
)


class ProbeSensor(SensorEntity):
    """A sensor whose value is set through the REST API when a test wants."""

    _attr_should_poll = False
    _attr_native_value = 1

    def __init__(self, key: str, *, on_meter: bool) -> None:
        """Describe the sensor ``key``."""
        self._attr_unique_id = key
        # Fixed ids: newer Home Assistant would put the area's name in them.
        self.entity_id = f"sensor.{'probe_' if not on_meter else ''}{key}"
        if on_meter:
            self._attr_has_entity_name = True
            self._attr_name = key.rpartition("_")[2].title()
            self._attr_device_info = METER
        else:
            self._attr_name = f"Probe {key}"


async def async_setup_entry(
    hass: HomeAssistant, entry: ConfigEntry, add_entities: AddEntitiesCallback
) -> None:
    """Add the meter's two sensors and ten loose ones."""
    add_entities(
        [
            ProbeSensor("meter_power", on_meter=True),
            ProbeSensor("meter_energy", on_meter=True),
            *(ProbeSensor(f"share_{n}", on_meter=False) for n in range(10)),
        ]
    )
