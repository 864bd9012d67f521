"""Local valves standing for the remote's valves."""

from __future__ import annotations

from typing import Any

from homeassistant.components.valve import ValveEntity, ValveEntityFeature
from homeassistant.components.valve.const import ValveState
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
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

    async_open_valve = forward("open_valve")
    async_close_valve = forward("close_valve")
    async_set_valve_position = forward("set_valve_position", "position")
    async_stop_valve = forward("stop_valve")


async_setup_entry = local_platform(RemoteValve)
