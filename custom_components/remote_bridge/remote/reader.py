"""Reads of the mirror that fall back to the remote's REST API on a miss.

Reads come from HTTP clients nobody controls, so what they may cost the
remote is bounded: readers of the same thing share one fetch, a 404 answers
reads of that id for a few seconds, and the fetches reads cause are metered
by a token bucket (past it a read raises ``ReadsThrottled``: the view answers
503 with ``Retry-After``, the remote is not asked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Protocol

import orjson

from .exceptions import ReadsThrottled
from .fills import FetchBudget, FillTracker, SharedFetches
from .filters import EntityFilter
from .mirror import Lookup, StateMirror
from .protocol import State

# REST fetches reads may cause: a burst at once, then a steady rate. A
# dashboard's refills fit well within it; a client looping over made-up ids
# does not.
READ_FETCH_RATE = 20.0  # per second
READ_FETCH_BURST = 20
# How long a 404 answers reads of that id (a change over the link ends it
# sooner), and for how many ids at most.
NOT_FOUND_SECONDS = 5.0
NOT_FOUND_MAX = 1024


class RestReads(Protocol):
    """What the reader fetches from the remote (``RestApi``)."""

    async def fetch_state(self, entity_id: str) -> State | None:
        """GET ``/api/states/<entity_id>``; None for a 404."""

    async def fetch_states(self) -> list[State]:
        """GET ``/api/states``."""

    async def fetch_services(self) -> list[dict[str, Any]]:
        """GET ``/api/services``."""


def _nothing() -> None:
    """Tell nobody (the default ``on_filled``)."""


class MirrorReader:
    """Answer reads from the mirror, fetching from the remote only on a miss.

    Concurrent misses of the same thing (all states, one entity, the
    services) share one REST fetch, run in its own task, so a burst of
    dashboard reloads after an invalidation costs the remote one request,
    and a client that hangs up cancels only its own wait. The services are
    cached here too (cleared when the remote's services change).
    """

    def __init__(
        self,
        rest: RestReads,
        mirror: StateMirror,
        entity_filter: EntityFilter,
        *,
        on_filled: Callable[[], None] = _nothing,
        clock: Callable[[], float] | None = None,
        fetch_rate: float = READ_FETCH_RATE,
        fetch_burst: int = READ_FETCH_BURST,
    ) -> None:
        """Read ``mirror``, refilling it through ``rest``.

        ``on_filled`` runs after a fetch changed the mirror (the link tells
        its listeners); ``fills`` must be told of every change in between.
        ``clock`` (default: the mirror's TTL clock, as it is at each call)
        times the fetch budget and the memory of 404s.
        """
        if clock is None:

            def clock() -> float:
                return mirror.ttl.clock()

        self._rest = rest
        self._mirror = mirror
        self._filter = entity_filter
        self._on_filled = on_filled
        self.fills = FillTracker(
            clock, absent_for=NOT_FOUND_SECONDS, max_absent=NOT_FOUND_MAX
        )
        self.budget = FetchBudget(fetch_rate, fetch_burst, clock)
        self._one: SharedFetches[str, State | None] = SharedFetches("state fetch")
        # The fill token of each one-entity fetch in flight, once it started.
        self._one_tokens: dict[str, int] = {}
        self._all: SharedFetches[None, None] = SharedFetches("states fetch")
        self._services: list[dict[str, Any]] | None = None
        self._services_version = 0
        self._services_fetch: SharedFetches[None, list[dict[str, Any]]] = SharedFetches(
            "services fetch"
        )

    @property
    def filling_all(self) -> bool:
        """Return True while an all-states fetch is in flight."""
        return None in self._all

    def fetch_waiters(self, entity_id: str | None) -> int:
        """Return how many reads share the REST fetch of ``entity_id`` now.

        None: the services' fetch. Lets a test hold one fetch open and see
        every concurrent read of the same thing wait for it, not start its own.
        """
        if entity_id is None:
            return self._services_fetch.waiters(None)
        return self._one.waiters(entity_id)

    def _spend(self) -> None:
        """Allow one more REST fetch, or raise ``ReadsThrottled``."""
        if wait := self.budget.take():
            raise ReadsThrottled(wait)

    # -- one entity -------------------------------------------------------------

    async def state(self, entity_id: str) -> State | None:
        """Return one state, or None when the remote has no such entity.

        Raises ``CannotConnect`` when the mirror has nothing valid and the
        remote cannot be reached, ``ReadsThrottled`` when reads already asked
        the remote too often.
        """
        if not self._filter(entity_id):
            return None
        status, state = self._mirror.lookup(entity_id)
        if status is not Lookup.MISS:
            return state
        if self.fills.known_absent(entity_id):
            return None
        if (token := self._one_tokens.get(entity_id)) is not None and (
            self.fills.changed(token, entity_id)
        ):
            # The entity changed after that fetch was sent: its answer may
            # be older than this read. Later readers share a new one.
            self._one.detach(entity_id)
        if entity_id not in self._one:
            self._spend()
        return await self._one.run(entity_id, partial(self._fetch_one, entity_id))

    async def _fetch_one(self, entity_id: str) -> State | None:
        token = self._one_tokens[entity_id] = self.fills.begin()
        try:
            state = await self._rest.fetch_state(entity_id)
        except BaseException:
            self.fills.cancel(token)
            raise
        finally:
            if self._one_tokens.get(entity_id) == token:
                del self._one_tokens[entity_id]
        dirty = self.fills.finish(token)
        self._mirror.fill_one(entity_id, state, dirty)
        self._on_filled()
        if state is None and entity_id not in dirty:
            # After on_filled: telling the fills of this fill's own change
            # would forget the 404 at once.
            self.fills.note_absent(entity_id)
        return state

    # -- all states -------------------------------------------------------------

    async def states_json(self, domains: Iterable[str] | None = None) -> bytes:
        """Return the serialized states (optionally of some domains only)."""
        wanted = None if domains is None else list(domains)
        if (cached := self._mirror.states_json(wanted)) is not None:
            return cached
        if None not in self._all:
            self._spend()
        await self._all.run(None, self._fill_all)
        if (cached := self._mirror.states_json(wanted, count=False)) is not None:
            return cached
        # Changes arrived during the fetch: answer from the entries we have
        # (the fresh ones plus what the fetch returned) without caching.
        return orjson.dumps(self._mirror.states(wanted))

    async def _fill_all(self) -> None:
        token = self.fills.begin()
        try:
            states = await self._rest.fetch_states()
        except BaseException:
            self.fills.cancel(token)
            raise
        self._mirror.fill_all(states, self.fills.finish(token))
        self._on_filled()

    # -- services ---------------------------------------------------------------

    @property
    def cached_services(self) -> list[dict[str, Any]] | None:
        """Return the cached services (``/api/services`` shape), or None."""
        return self._services

    def set_services(self, services: list[dict[str, Any]] | None) -> None:
        """Store the remote's services, or ``None`` when they changed."""
        self._services = services
        # A fetch in flight may have been answered before this: it must not
        # overwrite it, and later readers must not wait for it.
        self._services_version += 1
        self._services_fetch.detach(None)

    async def services(self) -> list[dict[str, Any]]:
        """Return the remote's services, fetching them after a change."""
        if (services := self._services) is not None:
            return services
        if None not in self._services_fetch:
            self._spend()
        return await self._services_fetch.run(None, self._fetch_services)

    async def _fetch_services(self) -> list[dict[str, Any]]:
        version = self._services_version
        services = await self._rest.fetch_services()
        if self._services_version == version:
            self._services = services
        return services
