"""Local fans standing for the remote's fans."""

from __future__ import annotations

from typing import Any

from homeassistant.components.fan import FanEntity, FanEntityFeature
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, on_off
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

    async def async_turn_on(
        self,
        percentage: int | None = None,
        preset_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Turn the remote fan on, at a speed or preset if given."""
        data = {"percentage": percentage, "preset_mode": preset_mode, **kwargs}
        await self._call("turn_on", **{k: v for k, v in data.items() if v is not None})

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the remote fan off."""
        await self._call("turn_off")

    async def async_set_percentage(self, percentage: int) -> None:
        """Set the remote fan's speed."""
        await self._call("set_percentage", percentage=percentage)

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Set the remote fan's preset."""
        await self._call("set_preset_mode", preset_mode=preset_mode)

    async def async_set_direction(self, direction: str) -> None:
        """Set the remote fan's direction."""
        await self._call("set_direction", direction=direction)

    async def async_oscillate(self, oscillating: bool) -> None:
        """Make the remote fan oscillate, or stop."""
        await self._call("oscillate", oscillating=oscillating)


async_setup_entry = local_platform(RemoteFan)
