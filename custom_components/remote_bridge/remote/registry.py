"""The remote's registries: entities, devices, areas and labels, as last read.

The remote answers ``config/entity_registry/list_for_display`` (compact keys),
``config/device_registry/list``, ``config/area_registry/list`` and
``config/label_registry/list``; each needs an admin's token. The remote is not
trusted: every list is parsed defensively (a malformed item is skipped, texts
are capped, lists are bounded) into frozen snapshots.

``RegistryWatcher`` reads all four on every link, after the handshake and
before the link subscribes (so the sharing filter is known when the
subscription is sent), and again, coalesced, after the remote's
``*_registry_updated`` events. A token that may not read them (``unauthorized``)
leaves the snapshot ``None``: everything else works without it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from .exceptions import CannotConnect, CommandFailed, RemoteBridgeError
from .sharing import SharedEntityFilter

if TYPE_CHECKING:
    from .link import RemoteLink

REGISTRY_EVENTS: Final = (
    "entity_registry_updated",
    "device_registry_updated",
    "area_registry_updated",
    "label_registry_updated",
)
# Bounds on what one snapshot takes from the remote; more is ignored.
MAX_ENTITIES: Final = 100_000
MAX_DEVICES: Final = 20_000
MAX_AREAS: Final = 2_000
MAX_LABELS: Final = 2_000
MAX_LABELS_PER_ITEM: Final = 100
MAX_TEXT: Final = 255
# Registry events come in bursts (an integration adding fifty entities).
DEBOUNCE: Final = 0.5
# After a read that failed for another reason than the token's rights.
RETRY_AFTER: Final = 30.0
READ_TIMEOUT: Final = 10.0


def _text(value: Any) -> str | None:
    """Return a non-empty string, capped, or None."""
    if not isinstance(value, str) or not value:
        return None
    return value[:MAX_TEXT]


def _texts(value: Any) -> frozenset[str]:
    """Return a bounded set of non-empty strings (anything else is dropped)."""
    if not isinstance(value, list):
        return frozenset()
    return frozenset(
        text for item in value[:MAX_LABELS_PER_ITEM] if (text := _text(item))
    )


def _items(value: Any, limit: int) -> list[dict[str, Any]]:
    """Return the first ``limit`` objects of a list (anything else is dropped)."""
    if not isinstance(value, list):
        return []
    return [item for item in value[:limit] if isinstance(item, dict)]


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryEntity:
    """One entity of the remote's entity registry (enabled ones only)."""

    entity_id: str
    platform: str | None = None
    device_id: str | None = None
    area_id: str | None = None
    labels: frozenset[str] = frozenset()
    hidden: bool = False
    has_entity_name: bool = False
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryDevice:
    """One device of the remote's device registry."""

    id: str
    name: str | None = None
    name_by_user: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    model_id: str | None = None
    sw_version: str | None = None
    hw_version: str | None = None
    area_id: str | None = None
    labels: frozenset[str] = frozenset()
    disabled: bool = False

    @property
    def display_name(self) -> str | None:
        """Return the name the remote shows: the user's, else the device's."""
        return self.name_by_user or self.name


def parse_entities(result: Any) -> dict[str, RegistryEntity]:
    """Parse ``list_for_display``'s answer into entities by entity id."""
    raw = result.get("entities") if isinstance(result, dict) else None
    entities: dict[str, RegistryEntity] = {}
    for item in _items(raw, MAX_ENTITIES):
        entity_id = _text(item.get("ei"))
        if entity_id is None or "." not in entity_id:
            continue
        entities[entity_id] = RegistryEntity(
            entity_id=entity_id,
            platform=_text(item.get("pl")),
            device_id=_text(item.get("di")),
            area_id=_text(item.get("ai")),
            labels=_texts(item.get("lb")),
            hidden=item.get("hb") is True,
            has_entity_name=item.get("hn") is True,
            name=_text(item.get("en")),
        )
    return entities


def parse_devices(result: Any) -> dict[str, RegistryDevice]:
    """Parse ``config/device_registry/list``'s answer into devices by id."""
    devices: dict[str, RegistryDevice] = {}
    for item in _items(result, MAX_DEVICES):
        if (device_id := _text(item.get("id"))) is None:
            continue
        devices[device_id] = RegistryDevice(
            id=device_id,
            name=_text(item.get("name")),
            name_by_user=_text(item.get("name_by_user")),
            manufacturer=_text(item.get("manufacturer")),
            model=_text(item.get("model")),
            model_id=_text(item.get("model_id")),
            sw_version=_text(item.get("sw_version")),
            hw_version=_text(item.get("hw_version")),
            area_id=_text(item.get("area_id")),
            labels=_texts(item.get("labels")),
            disabled=item.get("disabled_by") is not None,
        )
    return devices


def parse_names(result: Any, id_key: str, limit: int) -> dict[str, str]:
    """Parse an area or label list into ``{id: name}``."""
    names: dict[str, str] = {}
    for item in _items(result, limit):
        if (item_id := _text(item.get(id_key))) is not None:
            names[item_id] = _text(item.get("name")) or item_id
    return names


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrySnapshot:
    """The remote's four registries, as read at one moment."""

    entities: Mapping[str, RegistryEntity]
    devices: Mapping[str, RegistryDevice]
    areas: Mapping[str, str]
    labels: Mapping[str, str]

    def device_of(self, entity_id: str) -> RegistryDevice | None:
        """Return the entity's device, if it has one the remote still lists."""
        entity = self.entities.get(entity_id)
        if entity is None or entity.device_id is None:
            return None
        return self.devices.get(entity.device_id)

    def area_of(self, entity_id: str) -> str | None:
        """Return the entity's area id: its own, else its device's."""
        entity = self.entities.get(entity_id)
        if entity is None:
            return None
        if entity.area_id is not None:
            return entity.area_id
        device = self.device_of(entity_id)
        return device.area_id if device is not None else None

    def labels_of(self, entity_id: str) -> frozenset[str]:
        """Return the entity's labels and those of its device."""
        entity = self.entities.get(entity_id)
        if entity is None:
            return frozenset()
        device = self.device_of(entity_id)
        return entity.labels | device.labels if device is not None else entity.labels

    def area_name(self, area_id: str | None) -> str | None:
        """Return an area's name, or None."""
        return self.areas.get(area_id) if area_id is not None else None

    @property
    def integrations(self) -> frozenset[str]:
        """Return every integration (registry platform) that has entities."""
        return frozenset(e.platform for e in self.entities.values() if e.platform)


async def read_registry(
    send: Callable[[dict[str, Any]], Any],
) -> RegistrySnapshot:
    """Read the four registries with ``send`` (a command sender).

    Raises ``CommandFailed`` (``unauthorized`` for a non-admin token) or
    ``CannotConnect``.
    """
    entities = await send({"type": "config/entity_registry/list_for_display"})
    devices = await send({"type": "config/device_registry/list"})
    areas = await send({"type": "config/area_registry/list"})
    labels = await send({"type": "config/label_registry/list"})
    return RegistrySnapshot(
        entities=parse_entities(entities),
        devices=parse_devices(devices),
        areas=parse_names(areas, "area_id", MAX_AREAS),
        labels=parse_names(labels, "label_id", MAX_LABELS),
    )


class RegistryStatus(StrEnum):
    """Whether the remote's registries are known."""

    UNKNOWN = "unknown"  # not read yet
    READ = "read"
    UNAUTHORIZED = "unauthorized"  # the token is not an admin's on the remote
    FAILED = "failed"  # another error; retried


type SnapshotListener = Callable[[RegistrySnapshot | None], None]


class RegistryWatcher:
    """Keep a snapshot of a remote's registries, fresh on every link and change."""

    def __init__(
        self,
        link: RemoteLink,
        *,
        debounce: float = DEBOUNCE,
        logger: logging.Logger | None = None,
    ) -> None:
        """Watch ``link``'s remote; call ``start()`` before it connects."""
        self._link = link
        self._debounce = debounce
        self._logger = logger or logging.getLogger(__name__)
        self._listeners: list[SnapshotListener] = []
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._resubscribe: asyncio.Task[None] | None = None
        self._again = False
        self._told_unauthorized = False
        self.snapshot: RegistrySnapshot | None = None
        self.status = RegistryStatus.UNKNOWN
        self.last_error: str | None = None
        self.reads = 0
        self.last_read: float | None = None

    def start(self) -> None:
        """Read on every link before it subscribes, and after registry events."""
        self._link.client.add_open_hook(self._async_read_on_open)
        for event_type in REGISTRY_EVENTS:
            self._link.subscribe_events(event_type, self._on_event)

    def stop(self) -> None:
        """Cancel the pending re-read (on unload)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        for task in (self._task, self._resubscribe):
            if task is not None:
                task.cancel()
        self._task = self._resubscribe = None

    def add_listener(self, listener: SnapshotListener) -> Callable[[], None]:
        """Call ``listener(snapshot)`` after every read; return the unsubscribe."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    async def _async_read_on_open(self) -> None:
        """Read while the link opens; only a lost link stops the opening."""
        await self._async_read(opening=True)

    def _on_event(self, _event: dict[str, Any]) -> None:
        self.schedule(self._debounce)

    def schedule(self, delay: float) -> None:
        """Re-read after ``delay`` seconds (a burst of calls reads once)."""
        if self._task is not None:
            self._again = True  # a read runs: read once more after it
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._task = asyncio.create_task(
            self._async_refresh(), name="remote_bridge registry read"
        )

    async def _async_refresh(self) -> None:
        try:
            await self._async_read(opening=False)
        except CannotConnect:
            pass  # the next link reads anyway
        finally:
            self._task = None
        if self._again:
            self._again = False
            self.schedule(self._debounce)

    async def _async_read(self, *, opening: bool) -> None:
        client = self._link.client

        async def send(message: dict[str, Any]) -> Any:
            return await client.send_command(message, answer_within=READ_TIMEOUT)

        try:
            snapshot = await read_registry(send)
        except CommandFailed as err:
            if err.code == "unauthorized":
                self._unauthorized()
            else:
                self._failed(f"{err.code}: {err.message}"[:MAX_TEXT])
        except CannotConnect:
            if opening:
                raise
            return
        except RemoteBridgeError as err:
            self._failed(type(err).__name__)
        else:
            self.snapshot = snapshot
            self.status = RegistryStatus.READ
            self.last_error = None
            self.reads += 1
            self.last_read = time.time()
        self._tell(opening=opening)

    def _unauthorized(self) -> None:
        self.snapshot = None
        self.status = RegistryStatus.UNAUTHORIZED
        self.last_error = "unauthorized"
        if not self._told_unauthorized:
            self._told_unauthorized = True
            self._logger.info(
                "The token for %s may not read the remote's registries (it is "
                "not an administrator's there): remote devices, areas, labels "
                "and hidden flags are unknown, so every entity stays on the "
                "bridge's device and the label, area, integration and hidden "
                "filters cannot select anything",
                self._link.url,
            )

    def _failed(self, error: str) -> None:
        # Keep the last snapshot: a slow answer does not make devices vanish.
        if self.snapshot is None:
            self.status = RegistryStatus.FAILED
        self.last_error = error
        self._logger.debug(
            "Reading the registries of %s failed: %s", self._link.url, error
        )
        if self._retry is None:
            self._retry = asyncio.get_running_loop().call_later(
                RETRY_AFTER, self._retry_now
            )

    def _retry_now(self) -> None:
        self._retry = None
        self.schedule(0)

    def _tell(self, *, opening: bool) -> None:
        """Apply the snapshot to the sharing filter, then tell the listeners."""
        entity_filter = self._link.entity_filter
        if (
            isinstance(entity_filter, SharedEntityFilter)
            and entity_filter.share(self.snapshot)
            and not opening
        ):
            # The subscription carries the old list: subscribe again.
            self._logger.debug(
                "What %s shares changed: reconnecting to subscribe again",
                self._link.url,
            )
            if self._resubscribe is None or self._resubscribe.done():
                self._resubscribe = asyncio.get_running_loop().create_task(
                    self._link.reconnect(), name="remote_bridge resubscribe"
                )
        for listener in list(self._listeners):
            try:
                listener(self.snapshot)
            except Exception:
                self._logger.exception(
                    "A registry listener of %s failed", self._link.url
                )
