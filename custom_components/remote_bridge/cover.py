"""Local covers standing for the remote's covers."""

from __future__ import annotations

from typing import Any

from homeassistant.components.cover import (
    ATTR_CURRENT_POSITION,
    ATTR_CURRENT_TILT_POSITION,
    CoverEntity,
    CoverEntityFeature,
    CoverState,
)
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteCover(MirroredEntity, CoverEntity):
    """A remote cover."""

    local_domain = Platform.COVER
    state_free_attributes = True
    _features = CoverEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_closed = None if state is None else state == CoverState.CLOSED
        self._attr_is_opening = state == CoverState.OPENING
        self._attr_is_closing = state == CoverState.CLOSING
        self._attr_current_cover_position = attributes.get(ATTR_CURRENT_POSITION)
        self._attr_current_cover_tilt_position = attributes.get(
            ATTR_CURRENT_TILT_POSITION
        )

    async_open_cover = forward("open_cover")
    async_close_cover = forward("close_cover")
    async_stop_cover = forward("stop_cover")
    async_set_cover_position = forward("set_cover_position")
    async_open_cover_tilt = forward("open_cover_tilt")
    async_close_cover_tilt = forward("close_cover_tilt")
    async_stop_cover_tilt = forward("stop_cover_tilt")
    async_set_cover_tilt_position = forward("set_cover_tilt_position")


async_setup_entry = local_platform(RemoteCover)
