"""Reads of the mirror that fall back to the remote's REST API on a miss."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import orjson

from .fills import FillTracker
from .filters import EntityFilter
from .mirror import Lookup, StateMirror
from .protocol import State


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

    Concurrent misses for all states share one REST fetch, so a burst of
    dashboard reloads after an invalidation costs the remote one request. The
    services are cached here too (cleared when the remote's services change).
    """

    def __init__(
        self,
        rest: RestReads,
        mirror: StateMirror,
        entity_filter: EntityFilter,
        *,
        on_filled: Callable[[], None] = _nothing,
    ) -> None:
        """Read ``mirror``, refilling it through ``rest``.

        ``on_filled`` runs after a fetch changed the mirror (the link tells
        its listeners); ``fills`` must be told of every change in between.
        """
        self._rest = rest
        self._mirror = mirror
        self._filter = entity_filter
        self._on_filled = on_filled
        self.fills = FillTracker()
        self._all_fill: asyncio.Future[None] | None = None
        self._services: list[dict[str, Any]] | None = None

    @property
    def filling_all(self) -> bool:
        """Return True while an all-states fetch is in flight."""
        return self._all_fill is not None

    async def state(self, entity_id: str) -> State | None:
        """Return one state, or None when the remote has no such entity.

        Raises ``CannotConnect`` when the mirror has nothing valid and the
        remote cannot be reached.
        """
        mirror = self._mirror
        if not self._filter(entity_id):
            return None
        status, state = mirror.lookup(entity_id)
        if status is not Lookup.MISS:
            return state
        token = self.fills.begin()
        try:
            state = await self._rest.fetch_state(entity_id)
        except BaseException:
            self.fills.cancel(token)
            raise
        mirror.fill_one(entity_id, state, self.fills.finish(token))
        self._on_filled()
        return state

    async def states_json(self, domains: Iterable[str] | None = None) -> bytes:
        """Return the serialized states (optionally of some domains only)."""
        wanted = None if domains is None else list(domains)
        if (cached := self._mirror.states_json(wanted)) is not None:
            return cached
        await self._fill_all()
        if (cached := self._mirror.states_json(wanted, count=False)) is not None:
            return cached
        # Changes arrived during the fetch: answer from the entries we have
        # (the fresh ones plus what the fetch returned) without caching.
        return orjson.dumps(self._mirror.states(wanted))

    async def _fill_all(self) -> None:
        if self._all_fill is not None:
            await asyncio.shield(self._all_fill)
            return
        loop = asyncio.get_running_loop()
        future = self._all_fill = loop.create_future()
        token = self.fills.begin()
        try:
            states = await self._rest.fetch_states()
        except asyncio.CancelledError:
            self.fills.cancel(token)
            future.cancel()
            raise
        except Exception as err:
            self.fills.cancel(token)
            future.set_exception(err)
            # Mark it retrieved: concurrent readers may or may not exist.
            future.exception()
            raise
        else:
            self._mirror.fill_all(states, self.fills.finish(token))
            self._on_filled()
            future.set_result(None)
        finally:
            self._all_fill = None

    # -- services -------------------------------------------------------------

    @property
    def cached_services(self) -> list[dict[str, Any]] | None:
        """Return the cached services (``/api/services`` shape), or None."""
        return self._services

    def set_services(self, services: list[dict[str, Any]] | None) -> None:
        """Store the remote's services, or ``None`` when they changed."""
        self._services = services

    async def services(self) -> list[dict[str, Any]]:
        """Return the remote's services, fetching them after a change."""
        if (services := self._services) is not None:
            return services
        services = await self._rest.fetch_services()
        self._services = services
        return services
