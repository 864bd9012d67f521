"""Local sirens standing for the remote's sirens."""

from __future__ import annotations

from typing import Any

from homeassistant.components.siren import SirenEntity
from homeassistant.components.siren.const import SirenEntityFeature
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward, on_off
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteSiren(MirroredEntity, SirenEntity):
    """A remote siren."""

    local_domain = Platform.SIREN
    state_free_attributes = True
    _features = SirenEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_on = on_off(state) if state else None
        self._attr_available_tones = attributes.get("available_tones")

    # Tone, duration and volume as given.
    async_turn_on = forward("turn_on")
    async_turn_off = forward("turn_off")


async_setup_entry = local_platform(RemoteSiren)
