"""Local vacuums standing for the remote's vacuums."""

from __future__ import annotations

from typing import Any

from homeassistant.components.vacuum import StateVacuumEntity, VacuumEntityFeature
from homeassistant.components.vacuum.const import VacuumActivity
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity
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

    async def async_start(self) -> None:
        """Start the remote vacuum."""
        await self._call("start")

    async def async_pause(self) -> None:
        """Pause the remote vacuum."""
        await self._call("pause")

    async def async_stop(self, **kwargs: Any) -> None:
        """Stop the remote vacuum."""
        await self._call("stop")

    async def async_return_to_base(self, **kwargs: Any) -> None:
        """Send the remote vacuum home."""
        await self._call("return_to_base")

    async def async_clean_spot(self, **kwargs: Any) -> None:
        """Clean a spot with the remote vacuum."""
        await self._call("clean_spot")

    async def async_locate(self, **kwargs: Any) -> None:
        """Make the remote vacuum say where it is."""
        await self._call("locate")

    async def async_set_fan_speed(self, fan_speed: str, **kwargs: Any) -> None:
        """Set the remote vacuum's fan speed."""
        await self._call("set_fan_speed", fan_speed=fan_speed)

    async def async_send_command(
        self,
        command: str,
        params: dict[str, Any] | list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Send a command to the remote vacuum."""
        data: dict[str, Any] = {"command": command}
        if params is not None:
            data["params"] = params
        await self._call("send_command", **data)


async_setup_entry = local_platform(RemoteVacuum)
