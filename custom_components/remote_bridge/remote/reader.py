"""Reads of the mirror that fall back to the remote's REST API on a miss."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson

from .mirror import Lookup, StateMirror
from .protocol import State

if TYPE_CHECKING:
    from .client import RemoteClient


class MirrorReader:
    """Answer reads from the mirror, fetching from the remote only on a miss.

    Concurrent misses for all states share one REST fetch, so a burst of
    dashboard reloads after an invalidation costs the remote one request.
    """

    def __init__(self, client: RemoteClient, mirror: StateMirror) -> None:
        """Read ``mirror``, refilling it through ``client``."""
        self._client = client
        self._mirror = mirror
        self._all_fill: asyncio.Future[None] | None = None

    async def state(self, entity_id: str) -> State | None:
        """Return one state, or None when the remote has no such entity.

        Raises ``CannotConnect`` when the mirror has nothing valid and the
        remote cannot be reached.
        """
        mirror = self._mirror
        if not mirror.entity_filter(entity_id):
            return None
        status, state = mirror.lookup(entity_id)
        if status is not Lookup.MISS:
            return state
        token = mirror.begin_fill()
        try:
            state = await self._client.fetch_state(entity_id)
        except BaseException:
            mirror.cancel_fill(token)
            raise
        mirror.fill_one(token, entity_id, state)
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
        token = self._mirror.begin_fill()
        try:
            states = await self._client.fetch_states()
        except asyncio.CancelledError:
            self._mirror.cancel_fill(token)
            future.cancel()
            raise
        except Exception as err:
            self._mirror.cancel_fill(token)
            future.set_exception(err)
            # Mark it retrieved: concurrent readers may or may not exist.
            future.exception()
            raise
        else:
            self._mirror.fill_all(token, states)
            future.set_result(None)
        finally:
            self._all_fill = None

    async def services(self) -> list[dict[str, Any]]:
        """Return the remote's services, fetching them after a change."""
        if (services := self._mirror.services) is not None:
            return services
        services = await self._client.fetch_services()
        self._mirror.set_services(services)
        return services
