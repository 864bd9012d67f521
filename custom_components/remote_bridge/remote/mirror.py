"""The filtered mirror of a remote's states, and the cache the views read.

Two modes. ``update_cache`` on: every change replaces its entry and the mirror
stays a full copy of the remote (filtered). Off: a change only drops its entry,
and the next read fetches that entity fresh (the caller does the fetching, see
``MirrorReader``). Either way, a change invalidates the cached all-states and
per-domain snapshots, which are rebuilt lazily together with their JSON bytes.

A ``subscribe_entities`` diff in its common shape is folded into an overlay
of its entry, formatted when the entry is next read (see ``overlay``); any
other diff is applied at once. While the link is down, entries age by the
``TtlClock``; nothing is dropped because the link went down: the snapshot
after reconnecting reconciles the mirror with the remote.

The mirror notes which entities changed; its owner takes that list after each
frame (``take_changes``) and tells listeners and REST fills, so noting a change
costs one dict store and never slows the folded path. The entity filter is
decided by the caller for full states and removals, and here for diffs and
snapshots (this loop walks them anyway): once per update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set as AbstractSet
from enum import Enum
import time
from typing import Any

import orjson

from .fills import StaleFill
from .filters import EntityFilter
from .intake import Intake
from .overlay import MAX_TIMESTAMP as _MAX_TIMESTAMP, Overlay as _Overlay, overlay_of
from .protocol import UNAPPLICABLE as _UNAPPLICABLE, State, apply_diff, is_full_state
from .stats import MirrorCounters
from .ttl import TtlClock
from .validate import STATE_HEADROOM, serialisable

# What a folded diff without attributes contributes (never mutated).
_NO_ATTRIBUTES: dict[str, Any] = {}


class Lookup(Enum):
    """What the mirror knows about one entity."""

    HIT = "hit"  # a valid entry: serve it
    ABSENT = "absent"  # authoritative: the remote has no such entity
    MISS = "miss"  # unknown or stale: fetch it from the remote


class StateMirror:
    """Filtered states of one remote, keyed by entity id."""

    def __init__(
        self,
        entity_filter: EntityFilter,
        *,
        update_cache: bool = True,
        cache_ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        intake: Intake | None = None,
    ) -> None:
        """Create an empty mirror; it is incomplete until the first snapshot.

        ``intake`` checks snapshots and fills and caps the entities.
        """
        self.entity_filter = entity_filter
        self._keep = entity_filter.decisions
        self.update_cache = update_cache
        # Runs while the link is down; the link starts and stops it.
        self.ttl = TtlClock(cache_ttl, clock)
        self.counters = MirrorCounters()
        # Full states, or (after diffs) overlays of one: see _Overlay.
        self._states: dict[str, State] = {}
        # True when some entry may be an overlay.
        self._has_overlays = False
        # True while the entries are all of the remote's (filtered) states.
        self._complete = False
        self._all_json: bytes | None = None
        self._domain_json: dict[str, bytes] = {}
        self._version = 0
        self._filled_at = 0.0
        # Entities fetched over REST while disconnected, and when.
        self._fetched_at: dict[str, float] = {}
        # Entities changed since the last take_changes(): True for a new state
        # or a removal, False for an invalidation (nothing to tell listeners).
        self._changes: dict[str, bool] = {}
        self.intake = intake or Intake()

    # -- ingest: called for every change the client receives ----------------

    def set_state(self, entity_id: str, state: State | None) -> None:
        """Take a full new state of a kept entity, or ``None`` for a removal."""
        if state is None:
            if self._states.pop(entity_id, None) is not None:
                self.counters.updates += 1
            self._changed(entity_id)
            return
        if not self.update_cache:
            self._invalidate(entity_id)
            return
        if not is_full_state(state):
            self.counters.fallbacks += 1
            self._invalidate(entity_id)
            return
        if entity_id not in self._states and not self.intake.room(self._states):
            return
        if self._entry(entity_id) == state:
            # A repeat (the initial dump after a reconnect): nothing changed, so
            # keep the cached snapshots, the ETags and the stream quiet.
            return
        self._states[entity_id] = state
        self.counters.updates += 1
        self._changed(entity_id)

    def apply_diffs(self, batch: list[dict[str, Any]]) -> int:
        """Apply ``subscribe_entities`` diffs (``{entity_id: diff}`` dicts) in order.

        Returns how many passed the filter; the common shape only updates an overlay.
        """
        if not self.update_cache or self._domain_json:
            return self._apply_diffs_at_once(batch)
        keep = self._keep
        states = self._states
        changes = self._changes
        kept = folded = 0
        for changed in batch:
            for entity_id, diff in changed.items():
                if not keep[entity_id]:
                    continue
                kept += 1
                entry = states.get(entity_id)
                # The shape Home Assistant sends for nearly every change, checked
                # in full so that a folded diff can always be formatted later.
                if (
                    entry is not None
                    and type(diff) is dict
                    and len(diff) == 1
                    and type(additions := diff.get("+")) is dict
                    and type(additions.get("s", "")) is str
                    and type(additions.get("c", "")) is str
                    and type(changed_at := additions.get("lc", 0.0)) is float
                    and 0 <= changed_at < _MAX_TIMESTAMP
                    and type(updated_at := additions.get("lu", 0.0)) is float
                    and 0 <= updated_at < _MAX_TIMESTAMP
                    and type(attributes := additions.get("a", _NO_ATTRIBUTES)) is dict
                    and (not attributes or serialisable(attributes, STATE_HEADROOM + 1))
                ):
                    if type(entry) is not _Overlay:
                        entry = states[entity_id] = overlay_of(entry)
                    elif "lc" in additions:
                        entry.pop("lu", None)
                    entry.update(additions)
                    if attributes:
                        if entry.attrs is None:
                            entry.attrs = dict(attributes)
                        else:
                            entry.attrs.update(attributes)
                    folded += 1
                    changes[entity_id] = True
                else:
                    self._apply_one(entity_id, diff)
        if folded:
            self._has_overlays = True
            self.counters.updates += folded
            self._version += 1
            self._all_json = None
        return kept

    def _apply_diffs_at_once(self, batch: list[dict[str, Any]]) -> int:
        keep = self._keep
        kept = 0
        if self.update_cache:
            for changed in batch:
                for entity_id, diff in changed.items():
                    if keep[entity_id]:
                        kept += 1
                        self._apply_one(entity_id, diff)
            return kept
        # Invalidate mode: a change only drops its entry (_invalidate, inlined).
        states = self._states
        changes = self._changes
        domain_json = self._domain_json
        for changed in batch:
            for entity_id in changed:
                if keep[entity_id]:
                    kept += 1
                    states.pop(entity_id, None)
                    changes[entity_id] = False
                    if domain_json:
                        domain_json.pop(entity_id.partition(".")[0], None)
        if kept:
            self._complete = False
            self.counters.invalidations += kept
            self._version += 1
            self._all_json = None
        return kept

    def _apply_one(self, entity_id: str, diff: Any) -> None:
        """Apply a diff to the full state now (an unusual diff, or domain caches)."""
        old = self._entry(entity_id)
        try:
            if old is None:
                raise KeyError(entity_id)
            new = apply_diff(old, diff)
            if not serialisable(new):
                raise ValueError("the views could not serve it")
        except _UNAPPLICABLE:
            # A diff against nothing, or one that does not fit: drop the entry
            # so the next read fetches it instead of serving a wrong state.
            self.counters.fallbacks += 1
            self._invalidate(entity_id)
            return
        self._states[entity_id] = new
        self.counters.updates += 1
        self._changed(entity_id)

    def _entry(self, entity_id: str) -> State | None:
        """Return the full state of one entry, applying its overlay first."""
        state = self._states.get(entity_id)
        if type(state) is _Overlay:
            state = self._states[entity_id] = state.materialize()
        return state

    def _materialize_all(self) -> None:
        """Apply every overlay (before a read of all entries)."""
        if not self._has_overlays:
            return
        states = self._states
        for entity_id, state in states.items():
            if type(state) is _Overlay:
                states[entity_id] = state.materialize()
        self._has_overlays = False

    def invalidate(self, entity_id: str) -> None:
        """Drop the entry of a kept entity whose change could not be decoded."""
        if self.update_cache:
            self.counters.fallbacks += 1
        self._invalidate(entity_id)

    def replace_all(self, states: Iterable[State]) -> None:
        """Reconcile with a full snapshot taken over the live link."""
        self._replace(states, dirty=frozenset())
        self._fetched_at.clear()

    def _replace(self, states: Iterable[State], dirty: AbstractSet[str]) -> None:
        self._materialize_all()
        fresh = self.intake.accepted(states, self.entity_filter)
        old = self._states
        for entity_id in dirty:  # changed after the snapshot was taken
            fresh.pop(entity_id, None)
            if entity_id in old:
                fresh[entity_id] = old[entity_id]
        changes = self._changes  # changed or removed: news for the listeners
        for entity_id, state in fresh.items():
            if old.get(entity_id) != state:
                changes[entity_id] = True
        changes.update(dict.fromkeys(old.keys() - fresh.keys(), True))
        self._states = fresh
        self._complete = not dirty
        self._filled_at = self.ttl.clock()
        self._version += 1
        self._all_json = None
        self._domain_json.clear()

    def _invalidate(self, entity_id: str) -> None:
        self._states.pop(entity_id, None)
        self._complete = False
        self.counters.invalidations += 1
        self._changed(entity_id, reported=False)

    def _changed(self, entity_id: str, *, reported: bool = True) -> None:
        self._version += 1
        self._all_json = None
        self._changes[entity_id] = reported
        if self._domain_json:
            self._domain_json.pop(entity_id.partition(".")[0], None)

    def take_changes(self) -> dict[str, bool]:
        """Return (and forget) what changed since the last call.

        ``{entity_id: reported}``: True for a new state or a removal (what a
        listener hears), False for an invalidation.
        """
        changes, self._changes = self._changes, {}
        return changes

    # -- reads --------------------------------------------------------------

    def lookup(self, entity_id: str) -> tuple[Lookup, State | None]:
        """Answer a read of one entity; counts a hit or a miss."""
        state = self._entry(entity_id)
        fresh = self.ttl.fresh_since(
            max(self._filled_at, self._fetched_at.get(entity_id, 0.0))
        )
        if state is not None and fresh:
            self.counters.hits += 1
            return Lookup.HIT, state
        if state is None and fresh and self._complete and self.update_cache:
            self.counters.hits += 1
            return Lookup.ABSENT, None
        self.counters.misses += 1
        return Lookup.MISS, None

    def get(self, entity_id: str) -> State | None:
        """Return the entry without counting or checking its age (for tests/UI)."""
        return self._entry(entity_id)

    def brief(self, entity_id: str) -> State | None:
        """Return ``get``'s ``state`` and ``attributes``; other keys may miss."""
        entry = self._states.get(entity_id)
        if type(entry) is _Overlay and entry.attrs is None:
            return entry.brief()
        return self._entry(entity_id)

    def __contains__(self, entity_id: object) -> bool:
        """Return True if the entity has an entry."""
        return entity_id in self._states

    def __len__(self) -> int:
        """Return the number of entries."""
        return len(self._states)

    @property
    def version(self) -> int:
        """Return a number that changes whenever the mirror changes."""
        return self._version

    def all_valid(self) -> bool:
        """Return True if the entries can answer an all-states read."""
        return self._complete and self.ttl.fresh_since(self._filled_at)

    def states(self, domains: Iterable[str] | None = None) -> list[State]:
        """Return the entries, optionally narrowed to some domains."""
        self._materialize_all()
        if domains is None:
            return list(self._states.values())
        wanted = frozenset(domains)
        return [
            state
            for entity_id, state in self._states.items()
            if entity_id.partition(".")[0] in wanted
        ]

    def states_json(
        self, domains: Iterable[str] | None = None, *, count: bool = True
    ) -> bytes | None:
        """Return the serialized states (cached), or None when a refill is needed.

        ``count=False`` counts no hit or miss (the second look after a refill).
        """
        if not self.all_valid():
            self.counters.misses += count
            return None
        self.counters.hits += count
        if domains is None:
            if self._all_json is None:
                self._materialize_all()
                self._all_json = orjson.dumps(list(self._states.values()))
            return self._all_json
        wanted = sorted(set(domains))
        if len(wanted) == 1:
            if (cached := self._domain_json.pop(domain := wanted[0], None)) is None:
                cached = orjson.dumps(self.states(wanted))
                while len(self._domain_json) >= 64:  # noqa: PLR2004
                    del self._domain_json[next(iter(self._domain_json))]
            self._domain_json[domain] = cached  # LRU, 64: any domain can be asked for
            return cached
        return orjson.dumps(self.states(wanted))

    # -- refills from the remote's REST API ----------------------------------
    # ``dirty``: entities that changed while the fetch was in flight (see
    # ``FillTracker``); what the link said about them wins over the fetch.

    def fill_all(self, states: Iterable[State], dirty: AbstractSet[str]) -> None:
        """Store the result of a REST ``/api/states`` fetch."""
        if isinstance(dirty, StaleFill):
            return  # a snapshot came while it was in flight: that is newer
        self._replace(states, dirty)
        if self.ttl.running:
            self._fetched_at.clear()

    def fill_one(
        self, entity_id: str, state: State | None, dirty: AbstractSet[str]
    ) -> None:
        """Store the result of a REST ``/api/states/<id>`` fetch (None: 404)."""
        if entity_id in dirty:
            return
        if state is None:
            if self._states.pop(entity_id, None) is not None:
                self._changed(entity_id)
            return
        if not self.intake.admit(entity_id, state, self._states):
            return
        if self._entry(entity_id) != state:
            self._states[entity_id] = state
            self._changed(entity_id)
        if self.ttl.running:
            self._fetched_at[entity_id] = self.ttl.clock()
