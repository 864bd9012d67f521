"""Local water heaters standing for the remote's."""

from __future__ import annotations

from typing import Any

from homeassistant.components.water_heater import (
    WaterHeaterEntity,
    WaterHeaterEntityFeature,
)
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


_LIMITS = {"min_temp": "_attr_min_temp", "max_temp": "_attr_max_temp"}


class RemoteWaterHeater(MirroredEntity, WaterHeaterEntity):
    """A remote water heater; temperatures are in the remote's unit."""

    local_domain = Platform.WATER_HEATER
    _features = WaterHeaterEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_temperature_unit = self._link.temperature_unit
        self._attr_current_operation = state
        self._attr_operation_list = attributes.get("operation_list")
        self._attr_current_temperature = attributes.get("current_temperature")
        self._attr_target_temperature = attributes.get("temperature")
        self._attr_target_temperature_high = attributes.get("target_temp_high")
        self._attr_target_temperature_low = attributes.get("target_temp_low")
        away = attributes.get("away_mode")
        self._attr_is_away_mode_on = None if away is None else away == "on"
        for key, attr in _LIMITS.items():
            if (value := attributes.get(key)) is not None:
                setattr(self, attr, value)

    async_set_temperature = forward("set_temperature")
    async_set_operation_mode = forward("set_operation_mode", "operation_mode")
    async_turn_on = forward("turn_on")
    async_turn_off = forward("turn_off")

    async def async_turn_away_mode_on(self) -> None:
        """Turn the remote's away mode on."""
        await self._call("set_away_mode", away_mode=True)

    async def async_turn_away_mode_off(self) -> None:
        """Turn the remote's away mode off."""
        await self._call("set_away_mode", away_mode=False)


async_setup_entry = local_platform(RemoteWaterHeater)
