"""Local selects standing for the remote's selects and input_selects."""

from __future__ import annotations

from typing import Any

from homeassistant.components.select import ATTR_OPTIONS, SelectEntity
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteSelect(MirroredEntity, SelectEntity):
    """A remote select (or input_select: same action, its own domain)."""

    local_domain = Platform.SELECT
    state_free_attributes = True

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_current_option = state
        self._attr_options = list(attributes.get(ATTR_OPTIONS) or [])

    async_select_option = forward("select_option", "option")


async_setup_entry = local_platform(RemoteSelect)
