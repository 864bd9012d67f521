"""Local update entities standing for the remote's (read-only).

They show whether the remote has updates; installing is done on the remote,
so they offer no install action here.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.update import UpdateEntity, UpdateEntityFeature
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteUpdate(MirroredEntity, UpdateEntity):
    """A remote update entity, read-only."""

    local_domain = Platform.UPDATE

    @property
    def entity_picture(self) -> str | None:
        """Return the remote's picture, not this integration's brand icon."""
        return self._attr_entity_picture

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        # Read-only: installing (and its options) is done on the remote.
        self._attr_supported_features = (
            UpdateEntityFeature(attributes.get("supported_features") or 0)
            & UpdateEntityFeature.PROGRESS
        )
        self._attr_installed_version = attributes.get("installed_version")
        self._attr_latest_version = attributes.get("latest_version")
        self._attr_title = attributes.get("title")
        self._attr_release_summary = attributes.get("release_summary")
        self._attr_release_url = attributes.get("release_url")
        self._attr_in_progress = bool(attributes.get("in_progress"))
        self._attr_auto_update = bool(attributes.get("auto_update"))


async_setup_entry = local_platform(RemoteUpdate)
