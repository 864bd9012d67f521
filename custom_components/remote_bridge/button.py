"""Local buttons standing for the remote's buttons and input_buttons.

A button's state is when it was last pressed here, as for every button:
Home Assistant's button base class keeps it, not the remote.
"""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
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
    """Add the remote's buttons as they appear."""
    await async_setup_local_entities(
        hass, entry, Platform.BUTTON, async_add_entities, RemoteButton
    )


class RemoteButton(MirroredEntity, ButtonEntity):
    """A remote button (or input_button: same action, its own domain)."""

    local_domain = Platform.BUTTON

    async def async_press(self) -> None:
        """Press the remote button."""
        await self._call("press")
