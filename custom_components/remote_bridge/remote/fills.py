"""Bookkeeping of REST fills: who waits for them, what voids them, what they cost.

A fetch from the remote's REST API takes a while; a change that arrives over
the live link meanwhile is newer than what the fetch returns, so it must win.
Each fill gets a token; the link marks every change on every open fill. A
"not found" answer is remembered briefly, until a change to that entity.

Readers that want the same thing share one fetch, run in its own task: an
HTTP client that hangs up cancels its own wait, never the others'. And the
fetches reads may cause are metered, so reads cannot flood the remote.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine, Hashable
from dataclasses import dataclass
from functools import partial
import time
from typing import Any


class FillTracker:
    """Open REST fills and the entities that changed during each.

    Also the entities the remote recently answered 404 for: a burst of reads
    of a made-up id then costs one fetch, and a change over the link (the
    entity appeared) ends the memory at once.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        absent_for: float = 5.0,
        max_absent: int = 1024,
    ) -> None:
        """Start with no fill in flight and nothing known absent."""
        self._dirty: dict[int, set[str]] = {}
        self._next_token = 0
        self._clock = clock
        self._absent_for = absent_for
        self._max_absent = max_absent
        # entity id -> when the 404 stops counting; oldest first.
        self._absent: dict[str, float] = {}

    def __bool__(self) -> bool:
        """Return True while a change must be marked (a fill or a 404 held)."""
        if self._dirty:
            return True
        self._expire()
        return bool(self._absent)

    @property
    def in_flight(self) -> bool:
        """Return True while a fill is in flight."""
        return bool(self._dirty)

    def begin(self) -> int:
        """Start a fill; changes marked from now on win over its result."""
        token = self._next_token
        self._next_token += 1
        self._dirty[token] = set()
        return token

    def mark(self, entity_ids: Collection[str]) -> None:
        """Note changes that arrived over the link (on every open fill)."""
        if absent := self._absent:
            for entity_id in entity_ids:
                absent.pop(entity_id, None)
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

    def changed(self, token: int, entity_id: str) -> bool:
        """Return True if ``entity_id`` changed since the fill ``token`` began."""
        return entity_id in self._dirty.get(token, ())

    def note_absent(self, entity_id: str) -> None:
        """Remember that the remote has no ``entity_id`` (a 404), for a while."""
        absent = self._absent
        absent.pop(entity_id, None)  # re-inserted last: the order is by expiry
        while len(absent) >= self._max_absent:
            del absent[next(iter(absent))]
        absent[entity_id] = self._clock() + self._absent_for

    def _expire(self) -> None:
        absent = self._absent
        now = self._clock()
        while absent and absent[first := next(iter(absent))] <= now:
            del absent[first]

    def known_absent(self, entity_id: str) -> bool:
        """Return True if the remote answered 404 for ``entity_id`` recently."""
        if (until := self._absent.get(entity_id)) is None:
            return False
        if self._clock() < until:
            return True
        del self._absent[entity_id]
        return False


@dataclass(slots=True)
class _Fetch[T]:
    task: asyncio.Task[T]
    waiters: int = 0


class SharedFetches[K: Hashable, T]:
    """One fetch per key at a time, in its own task, awaited by every reader.

    A reader that is cancelled (its HTTP client hung up) stops waiting; the
    fetch goes on for the others. Only when nobody waits any more is the
    fetch cancelled, so no task outlives everyone who wanted it.
    """

    def __init__(self, name: str) -> None:
        """Name the tasks after ``name`` (for debugging)."""
        self._name = name
        self._fetches: dict[K, _Fetch[T]] = {}

    def __contains__(self, key: object) -> bool:
        """Return True while a fetch of ``key`` is in flight."""
        return key in self._fetches

    def __len__(self) -> int:
        """Return how many fetches are in flight."""
        return len(self._fetches)

    def waiters(self, key: K) -> int:
        """Return how many readers wait for the fetch of ``key``."""
        fetch = self._fetches.get(key)
        return 0 if fetch is None else fetch.waiters

    async def run(self, key: K, start: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Return the result of the fetch of ``key``, starting it if needed."""
        fetch = self._fetches.get(key)
        if fetch is None:
            task = asyncio.create_task(start(), name=f"remote_bridge {self._name}")
            fetch = self._fetches[key] = _Fetch(task)
            task.add_done_callback(partial(self._done, key, fetch))
        fetch.waiters += 1
        try:
            return await asyncio.shield(fetch.task)
        finally:
            fetch.waiters -= 1
            if not fetch.waiters and not fetch.task.done():
                fetch.task.cancel()  # the last reader left: nobody wants it
                self._forget(key, fetch)

    def detach(self, key: K) -> None:
        """Let the next reader of ``key`` start a new fetch (this one is stale).

        Who waits for the fetch in flight still gets its result.
        """
        self._fetches.pop(key, None)

    def _done(self, key: K, fetch: _Fetch[T], task: asyncio.Task[T]) -> None:
        self._forget(key, fetch)
        if not task.cancelled():
            task.exception()  # retrieved: every reader re-raises it

    def _forget(self, key: K, fetch: _Fetch[T]) -> None:
        if self._fetches.get(key) is fetch:
            del self._fetches[key]


class FetchBudget:
    """A token bucket: how many REST fetches reads may cause, and how fast.

    ``burst`` fetches at once, then ``rate`` per second. Reads past it are
    refused rather than queued: a client retrying later costs nothing now.
    """

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Start full."""
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> float:
        """Spend one fetch: return 0, or the seconds until one is allowed."""
        now = self._clock()
        # A clock that moved back (a test replaced it) refills nothing.
        elapsed = max(0.0, now - self._at)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


class StaleFill(set[str]):
    """The dirty set of a fill a snapshot overtook: every entity changed."""

    __slots__ = ()

    def __contains__(self, entity_id: object) -> bool:
        """Return True: whatever the fill fetched, the snapshot is newer."""
        return True
