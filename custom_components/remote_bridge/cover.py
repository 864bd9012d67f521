"""Local covers standing for the remote's covers."""

from __future__ import annotations

from typing import Any

from homeassistant.components.cover import (
    ATTR_CURRENT_POSITION,
    ATTR_CURRENT_TILT_POSITION,
    ATTR_POSITION,
    ATTR_TILT_POSITION,
    CoverEntity,
    CoverEntityFeature,
    CoverState,
)
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity
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

    async def async_open_cover(self, **kwargs: Any) -> None:
        """Open the remote cover."""
        await self._call("open_cover")

    async def async_close_cover(self, **kwargs: Any) -> None:
        """Close the remote cover."""
        await self._call("close_cover")

    async def async_stop_cover(self, **kwargs: Any) -> None:
        """Stop the remote cover."""
        await self._call("stop_cover")

    async def async_set_cover_position(self, **kwargs: Any) -> None:
        """Move the remote cover to a position."""
        await self._call("set_cover_position", position=kwargs[ATTR_POSITION])

    async def async_open_cover_tilt(self, **kwargs: Any) -> None:
        """Open the remote cover's tilt."""
        await self._call("open_cover_tilt")

    async def async_close_cover_tilt(self, **kwargs: Any) -> None:
        """Close the remote cover's tilt."""
        await self._call("close_cover_tilt")

    async def async_stop_cover_tilt(self, **kwargs: Any) -> None:
        """Stop the remote cover's tilt."""
        await self._call("stop_cover_tilt")

    async def async_set_cover_tilt_position(self, **kwargs: Any) -> None:
        """Move the remote cover's tilt to a position."""
        await self._call(
            "set_cover_tilt_position", tilt_position=kwargs[ATTR_TILT_POSITION]
        )


async_setup_entry = local_platform(RemoteCover)
