"""The remote's entities as local entities (the ``create_entities`` option).

The platform modules set up their entities with ``mirrored_platform``.

One ``LocalEntities`` per entry follows the mirror's changes in batches: it
writes each changed entity once per batch (nothing when what it shows is
unchanged), adds the new ones with one call per platform and batch, and
removes an entity (registry entry included) only when the remote confirmed
it is gone: a live removal, or its absence from the snapshot taken after a
(re)connect. While the link is down the entities keep their last state for
``cache_ttl`` seconds, then become unavailable.

No loops: a state that carries the ``remote_bridge_source`` marker, or whose
registry platform on the remote is ``remote_bridge``, never becomes a local
entity. The registry needs an admin token; without it the marker does the job.

The remote's registries (``bridge.registry``, read on every link and after
each change there) give each entity its device (``mirrored_devices``) and its
name: an entity with a device that names itself the modern way
(``has_entity_name``) is named the same way here, so it reads as it does there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Final

from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .const import ATTR_BRIDGED_FROM, CONF_CACHE_TTL, CONF_ENTITY_PREFIX, DOMAIN
from .mirrored_devices import RemoteDevices, async_remove_empty_devices
from .mirrored_entity import MirroredEntity
from .remote.link import StateChanges
from .remote.protocol import State
from .remote.registry import RegistryEntity, RegistrySnapshot

if TYPE_CHECKING:
    from .bridge import RemoteBridge

type Changes = Mapping[str, State | None]

# The remote's domain -> the local platform of the entity that stands for it.
SUPPORTED_DOMAINS: Final[dict[str, Platform]] = {
    "binary_sensor": Platform.BINARY_SENSOR,
    "button": Platform.BUTTON,
    "climate": Platform.CLIMATE,
    "cover": Platform.COVER,
    "event": Platform.EVENT,
    "fan": Platform.FAN,
    "humidifier": Platform.HUMIDIFIER,
    "input_boolean": Platform.SWITCH,
    "input_button": Platform.BUTTON,
    "input_number": Platform.NUMBER,
    "input_select": Platform.SELECT,
    "input_text": Platform.TEXT,
    "light": Platform.LIGHT,
    "lock": Platform.LOCK,
    "media_player": Platform.MEDIA_PLAYER,
    "number": Platform.NUMBER,
    "scene": Platform.SCENE,
    "select": Platform.SELECT,
    "sensor": Platform.SENSOR,
    "siren": Platform.SIREN,
    "switch": Platform.SWITCH,
    "text": Platform.TEXT,
    "update": Platform.UPDATE,
    "vacuum": Platform.VACUUM,
    "valve": Platform.VALVE,
    "water_heater": Platform.WATER_HEATER,
}
REMOTE_BRIDGE_PLATFORM: Final = DOMAIN
# Platforms only set up with create_entities on (sensor and binary_sensor
# always are: they hold the bridge's diagnostic entities).
LOCAL_PLATFORMS: Final = sorted(
    set(SUPPORTED_DOMAINS.values()) - {Platform.SENSOR, Platform.BINARY_SENSOR}
)


def subscribe(
    bridge: RemoteBridge, on_batch: Callable[[Changes], None]
) -> CALLBACK_TYPE:
    """Call ``on_batch`` once per received frame with the changed states."""
    return bridge.link.add_listener(on_batch)


def unique_id_prefix(entry_id: str) -> str:
    """Return the start of every local entity's unique id of an entry."""
    return f"{entry_id}-"


@callback
def async_remove_local_entities(
    hass: HomeAssistant, entry_id: str, keep: Iterable[str] = ()
) -> None:
    """Remove the entry's local entities (registry entries too), but ``keep``."""
    registry = er.async_get(hass)
    prefix = unique_id_prefix(entry_id)
    kept = {f"{prefix}{remote_id}" for remote_id in keep}
    for reg_entry in er.async_entries_for_config_entry(registry, entry_id):
        if reg_entry.unique_id.startswith(prefix) and reg_entry.unique_id not in kept:
            registry.async_remove(reg_entry.entity_id)
    async_remove_empty_devices(hass, entry_id)


class LocalEntities:
    """The local entities of one bridge."""

    def __init__(self, hass: HomeAssistant, bridge: RemoteBridge) -> None:
        """Follow ``bridge``; nothing happens before ``async_start``."""
        self.hass = hass
        self.bridge = bridge
        self.entry_id = bridge.entry.entry_id
        self.prefix: str = bridge.options[CONF_ENTITY_PREFIX]
        self._cache_ttl: float = bridge.options[CONF_CACHE_TTL]
        # False once the link has been down for longer than cache_ttl.
        self.fresh = True
        self._connected = bridge.link.connected
        self._entities: dict[str, MirroredEntity] = {}
        self._platforms: dict[
            Platform, tuple[AddEntitiesCallback, type[MirroredEntity]]
        ] = {}
        self.devices = RemoteDevices(hass, self.entry_id)
        # New remote ids not in the registry as last read: checked on a re-read.
        self._unchecked: set[str] = set()
        self._checked: set[str] = set()
        self._rereading = False
        self._unsubs: list[CALLBACK_TYPE] = []
        self._expire: CALLBACK_TYPE | None = None

    @property
    def temperature_unit(self) -> str:
        """Return the remote's temperature unit (climate entities use it)."""
        units = self.bridge.link.client.remote_config.get("unit_system")
        if isinstance(units, dict) and isinstance(
            unit := units.get("temperature"), str
        ):
            return unit
        return self.hass.config.units.temperature_unit

    async def async_start(self) -> None:
        """Follow the mirror and the remote's registries (read on connecting)."""
        # The remote's devices hang off the bridge's: it must exist first.
        dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.entry_id, **self.bridge.coordinator.device_info
        )
        if self.bridge.link.connected:
            # The mirror holds the snapshot just taken: what is not wanted
            # there is gone from the remote (or filtered out) for good.
            wanted = [
                state["entity_id"]
                for state in self.bridge.link.mirror.states()
                if self._wanted(state["entity_id"], state) is not None
            ]
            async_remove_local_entities(self.hass, self.entry_id, keep=wanted)
        self._unsubs.append(subscribe(self.bridge, self._on_batch))
        self._unsubs.append(self.bridge.registry.add_listener(self._on_registry))
        self._unsubs.append(
            async_dispatcher_connect(self.hass, self.bridge.signal, self._on_signal)
        )

    @callback
    def async_stop(self) -> None:
        """Stop following the bridge (on unload)."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._expire is not None:
            self._expire()
            self._expire = None

    @callback
    def async_add_platform(
        self,
        platform: Platform,
        add_entities: AddEntitiesCallback,
        factory: type[MirroredEntity],
    ) -> None:
        """Add the platform's entities now and whenever new ones appear."""
        self._platforms[platform] = (add_entities, factory)
        self._on_batch(
            {
                state["entity_id"]: state
                for state in self.bridge.link.mirror.states()
                if SUPPORTED_DOMAINS.get(state["entity_id"].partition(".")[0])
                is platform
            }
        )

    @property
    def snapshot(self) -> RegistrySnapshot | None:
        """Return the remote's registries as last read (None: unreadable)."""
        return self.bridge.registry.snapshot

    def registry_entry(self, remote_id: str) -> RegistryEntity | None:
        """Return the remote's registry entry of an entity, if known."""
        snapshot = self.snapshot
        return snapshot.entities.get(remote_id) if snapshot is not None else None

    def device_info(self, remote_id: str) -> DeviceInfo:
        """Return the device a new local entity belongs to."""
        snapshot = self.snapshot
        return self.devices.device_info(
            snapshot.device_of(remote_id) if snapshot is not None else None,
            snapshot,
            self.bridge.coordinator.device_info,
        )

    def _wanted(self, remote_id: str, state: State) -> Platform | None:
        """Return the local platform for a remote entity, or None."""
        platform = SUPPORTED_DOMAINS.get(remote_id.partition(".")[0])
        if (
            platform is None
            or ATTR_BRIDGED_FROM in state["attributes"]
            or (
                (entry := self.registry_entry(remote_id)) is not None
                and entry.platform == REMOTE_BRIDGE_PLATFORM
            )
        ):
            return None
        return platform

    @callback
    def _on_batch(self, changes: Changes) -> None:
        """Apply one batch of the mirror's changes."""
        added: dict[Platform, list[MirroredEntity]] = {}
        # Entities read the state and attributes only: a batch of the link
        # gives just those, without building the rest of each state.
        read = changes.brief if isinstance(changes, StateChanges) else changes.get
        for remote_id in changes:
            state = read(remote_id)
            entity = self._entities.get(remote_id)
            if state is None:
                if entity is not None:
                    self._remove(remote_id)
                continue
            if entity is not None:
                # Whether it is wanted depends on the attributes only.
                state_alone = entity.take(state)
                if state_alone is False and self._wanted(remote_id, state) is None:
                    self._remove(remote_id)
                elif state_alone is not None and entity.hass is not None:
                    entity.async_write_change(state_alone)
                continue
            platform = self._wanted(remote_id, state)
            if platform is None or platform not in self._platforms:
                continue
            if (
                (snapshot := self.snapshot) is not None
                and remote_id not in snapshot.entities
                and remote_id not in self._checked
            ):
                # New since the registry was read: it may be a bridge's own.
                self._unchecked.add(remote_id)
                continue
            factory = self._platforms[platform][1]
            entity = self._entities[remote_id] = factory(self, remote_id, state)
            added.setdefault(platform, []).append(entity)
        for platform, entities in added.items():
            self._platforms[platform][0](entities)
        if self._unchecked and not self._rereading:
            self._rereading = True
            self.bridge.entry.async_create_task(
                self.hass, self._async_check_new(), f"{DOMAIN} registry re-read"
            )

    async def _async_check_new(self) -> None:
        """Re-read the registries: the listener then takes the new entities."""
        try:
            await self.bridge.registry.async_refresh()
        finally:
            self._rereading = False

    @callback
    def _on_registry(self, _snapshot: RegistrySnapshot | None) -> None:
        """Follow a new read of the remote's registries: devices, names, new ids."""
        unchecked, self._unchecked = self._unchecked, set()
        self._checked |= unchecked
        mirror = self.bridge.link.mirror
        changes: dict[str, State | None] = {
            eid: state for eid in unchecked if (state := mirror.get(eid))
        }
        for remote_id, entity in list(self._entities.items()):
            if (state := mirror.get(remote_id)) is not None and (
                self._wanted(remote_id, state) is None
            ):
                self._remove(remote_id)  # now bridged on the remote
            elif entity.follow_registry() and entity.hass is not None:
                entity.async_write_ha_state()
        self._on_batch(changes)
        self.devices.async_sync(self.snapshot, self._entities)

    @callback
    def _remove(self, remote_id: str) -> None:
        """Remove a local entity and its registry entry."""
        entity = self._entities.pop(remote_id)
        registry = er.async_get(self.hass)
        if entity_id := registry.async_get_entity_id(
            entity.local_domain, DOMAIN, f"{unique_id_prefix(self.entry_id)}{remote_id}"
        ):
            registry.async_remove(entity_id)
            async_remove_empty_devices(self.hass, self.entry_id)
        elif entity.hass is not None:
            self.hass.async_create_task(entity.async_remove())

    @callback
    def _on_signal(self) -> None:
        """Start the cache's clock when the link drops; stop it when it returns."""
        connected = self.bridge.link.connected
        if connected is self._connected:
            return
        self._connected = connected
        if self._expire is not None:
            self._expire()
            self._expire = None
        if connected:
            self._set_fresh(True)
        else:
            self._expire = async_call_later(
                self.hass, self._cache_ttl, self._on_expired
            )

    @callback
    def _on_expired(self, _now: datetime) -> None:
        self._expire = None
        self._set_fresh(False)

    @callback
    def _set_fresh(self, fresh: bool) -> None:
        if fresh is self.fresh:
            return
        self.fresh = fresh
        for entity in self._entities.values():
            if entity.hass is not None:
                entity.async_write_ha_state()
