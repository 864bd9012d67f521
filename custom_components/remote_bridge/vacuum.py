"""Local vacuums standing for the remote's vacuums."""

from __future__ import annotations

from typing import Any

from homeassistant.components.vacuum import StateVacuumEntity, VacuumEntityFeature
from homeassistant.components.vacuum.const import VacuumActivity
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteVacuum(MirroredEntity, StateVacuumEntity):
    """A remote vacuum."""

    local_domain = Platform.VACUUM
    _features = VacuumEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_activity = (
            VacuumActivity(state) if state and state in VacuumActivity else None
        )
        self._attr_battery_level = attributes.get("battery_level")
        self._attr_fan_speed = attributes.get("fan_speed")
        self._attr_fan_speed_list = attributes.get("fan_speed_list") or []

    async_start = forward("start")
    async_pause = forward("pause")
    async_stop = forward("stop")
    async_return_to_base = forward("return_to_base")
    async_clean_spot = forward("clean_spot")
    async_locate = forward("locate")
    async_set_fan_speed = forward("set_fan_speed", "fan_speed")
    async_send_command = forward("send_command", "command", "params")


async_setup_entry = local_platform(RemoteVacuum)
