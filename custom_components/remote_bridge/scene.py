"""Local scenes standing for the remote's scenes.

A scene's state is when it was last activated here, as for every scene:
Home Assistant's scene base class keeps it, not the remote.
"""

from __future__ import annotations

from homeassistant.components.scene import Scene
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteScene(MirroredEntity, Scene):
    """A remote scene."""

    local_domain = Platform.SCENE

    # With its transition, if any.
    async_activate = forward("turn_on")


async_setup_entry = local_platform(RemoteScene)
