"""Local locks standing for the remote's locks."""

from __future__ import annotations

from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityFeature
from homeassistant.components.lock.const import LockState
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteLock(MirroredEntity, LockEntity):
    """A remote lock; a code, if any, is checked by the remote."""

    local_domain = Platform.LOCK
    state_free_attributes = True
    _features = LockEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_locked = None if state is None else state == LockState.LOCKED
        self._attr_is_locking = state == LockState.LOCKING
        self._attr_is_unlocking = state == LockState.UNLOCKING
        self._attr_is_jammed = state == LockState.JAMMED
        self._attr_is_open = state == LockState.OPEN
        self._attr_is_opening = state == LockState.OPENING
        self._attr_code_format = attributes.get("code_format")

    async_lock = forward("lock")
    async_unlock = forward("unlock")
    async_open = forward("open")


async_setup_entry = local_platform(RemoteLock)
