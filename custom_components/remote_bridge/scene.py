"""Local scenes standing for the remote's scenes.

A scene's state is when it was last activated here, as for every scene:
Home Assistant's scene base class keeps it, not the remote.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.scene import Scene
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .bridge import RemoteBridgeConfigEntry
from .mirrored import async_setup_local_entities
from .mirrored_entity import MirroredEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RemoteBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the remote's scenes as they appear."""
    await async_setup_local_entities(
        hass, entry, Platform.SCENE, async_add_entities, RemoteScene
    )


class RemoteScene(MirroredEntity, Scene):
    """A remote scene."""

    local_domain = Platform.SCENE

    async def async_activate(self, **kwargs: Any) -> None:
        """Activate the remote scene (with its transition, if any)."""
        await self._call("turn_on", **kwargs)
