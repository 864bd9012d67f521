"""The remote's registries: entities, devices, areas and labels, as last read.

The remote answers ``config/entity_registry/list_for_display`` (compact keys),
``config/device_registry/list``, ``config/area_registry/list`` and
``config/label_registry/list`` (Home Assistant 2025.4 lets any user read
them; a remote may refuse with ``unauthorized``). The remote is not trusted:
every list is parsed defensively (a malformed item is skipped, texts are
capped, lists are bounded) into frozen snapshots. ``registry_watcher`` keeps
one fresh.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

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
