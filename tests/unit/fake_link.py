"""A test double of the core: a `RemoteLink` whose figures the test sets.

The glue (bridge, coordinator, entities, actions, views) talks to the core
only through `RemoteLink`; this stands in for it so the glue's own logic can
be tested without a socket: the test says what the link reports
(``report``/``update``), and what its commands answer (``client``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

import aiohttp

from custom_components.remote_bridge.remote import (
    ConnectionState,
    EntityFilter,
    InvalidAuth,
    LinkStats,
)
from custom_components.remote_bridge.remote.stats import MirrorCounters

REMOTE_URL = "http://garage.invalid:8123"
# The remote's token: unlike any token of the local hass.
REMOTE_TOKEN = "remote-token-of-the-garage-0123456789"


def link_stats(**changes: Any) -> LinkStats:
    """Return the figures of a healthy link, with ``changes``."""
    stats = LinkStats(
        link_state=ConnectionState.CONNECTED,
        connected=True,
        reconnect_attempts=0,
        gave_up=False,
        subscriptions=3,
        subscription_kind="entities",
        mirrored_entities=12,
        events_received=40,
        last_event_time=1_764_158_400.0,  # 2025-11-26 12:00:00 UTC
        bytes_received=52_000,
        latency_ms=12.5,
        connected_since=1_764_158_000.0,
        last_error=None,
        remote_name="Garage",
        remote_version="2025.4.4",
        cache=MirrorCounters(),
    )
    return replace(stats, **changes)


class FakeClient:
    """The client side the glue reads: figures from the link, scripted commands."""

    def __init__(self, link: FakeLink) -> None:
        """Read figures from ``link``; commands answer ``command_result``."""
        self._link = link
        self.base_url = REMOTE_URL
        self.sent: list[dict[str, Any]] = []
        self.command_result: Any = {"context": {"id": "remote-context"}}
        self.command_error: Exception | None = None
        # Run on every link before it subscribes (the registry watcher's read).
        self.open_hooks: list[Callable[[], Awaitable[None]]] = []

    @property
    def actions_sent(self) -> list[dict[str, Any]]:
        """Return the ``call_service`` commands sent (not the registry reads)."""
        return [message for message in self.sent if message["type"] == "call_service"]

    def add_open_hook(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Accept a hook the real client runs on every link; the fake never does."""
        self.open_hooks.append(hook)

    @property
    def remote_config(self) -> dict[str, Any]:
        """Return the remote's ``get_config`` answer, as far as it shows."""
        stats = self._link.stats()
        return {"location_name": stats.remote_name, "version": stats.remote_version}

    @property
    def remote_version(self) -> str | None:
        """Return the remote's version."""
        return self._link.stats().remote_version

    async def send_command(
        self, message: dict[str, Any], *, answer_within: float | None = None
    ) -> Any:
        """Record ``message``; answer ``command_result`` or raise ``command_error``."""
        self.sent.append(message)
        if self.command_error is not None:
            raise self.command_error
        return self.command_result


class FakeLink:
    """Stands in for `RemoteLink`; built by the glue through ``bind``."""

    def __init__(self) -> None:
        """Start as a healthy link; nothing is bound yet."""
        self._stats = link_stats()
        self.client = FakeClient(self)
        self.url = REMOTE_URL
        self.access_token = ""
        # What the glue built the link with (RemoteLink's keyword arguments).
        self.built_with: dict[str, Any] = {}
        self.connect_error: Exception | None = None
        self.reconnect_error: Exception | None = None
        self.resync_error: Exception | None = None
        # connect, run, reconnect, resync, stop: in the order the glue called them.
        self.calls: list[str] = []
        self._on_link_state: Callable[[ConnectionState], None] = lambda _state: None
        self._stopped = asyncio.Event()
        self._listeners: list[Callable[[Mapping[str, Any]], None]] = []

    def bind(
        self,
        session: aiohttp.ClientSession,
        url: str,
        access_token: str,
        **kwargs: Any,
    ) -> FakeLink:
        """Be the link the glue builds (RemoteLink's signature); return self."""
        self.url = url
        self.access_token = access_token
        self.built_with = kwargs
        self._on_link_state = kwargs.get("on_link_state", self._on_link_state)
        self._stopped = asyncio.Event()
        return self

    # -- what the test drives --------------------------------------------------

    def update(self, **changes: Any) -> None:
        """Change figures silently, as events do: the glue sees them when it reads."""
        self._stats = replace(self._stats, **changes)

    def report(self, state: ConnectionState, **changes: Any) -> None:
        """Move the link to ``state`` and tell the glue, as the real link does."""
        self.update(
            link_state=state, connected=state is ConnectionState.CONNECTED, **changes
        )
        self._on_link_state(state)

    # -- what the glue reads ---------------------------------------------------

    def stats(self) -> LinkStats:
        """Return the figures the test set."""
        return self._stats

    @property
    def link_state(self) -> ConnectionState:
        """Return the reported state."""
        return self._stats.link_state

    @property
    def connected(self) -> bool:
        """Return True while the reported state is connected."""
        return self._stats.connected

    @property
    def last_event_time(self) -> float | None:
        """Return when the last change arrived, as reported."""
        return self._stats.last_event_time

    @property
    def listeners(self) -> int:
        """Return how many batch listeners are attached."""
        return len(self._listeners)

    async def connect(self) -> None:
        """Connect, or raise ``connect_error``, reporting states as the real link."""
        self.calls.append("connect")
        self.report(ConnectionState.CONNECTING)
        if isinstance(self.connect_error, InvalidAuth):
            self.report(ConnectionState.AUTH_FAILED)
        if self.connect_error is not None:
            raise self.connect_error
        self.report(ConnectionState.CONNECTED)

    async def run(self) -> None:
        """Keep running until ``stop()``, as the supervisor does."""
        self.calls.append("run")
        await self._stopped.wait()

    async def reconnect(self) -> None:
        """Reconnect, or raise ``reconnect_error``."""
        self.calls.append("reconnect")
        if self.reconnect_error is not None:
            raise self.reconnect_error

    async def resync(self) -> None:
        """Resync, or raise ``resync_error``."""
        self.calls.append("resync")
        if self.resync_error is not None:
            raise self.resync_error

    async def stop(self) -> None:
        """Stop: ``run()`` returns."""
        self.calls.append("stop")
        self._stopped.set()

    def add_listener(
        self, listener: Callable[[Mapping[str, Any]], None]
    ) -> Callable[[], None]:
        """Attach a batch listener; return its removal."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def subscribe_events(
        self, event_type: str, handler: Callable[[dict[str, Any]], None]
    ) -> None:
        """Accept an extra event subscription; the fake sends no events."""

    @property
    def entity_filter(self) -> EntityFilter:
        """Return the filter the glue built the link with."""
        entity_filter: EntityFilter = self.built_with["entity_filter"]
        return entity_filter

    def forward_events(
        self,
        event_types: Any,
        handler: Callable[[dict[str, Any]], None],
        **_options: Any,
    ) -> None:
        """Accept forwarded event types; the fake sends no events."""

    def set_timing(self, **_timing: Any) -> None:
        """Accept injected timing; the fake never waits."""
