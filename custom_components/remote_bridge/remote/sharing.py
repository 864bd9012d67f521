"""Sharing by the remote's registries: labels, areas, integrations, hidden.

``SharingRules`` say which registry entries are shared: each of labels,
areas and integrations that is set must match (an entity matches a label of
its own or of its device, the area of its own or else of its device, and the
integration that registered it), and ``skip_hidden`` drops entities hidden on
the remote (disabled ones have no state there at all).

``SharedEntityFilter`` is the bridge's ``EntityFilter`` plus those rules,
resolved against the last registry snapshot into an explicit entity list. The
list is what ``subscribe_entities`` is sent (the remote drops everything else
before sending), and the client checks it too. A changed list takes a new
subscription: the watcher reconnects the link for that.

Without a snapshot (a token that may not read the registries) nothing can
match a label, area or integration, so with any of them set nothing is shared;
``skip_hidden`` alone then drops nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .filters import DEFAULT_EXCLUDE_DOMAINS, EntityFilter

if TYPE_CHECKING:
    from .registry import RegistrySnapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class SharingRules:
    """What the remote's registries must say of an entity for it to be shared."""

    labels: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    integrations: frozenset[str] = frozenset()
    skip_hidden: bool = True

    @property
    def selects(self) -> bool:
        """Return True when only some registry entries are shared."""
        return bool(self.labels or self.areas or self.integrations)

    def resolve(
        self, snapshot: RegistrySnapshot | None
    ) -> tuple[frozenset[str] | None, frozenset[str]]:
        """Return ``(only, hidden)``: the shared ids (None: no list) and the dropped."""
        if snapshot is None:
            return (frozenset() if self.selects else None), frozenset()
        hidden = (
            frozenset(e.entity_id for e in snapshot.entities.values() if e.hidden)
            if self.skip_hidden
            else frozenset()
        )
        if not self.selects:
            return None, hidden
        only = frozenset(
            entity_id
            for entity_id, entity in snapshot.entities.items()
            if entity_id not in hidden
            and (not self.integrations or entity.platform in self.integrations)
            and (not self.areas or snapshot.area_of(entity_id) in self.areas)
            and (
                not self.labels
                or not self.labels.isdisjoint(snapshot.labels_of(entity_id))
            )
        )
        return only, hidden


class SharedEntityFilter(EntityFilter):
    """The entity filter, narrowed by what the remote's registries share."""

    __slots__ = ("_hidden", "_only", "rules")

    def __init__(
        self,
        *,
        enabled: bool = True,
        prefixes: Iterable[str] = (),
        exclude_domains: Iterable[str] = DEFAULT_EXCLUDE_DOMAINS,
        exclude_entities: Iterable[str] = (),
        rules: SharingRules | None = None,
    ) -> None:
        """Build the filter; until ``share()`` the rules select nothing or all."""
        super().__init__(
            enabled=enabled,
            prefixes=prefixes,
            exclude_domains=exclude_domains,
            exclude_entities=exclude_entities,
        )
        self.rules = rules or SharingRules()
        self._only, self._hidden = self.rules.resolve(None)

    @property
    def shared(self) -> frozenset[str] | None:
        """Return the explicit list the rules resolved to (None: no list)."""
        return self._only

    @property
    def hidden(self) -> frozenset[str]:
        """Return the entities dropped because they are hidden on the remote."""
        return self._hidden

    def share(self, snapshot: RegistrySnapshot | None) -> bool:
        """Resolve the rules against ``snapshot``; return True if that changed them."""
        only, hidden = self.rules.resolve(snapshot)
        if only == self._only and hidden == self._hidden:
            return False
        self._only, self._hidden = only, hidden
        self.decisions.clear()
        return True

    def _decide(self, entity_id: str) -> bool:
        if not self.enabled:
            return True
        if entity_id in self._hidden:
            return False
        if self._only is not None and entity_id not in self._only:
            return False
        return super()._decide(entity_id)

    def _sent_list(self) -> list[str]:
        """Return the shared ids the rest of the filter keeps, sorted."""
        base = super()._decide
        return sorted(e for e in self._only or () if base(e))

    @property
    def matches_nothing(self) -> bool:
        """Return True when no entity id can pass."""
        if self.enabled and self._only is not None:
            return not self._sent_list()
        return super().matches_nothing

    @property
    def server_filter_exact(self) -> bool:
        """Return True when the remote sends exactly what this filter keeps."""
        if self.enabled and self._only is not None:
            return True
        return super().server_filter_exact

    def server_filter(self) -> dict[str, Any]:
        """Return the ``subscribe_entities`` filter: the explicit list, if any.

        Hidden entities join the exact exclusions, which win over every
        include but an exact id in Home Assistant's filter.
        """
        if not self.enabled:
            return {}
        if self._only is not None:
            return {"include": {"entities": self._sent_list()}}
        result = super().server_filter()
        if self._hidden:
            exclude = result.setdefault("exclude", {})
            exclude["entities"] = sorted({*exclude.get("entities", ()), *self._hidden})
        return result

    def __repr__(self) -> str:
        """Describe the filter for logs and diagnostics."""
        return (
            f"{super().__repr__()[:-1]}, rules={self.rules!r}, "
            f"shared={None if self._only is None else len(self._only)}, "
            f"hidden={len(self._hidden)})"
        )
