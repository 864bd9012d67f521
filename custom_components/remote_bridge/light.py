"""Local lights standing for the remote's lights."""

from __future__ import annotations

from typing import Any

from homeassistant.components.light import (
    ATTR_BRIGHTNESS,
    ATTR_COLOR_MODE,
    ATTR_COLOR_TEMP_KELVIN,
    ATTR_EFFECT,
    ATTR_EFFECT_LIST,
    ATTR_HS_COLOR,
    ATTR_MAX_COLOR_TEMP_KELVIN,
    ATTR_MIN_COLOR_TEMP_KELVIN,
    ATTR_RGB_COLOR,
    ATTR_RGBW_COLOR,
    ATTR_RGBWW_COLOR,
    ATTR_SUPPORTED_COLOR_MODES,
    ATTR_XY_COLOR,
    LightEntity,
)
from homeassistant.components.light.const import ColorMode, LightEntityFeature
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward, on_off
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0
# The turn_on handler adds the mired twin of color_temp_kelvin; the remote
# accepts only one of the two.
_LOCAL_ONLY = ("color_temp",)


def _color(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else None


class RemoteLight(MirroredEntity, LightEntity):
    """A remote light: the local turn_on data is the remote's."""

    local_domain = Platform.LIGHT
    _features = LightEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_on = on_off(state) if state else None
        self._attr_brightness = attributes.get(ATTR_BRIGHTNESS)
        modes = attributes.get(ATTR_SUPPORTED_COLOR_MODES)
        self._attr_supported_color_modes = (
            set(modes)
            if modes
            else {ColorMode.BRIGHTNESS if self._attr_brightness else ColorMode.ONOFF}
        )
        self._attr_color_mode = attributes.get(ATTR_COLOR_MODE) or (
            next(iter(self._attr_supported_color_modes)) if self._attr_is_on else None
        )
        self._attr_hs_color = _color(attributes.get(ATTR_HS_COLOR))
        self._attr_rgb_color = _color(attributes.get(ATTR_RGB_COLOR))
        self._attr_rgbw_color = _color(attributes.get(ATTR_RGBW_COLOR))
        self._attr_rgbww_color = _color(attributes.get(ATTR_RGBWW_COLOR))
        self._attr_xy_color = _color(attributes.get(ATTR_XY_COLOR))
        self._attr_color_temp_kelvin = attributes.get(ATTR_COLOR_TEMP_KELVIN)
        if (low := attributes.get(ATTR_MIN_COLOR_TEMP_KELVIN)) is not None:
            self._attr_min_color_temp_kelvin = low
        if (high := attributes.get(ATTR_MAX_COLOR_TEMP_KELVIN)) is not None:
            self._attr_max_color_temp_kelvin = high
        self._attr_effect_list = attributes.get(ATTR_EFFECT_LIST)
        self._attr_effect = attributes.get(ATTR_EFFECT)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the remote light on with the processed data."""
        for key in _LOCAL_ONLY:
            kwargs.pop(key, None)
        await self._call("turn_on", **kwargs)

    # With its transition or flash.
    async_turn_off = forward("turn_off")


async_setup_entry = local_platform(RemoteLight)
