"""Local climate entities standing for the remote's."""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_FAN_MODE,
    ATTR_FAN_MODES,
    ATTR_HUMIDITY,
    ATTR_HVAC_ACTION,
    ATTR_HVAC_MODES,
    ATTR_MAX_HUMIDITY,
    ATTR_MAX_TEMP,
    ATTR_MIN_HUMIDITY,
    ATTR_MIN_TEMP,
    ATTR_PRESET_MODE,
    ATTR_PRESET_MODES,
    ATTR_SWING_HORIZONTAL_MODE,
    ATTR_SWING_HORIZONTAL_MODES,
    ATTR_SWING_MODE,
    ATTR_SWING_MODES,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    ATTR_TARGET_TEMP_STEP,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0
# Limits the base class has defaults for: set only when the remote has them.
_LIMITS = {
    ATTR_MIN_TEMP: "_attr_min_temp",
    ATTR_MAX_TEMP: "_attr_max_temp",
    ATTR_TARGET_TEMP_STEP: "_attr_target_temperature_step",
    ATTR_MIN_HUMIDITY: "_attr_min_humidity",
    ATTR_MAX_HUMIDITY: "_attr_max_humidity",
}


class RemoteClimate(MirroredEntity, ClimateEntity):
    """A remote thermostat; temperatures are in the remote's unit."""

    local_domain = Platform.CLIMATE
    state_free_attributes = True
    _features = ClimateEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_temperature_unit = self._link.temperature_unit
        self._attr_hvac_mode = HVACMode(state) if state and state in HVACMode else None
        self._attr_hvac_modes = [
            HVACMode(m) for m in attributes.get(ATTR_HVAC_MODES, [])
        ]
        self._attr_hvac_action = attributes.get(ATTR_HVAC_ACTION)
        self._attr_current_temperature = attributes.get(ATTR_CURRENT_TEMPERATURE)
        self._attr_target_temperature = attributes.get(ATTR_TEMPERATURE)
        self._attr_target_temperature_high = attributes.get(ATTR_TARGET_TEMP_HIGH)
        self._attr_target_temperature_low = attributes.get(ATTR_TARGET_TEMP_LOW)
        self._attr_current_humidity = attributes.get(ATTR_CURRENT_HUMIDITY)
        self._attr_target_humidity = attributes.get(ATTR_HUMIDITY)
        self._attr_fan_mode = attributes.get(ATTR_FAN_MODE)
        self._attr_fan_modes = attributes.get(ATTR_FAN_MODES)
        self._attr_preset_mode = attributes.get(ATTR_PRESET_MODE)
        self._attr_preset_modes = attributes.get(ATTR_PRESET_MODES)
        self._attr_swing_mode = attributes.get(ATTR_SWING_MODE)
        self._attr_swing_modes = attributes.get(ATTR_SWING_MODES)
        self._attr_swing_horizontal_mode = attributes.get(ATTR_SWING_HORIZONTAL_MODE)
        self._attr_swing_horizontal_modes = attributes.get(ATTR_SWING_HORIZONTAL_MODES)
        for key, attr in _LIMITS.items():
            if (value := attributes.get(key)) is not None:
                setattr(self, attr, value)

    async_set_temperature = forward("set_temperature")
    async_set_hvac_mode = forward("set_hvac_mode", "hvac_mode")
    async_set_fan_mode = forward("set_fan_mode", "fan_mode")
    async_set_preset_mode = forward("set_preset_mode", "preset_mode")
    async_set_swing_mode = forward("set_swing_mode", "swing_mode")
    async_set_swing_horizontal_mode = forward(
        "set_swing_horizontal_mode", "swing_horizontal_mode"
    )
    async_set_humidity = forward("set_humidity", "humidity")
    async_turn_on = forward("turn_on")
    async_turn_off = forward("turn_off")


async_setup_entry = local_platform(RemoteClimate)
