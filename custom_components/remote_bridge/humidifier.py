"""Local humidifiers standing for the remote's."""

from __future__ import annotations

from typing import Any

from homeassistant.components.humidifier import HumidifierEntity
from homeassistant.components.humidifier.const import HumidifierEntityFeature
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward, on_off
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteHumidifier(MirroredEntity, HumidifierEntity):
    """A remote humidifier."""

    local_domain = Platform.HUMIDIFIER
    _features = HumidifierEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_on = on_off(state) if state else None
        self._attr_target_humidity = attributes.get("humidity")
        self._attr_current_humidity = attributes.get("current_humidity")
        self._attr_mode = attributes.get("mode")
        self._attr_available_modes = attributes.get("available_modes")
        self._attr_action = attributes.get("action")
        if (low := attributes.get("min_humidity")) is not None:
            self._attr_min_humidity = low
        if (high := attributes.get("max_humidity")) is not None:
            self._attr_max_humidity = high

    async_turn_on = forward("turn_on")
    async_turn_off = forward("turn_off")
    async_set_humidity = forward("set_humidity", "humidity")
    async_set_mode = forward("set_mode", "mode")


async_setup_entry = local_platform(RemoteHumidifier)
