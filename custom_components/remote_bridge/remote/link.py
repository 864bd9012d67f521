"""RemoteLink: the one object a user of the core builds.

It owns the client (the WebSocket link), the mirror (the filtered states) and
the reader (reads with a REST fallback), wires them together, counts what
arrives, runs the mirror's TTL clock from the link's state, and tells its
listeners once per frame which entities changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import replace
import logging
import time
from typing import Any

import aiohttp
import orjson

from .client import RemoteClient
from .filters import EntityFilter
from .forwarding import EventForwarder, RemoteEventHandler
from .intake import MAX_MIRRORED_ENTITIES, Intake
from .listeners import add_listener
from .mirror import StateMirror
from .options import ClientCallbacks, ClientOptions
from .overload import OVERLOAD_REPAIR_AFTER, DomainActivity
from .protocol import State, normalize_url
from .reader import MirrorReader
from .stats import LinkStats
from .subscriptions import IngestCallbacks, log_once_factory
from .supervisor import ConnectionState

type ChangesListener = Callable[[Mapping[str, State | None]], None]


def _ignore(*_args: Any) -> None:
    """Do nothing: the default for a callback nobody listens to."""


class StateChanges(Mapping[str, State | None]):
    """The entities one frame (or snapshot, or fill) changed, with new states.

    A value is the entity's state in the ``/api/states`` shape, or None when it
    left the mirror. Each state is built when first read (a listener that wants
    one domain pays for that domain) and shared by every listener; so are the
    batch's JSON bytes (``json``): a hundred listeners cost one serialisation.
    Valid during the listener call: read later, a state may be newer.
    """

    __slots__ = ("_entity_ids", "_json", "_mirror", "_states")

    def __init__(self, mirror: StateMirror, entity_ids: dict[str, bool]) -> None:
        """Describe the keys of ``entity_ids``, reading states from ``mirror``."""
        self._mirror = mirror
        self._entity_ids = entity_ids
        self._states: dict[str, State | None] = {}
        self._json: bytes | None = None

    def __getitem__(self, entity_id: str) -> State | None:
        """Return the entity's new state (None: gone from the mirror)."""
        states = self._states
        if entity_id in states:
            return states[entity_id]
        if entity_id not in self._entity_ids:
            raise KeyError(entity_id)
        state = states[entity_id] = self._mirror.get(entity_id)
        return state

    def brief(self, entity_id: str) -> State | None:
        """Return the entity's ``state`` and ``attributes``; other keys may miss.

        What local entities read: for diffs of the state alone it builds
        nothing (no timestamps, no copy).
        """
        if entity_id in self._states:
            return self._states[entity_id]
        return self._mirror.brief(entity_id) if entity_id in self._entity_ids else None

    def __iter__(self) -> Iterator[str]:
        """Iterate over the changed entity ids, in the order they changed."""
        return iter(self._entity_ids)

    def __len__(self) -> int:
        """Return how many entities changed."""
        return len(self._entity_ids)

    def json(self) -> bytes:
        """Return ``{entity_id: state or null}`` as JSON, serialised once."""
        if self._json is None:
            self._json = orjson.dumps(
                {entity_id: self[entity_id] for entity_id in self}
            )
        return self._json


class RemoteLink:
    """A remote Home Assistant, mirrored: client, mirror and reader in one."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        access_token: str,
        *,
        entity_filter: EntityFilter | None = None,
        update_cache: bool = True,
        cache_ttl: float = 300.0,
        options: ClientOptions | None = None,
        on_link_state: Callable[[ConnectionState], None] = _ignore,
        on_entity_limit: Callable[[bool], None] = _ignore,
        on_overload: Callable[[list[tuple[str, int]] | None], None] = _ignore,
        max_entities: int = MAX_MIRRORED_ENTITIES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger | None = None,
    ) -> None:
        """Build and wire the parts; nothing connects until ``connect()``.

        ``sleep`` waits out the reconnect backoff; ``clock`` (monotonic
        seconds) ages the entries by the TTL and times the ping round trip.
        Tests inject both. ``on_entity_limit(over)`` runs when the
        remote has more than ``max_entities`` kept entities (True: only the
        first are mirrored) and when it fits again (False). ``on_overload``
        gets the busiest domains (with their recent changes) when the remote
        keeps dropping the link for falling behind, and None once it stops.
        """
        self.entity_filter = entity_filter or EntityFilter(enabled=False)
        self._logger = logger or logging.getLogger(__name__)
        self.mirror = mirror = StateMirror(
            self.entity_filter,
            update_cache=update_cache,
            cache_ttl=cache_ttl,
            clock=clock,
            intake=Intake(
                max_entities=max_entities,
                log_once=log_once_factory(self._logger, normalize_url(url)),
                on_limit=on_entity_limit,
            ),
        )
        self._on_link_state_changed = on_link_state
        self._on_overload = on_overload
        self.activity = DomainActivity()
        self._listeners: list[ChangesListener] = []
        self._resync: asyncio.Task[None] | None = None
        self.events_received = 0
        self.bytes_received = 0
        self.last_event_time: float | None = None
        self.snapshots = 0
        self.client = RemoteClient(
            session,
            url,
            access_token,
            entity_filter=self.entity_filter,
            options=options,
            callbacks=ClientCallbacks(
                link_state=self._on_link_state,
                ingest=IngestCallbacks(
                    state=mirror.set_state,
                    state_diffs=mirror.apply_diffs,
                    # An undecodable change drops the entry: the next read refetches.
                    state_invalid=mirror.invalidate,
                    changes=self._count,
                    services_changed=self._on_services_changed,
                ),
                frame_done=self._on_frame_done,
                snapshot=self._on_snapshot,
                services=self._on_services,
                flooded=self.activity.flooded,
                overload=self._overload,
            ),
            sleep=sleep,
            logger=logger,
        )
        self.client.heartbeat.clock = clock
        self.reader = MirrorReader(
            self.client.rest, mirror, self.entity_filter, on_filled=self._publish
        )

    # -- the link's life ------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the remote's normalised base URL."""
        return self.client.base_url

    @property
    def link_state(self) -> ConnectionState:
        """Return where the link stands."""
        return self.client.link_state

    @property
    def connected(self) -> bool:
        """Return True while the link is up and subscribed."""
        return self.client.connected

    def set_timing(
        self,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Replace the backoff ``sleep`` or the ``clock`` of a built link.

        The clock ages the mirror's entries (TTL) and times the ping round
        trip (``latency_ms``). For tests and benchmarks that get the link from
        Home Assistant's setup, where the constructor's arguments are out of
        reach.
        """
        if sleep is not None:
            self.client.supervisor.sleep = sleep
        if clock is not None:
            self.mirror.ttl.clock = clock
            self.client.heartbeat.clock = clock

    async def connect(self) -> None:
        """Open the link once (handshake, subscriptions, snapshot); may raise."""
        await self.client.connect()

    async def run(self) -> None:
        """Keep the link up (after ``connect()``) until ``stop()``."""
        await self.client.run()

    async def reconnect(self) -> None:
        """Drop the link and reconnect now, with a fresh attempt count."""
        await self.client.reconnect()

    async def resync(self) -> None:
        """Take a fresh snapshot; a call while one runs waits for that one."""
        if self._resync is None:
            self._resync = asyncio.create_task(
                self.client.resync(), name="remote_bridge resync"
            )
            self._resync.add_done_callback(self._resync_done)
        await asyncio.shield(self._resync)

    def _resync_done(self, task: asyncio.Task[None]) -> None:
        if self._resync is task:
            self._resync = None
        if not task.cancelled():
            task.exception()  # retrieved: every caller re-raises it

    async def stop(self) -> None:
        """Close everything; no task of the link outlives this call."""
        await self.client.stop()

    # -- listeners ------------------------------------------------------------

    def subscribe_events(
        self, event_type: str, handler: Callable[[dict[str, Any]], None]
    ) -> None:
        """Hand every remote event of ``event_type`` to ``handler``.

        Call before ``connect()``: each link subscribes from its start, so a
        reconnect keeps the subscription. The events are the remote's, as sent.
        """
        self.client.subscribe_events(event_type, handler)

    def add_listener(self, listener: ChangesListener) -> Callable[[], None]:
        """Call ``listener(changes)`` once per frame, snapshot or fill.

        ``changes`` maps each changed entity id to its new state (None: gone
        from the mirror); it is valid during the call. Returns the unsubscribe.
        """
        return add_listener(self._listeners, listener)

    @property
    def listeners(self) -> int:
        """Return how many listeners are attached."""
        return len(self._listeners)

    # -- ingest ---------------------------------------------------------------

    def _count(self, changes: int) -> None:
        self.events_received += changes
        self.last_event_time = time.time()

    def _on_frame_done(self, size: int) -> None:
        self.bytes_received += size
        self._publish()

    def _on_snapshot(self, states: list[State]) -> None:
        self.snapshots += 1
        # REST answers in flight were asked before this snapshot: older.
        self.reader.fills.mark_all()
        self.mirror.replace_all(states)
        self._publish()

    def _on_services(self, services: list[dict[str, Any]]) -> None:
        self.reader.set_services(services)

    def _on_services_changed(self) -> None:
        self.reader.set_services(None)

    def _publish(self) -> None:
        """Tell open REST fills and the listeners what the mirror took."""
        changes = self.mirror.take_changes()
        if not changes:
            return
        self.activity.note(changes)
        if fills := self.reader.fills:
            fills.mark(changes)
        if not self._listeners:
            return
        reported = {entity_id: True for entity_id, told in changes.items() if told}
        if not reported:
            return
        batch = StateChanges(self.mirror, reported)
        for listener in list(self._listeners):
            try:
                listener(batch)
            except Exception:
                # One broken listener must not drop the link for everyone.
                self._logger.exception("A listener of %s failed", self.url)

    def _overload(self, drops: int) -> None:
        if drops >= OVERLOAD_REPAIR_AFTER:
            self._on_overload(self.activity.busiest())
        elif drops == 0:
            self._on_overload(None)

    def _on_link_state(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED:
            self.mirror.ttl.stop()
        else:
            self.mirror.ttl.start()
        self._on_link_state_changed(state)

    # -- figures --------------------------------------------------------------

    def stats(self) -> LinkStats:
        """Return a snapshot of every figure of the link."""
        client, mirror = self.client, self.mirror
        supervisor = client.supervisor
        connected = client.connected
        config = client.remote_config
        return LinkStats(
            link_state=client.link_state,
            connected=connected,
            reconnect_attempts=supervisor.reconnect_attempts,
            gave_up=supervisor.gave_up,
            subscriptions=client.subscriptions,
            subscription_kind=client.subscription_kind.value,
            mirrored_entities=len(mirror),
            events_received=self.events_received,
            last_event_time=self.last_event_time,
            bytes_received=self.bytes_received,
            latency_ms=client.heartbeat.latency_ms if connected else None,
            connected_since=client.connected_since,
            last_error=client.last_error,
            remote_name=config.get("location_name"),
            remote_version=config.get("version") or client.remote_version,
            cache=replace(mirror.counters),
            listeners=len(self._listeners),
            snapshots=self.snapshots,
            events_forwarded=self.forwarder.forwarded if self.forwarder else 0,
            events_dropped=self.forwarder.dropped if self.forwarder else 0,
            overload_drops=supervisor.overload_drops,
            entity_limit_reached=mirror.intake.over_limit,
        )

    # -- forwarded events -----------------------------------------------------

    # Set by ``forward_events``; None: no event type is forwarded.
    forwarder: EventForwarder | None = None

    def forward_events(
        self,
        event_types: Iterable[str],
        handler: RemoteEventHandler,
        *,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> EventForwarder:
        """Hand the remote's events of ``event_types`` to ``handler``, checked.

        At most ``rate`` per second pass; the rest, and malformed events, are
        dropped and counted (``stats().events_dropped``). Call before
        ``connect()``, once.
        """
        self.forwarder = forwarder = EventForwarder(
            handler, rate=rate, url=self.url, logger=self._logger, clock=clock
        )
        for event_type in event_types:
            self.subscribe_events(event_type, forwarder.handler_for(event_type))
        return forwarder
