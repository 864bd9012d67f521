"""Local sirens standing for the remote's sirens."""

from __future__ import annotations

from typing import Any

from homeassistant.components.siren import SirenEntity
from homeassistant.components.siren.const import SirenEntityFeature
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .bridge import RemoteBridgeConfigEntry
from .mirrored import async_setup_local_entities
from .mirrored_entity import MirroredEntity, on_off

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RemoteBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the remote's sirens as they appear."""
    await async_setup_local_entities(
        hass, entry, Platform.SIREN, async_add_entities, RemoteSiren
    )


class RemoteSiren(MirroredEntity, SirenEntity):
    """A remote siren."""

    local_domain = Platform.SIREN
    _features = SirenEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_is_on = on_off(state) if state else None
        self._attr_available_tones = attributes.get("available_tones")

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Sound the remote siren (tone, duration, volume as given)."""
        await self._call("turn_on", **kwargs)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Silence the remote siren."""
        await self._call("turn_off")
