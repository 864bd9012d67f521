"""How the platform modules set up the remote's entities as local entities.

A platform module of local entities only is ``local_platform(its class)``;
sensor and binary_sensor, which also hold the bridge's own figures, call
``async_setup_local_entities``. The first call of an entry starts its
``LocalEntities`` (``mirrored``), which the entry's unload stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util.hass_dict import HassKey

from .const import CONF_CREATE_ENTITIES
from .mirrored import LocalEntities, async_remove_local_entities
from .mirrored_entity import MirroredEntity

if TYPE_CHECKING:
    from .bridge import RemoteBridgeConfigEntry

_STARTED: HassKey[dict[str, asyncio.Task[LocalEntities]]] = HassKey(
    "remote_bridge_local_entities"
)


async def async_setup_local_entities(
    hass: HomeAssistant,
    entry: RemoteBridgeConfigEntry,
    add_entities: AddEntitiesCallback,
    factory: type[MirroredEntity],
) -> None:
    """Add the entry's local entities of ``factory``'s platform, now and later.

    With the option off, the sensor platform (always set up) removes every
    local entity the entry had, registry entries included.
    """
    platform = Platform(factory.local_domain)
    bridge = entry.runtime_data
    if not bridge.options[CONF_CREATE_ENTITIES]:
        if platform is Platform.SENSOR:
            async_remove_local_entities(hass, entry.entry_id)
        return
    started = hass.data.setdefault(_STARTED, {})
    if (task := started.get(entry.entry_id)) is None:
        task = started[entry.entry_id] = hass.async_create_task(
            _async_start(hass, entry), eager_start=True
        )
    local = await task
    local.async_add_platform(platform, add_entities, factory)


type PlatformSetup = Callable[
    [HomeAssistant, RemoteBridgeConfigEntry, AddEntitiesCallback], Awaitable[None]
]


def local_platform(factory: type[MirroredEntity]) -> PlatformSetup:
    """Return the ``async_setup_entry`` of a platform of local entities only."""

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: RemoteBridgeConfigEntry,
        async_add_entities: AddEntitiesCallback,
    ) -> None:
        """Add the remote's entities of this platform as they appear."""
        await async_setup_local_entities(hass, entry, async_add_entities, factory)

    return async_setup_entry


async def _async_start(
    hass: HomeAssistant, entry: RemoteBridgeConfigEntry
) -> LocalEntities:
    local = LocalEntities(hass, entry.runtime_data)

    def stop() -> None:
        local.async_stop()
        hass.data[_STARTED].pop(entry.entry_id, None)

    entry.async_on_unload(stop)
    await local.async_start()
    return local
