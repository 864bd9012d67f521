"""Local fans standing for the remote's fans."""

from __future__ import annotations

from typing import Any

from homeassistant.components.fan import FanEntity, FanEntityFeature
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward, on_off
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteFan(MirroredEntity, FanEntity):
    """A remote fan."""

    local_domain = Platform.FAN
    state_free_attributes = True
    _features = FanEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_on = on_off(state) if state else None
        self._attr_percentage = attributes.get("percentage")
        if step := attributes.get("percentage_step"):
            self._attr_speed_count = max(1, round(100 / step))
        self._attr_preset_mode = attributes.get("preset_mode")
        self._attr_preset_modes = attributes.get("preset_modes")
        self._attr_oscillating = attributes.get("oscillating")
        self._attr_current_direction = attributes.get("direction")

    # The base class passes percentage and preset_mode by position.
    async_turn_on = forward("turn_on", "percentage", "preset_mode")
    async_turn_off = forward("turn_off")
    async_set_percentage = forward("set_percentage", "percentage")
    async_set_preset_mode = forward("set_preset_mode", "preset_mode")
    async_set_direction = forward("set_direction", "direction")
    async_oscillate = forward("oscillate", "oscillating")


async_setup_entry = local_platform(RemoteFan)
