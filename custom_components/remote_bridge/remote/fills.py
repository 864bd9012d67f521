"""Bookkeeping of REST fills: which entities changed while a fetch was in flight.

A fetch from the remote's REST API takes a while; a change that arrives over
the live link meanwhile is newer than what the fetch returns, so it must win.
Each fill gets a token; the link marks every change on every open fill.
"""

from __future__ import annotations

from collections.abc import Iterable


class FillTracker:
    """Open REST fills and the entities that changed during each."""

    def __init__(self) -> None:
        """Start with no fill in flight."""
        self._dirty: dict[int, set[str]] = {}
        self._next_token = 0

    def __bool__(self) -> bool:
        """Return True while a fill is in flight."""
        return bool(self._dirty)

    def begin(self) -> int:
        """Start a fill; changes marked from now on win over its result."""
        token = self._next_token
        self._next_token += 1
        self._dirty[token] = set()
        return token

    def mark(self, entity_ids: Iterable[str]) -> None:
        """Note changes that arrived over the link (on every open fill)."""
        for dirty in self._dirty.values():
            dirty.update(entity_ids)

    def finish(self, token: int) -> set[str]:
        """End a fill; return the entities that changed while it ran."""
        return self._dirty.pop(token, set())

    def cancel(self, token: int) -> None:
        """Forget a fill that failed."""
        self._dirty.pop(token, None)

    def mark_all(self) -> None:
        """Mark every open fill stale: a snapshot replaced the mirror since."""
        for token in self._dirty:
            self._dirty[token] = StaleFill()


class StaleFill(set[str]):
    """The dirty set of a fill a snapshot overtook: every entity changed."""

    __slots__ = ()

    def __contains__(self, entity_id: object) -> bool:
        """Return True: whatever the fill fetched, the snapshot is newer."""
        return True
