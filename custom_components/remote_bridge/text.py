"""Local texts standing for the remote's texts and input_texts."""

from __future__ import annotations

from typing import Any

from homeassistant.components.text import TextEntity, TextMode
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteText(MirroredEntity, TextEntity):
    """A remote text (or input_text: same action, its own domain)."""

    local_domain = Platform.TEXT
    state_free_attributes = True

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_native_value = state
        self._attr_mode = TextMode(attributes.get("mode", TextMode.TEXT))
        if (low := attributes.get("min")) is not None:
            self._attr_native_min = low
        if (high := attributes.get("max")) is not None:
            self._attr_native_max = high
        self._attr_pattern = attributes.get("pattern")

    async_set_value = forward("set_value", "value")


async_setup_entry = local_platform(RemoteText)
