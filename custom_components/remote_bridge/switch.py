"""Local switches standing for the remote's switches and input_booleans."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward, on_off
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteSwitch(MirroredEntity, SwitchEntity):
    """A remote switch (or input_boolean: same actions, its own domain)."""

    local_domain = Platform.SWITCH
    state_free_attributes = True

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_on = on_off(state) if state else None

    async_turn_on = forward("turn_on")
    async_turn_off = forward("turn_off")


async_setup_entry = local_platform(RemoteSwitch)
