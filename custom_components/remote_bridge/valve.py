"""Local valves standing for the remote's valves."""

from __future__ import annotations

from typing import Any

from homeassistant.components.valve import ValveEntity, ValveEntityFeature
from homeassistant.components.valve.const import ValveState
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteValve(MirroredEntity, ValveEntity):
    """A remote valve."""

    local_domain = Platform.VALVE
    state_free_attributes = True
    _features = ValveEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        position = attributes.get("current_position")
        self._attr_reports_position = position is not None
        self._attr_current_valve_position = position
        self._attr_is_closed = None if state is None else state == ValveState.CLOSED
        self._attr_is_opening = state == ValveState.OPENING
        self._attr_is_closing = state == ValveState.CLOSING

    async def async_open_valve(self) -> None:
        """Open the remote valve."""
        await self._call("open_valve")

    async def async_close_valve(self) -> None:
        """Close the remote valve."""
        await self._call("close_valve")

    async def async_set_valve_position(self, position: int) -> None:
        """Move the remote valve to a position."""
        await self._call("set_valve_position", position=position)

    async def async_stop_valve(self) -> None:
        """Stop the remote valve."""
        await self._call("stop_valve")


async_setup_entry = local_platform(RemoteValve)
