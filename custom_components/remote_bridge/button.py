"""Local buttons standing for the remote's buttons and input_buttons.

A button's state is when it was last pressed here, as for every button:
Home Assistant's button base class keeps it, not the remote.
"""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteButton(MirroredEntity, ButtonEntity):
    """A remote button (or input_button: same action, its own domain)."""

    local_domain = Platform.BUTTON

    async_press = forward("press")


async_setup_entry = local_platform(RemoteButton)
