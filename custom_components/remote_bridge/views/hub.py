"""The open event streams: bounded per bridge, per user and per client.

One ``StreamHub`` per bridge with open streams listens to the link once,
serialises each change once and fans the bytes out to its streams, each
filtered by its ``?domain=``: a hundred dashboards cost one ``orjson.dumps``
per change, not a hundred. Forwarded remote events fan out the same way, to
every admin's stream, whatever its ``?domain=``. Every bound is in
``StreamLimits`` so tests can make them small.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
import socket
import struct
from typing import Any

from aiohttp import web
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util.hass_dict import HassKey
import orjson

from ..bridge import RemoteBridge
from ..const import DOMAIN
from ..remote import ConnectionState
from ..remote.protocol import State

type ChangeBatch = Mapping[str, State | None]

DATA_STREAMS: HassKey[StreamRegistry] = HassKey(f"{DOMAIN}_streams")

KEEPALIVE = b": keep-alive\n\n"
# SO_LINGER on, zero seconds: closing the socket resets the connection.
_RESET = struct.pack("ii", 1, 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamLimits:
    """The bounds on open streams; small in tests, these in production."""

    per_bridge: int = 32
    per_user: int = 8
    # Bytes waiting for one client before it counts as stalled and is dropped.
    max_queued_bytes: int = 8 * 1024 * 1024
    # Seconds one write may wait for a client to read.
    write_timeout: float = 30
    # Seconds between comments that keep proxies from closing an idle stream.
    keepalive_interval: float = 30


def sse(event: bytes, data: object) -> bytes:
    """Return one Server-Sent Event."""
    return b"event: " + event + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class Stream:
    """One client's stream: the bytes waiting for it, bounded in size.

    A client that stops reading is not buffered for without bound: past
    ``max_queued_bytes`` waiting, or a write waiting ``write_timeout``, its
    connection is aborted. Aborted, not closed: closing waits for the unread
    buffer to drain, which a stalled client never does.
    """

    def __init__(
        self,
        request: web.Request,
        user_id: str,
        domains: frozenset[str] | None,
        limits: StreamLimits,
        *,
        admin: bool = False,
    ) -> None:
        """Prepare a stream for ``request``; nothing is written yet."""
        self.user_id = user_id
        self.domains = domains
        # Only admins get the forwarded remote events, as only admins may
        # subscribe to arbitrary events on Home Assistant's own websocket.
        self.admin = admin
        self._request = request
        self._limits = limits
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._ready = asyncio.Event()
        self._closed = False
        self._writing = False

    def push(self, chunk: bytes) -> None:
        """Queue ``chunk``; a client this far behind is dropped."""
        if self._closed:
            return
        if self._pending_bytes + len(chunk) > self._limits.max_queued_bytes:
            self.abort()
            return
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        self._ready.set()

    @callback
    def close(self) -> None:
        """End the stream; a write still waiting for the client is cut off."""
        self._closed = True
        self._ready.set()
        if self._writing:
            self.abort()

    @callback
    def abort(self) -> None:
        """Drop the client now, whatever its connection still holds."""
        self._closed = True
        self._ready.set()
        if (transport := self._request.transport) is None:
            return
        if (sock := transport.get_extra_info("socket")) is not None:
            # A reset, not a FIN: the kernel drops what it still holds for
            # the client as well, and the client learns it was cut off.
            with suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
        transport.abort()

    async def run(self, response: web.StreamResponse, snapshot: bytes) -> None:
        """Write the snapshot, then events and keep-alives, until it ends."""
        try:
            await self._write(response, snapshot)
            while True:
                try:
                    async with asyncio.timeout(self._limits.keepalive_interval):
                        await self._ready.wait()
                except TimeoutError:
                    chunk = KEEPALIVE
                else:
                    if self._closed:
                        break
                    self._ready.clear()
                    chunk = b"".join(self._pending)
                    self._pending.clear()
                    self._pending_bytes = 0
                await self._write(response, chunk)
        except ConnectionError:
            pass  # the client left, or was dropped
        finally:
            self._closed = True
            self._pending.clear()

    async def _write(self, response: web.StreamResponse, chunk: bytes) -> None:
        self._writing = True
        try:
            async with asyncio.timeout(self._limits.write_timeout):
                await response.write(chunk)
        except TimeoutError:
            self.abort()
            raise ConnectionResetError from None
        finally:
            self._writing = False


class StreamHub:
    """The open streams of one bridge, fed by one subscription."""

    def __init__(self, hass: HomeAssistant, bridge: RemoteBridge) -> None:
        """Subscribe to the bridge's changes and link state."""
        self.streams: set[Stream] = set()
        self._bridge = bridge
        self._connected = bridge.link.connected
        self._unsubs = [
            bridge.link.add_listener(self._on_changes),
            async_dispatcher_connect(hass, bridge.signal, self._on_link),
            bridge.events.add_listener(self._on_remote_event),
        ]
        self._unsub_stop: Callable[[], None] | None = hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._on_hass_stop
        )

    def unsubscribe(self) -> None:
        """Stop listening; the last stream has gone."""
        for unsub in self._unsubs:
            unsub()
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None

    @callback
    def _on_changes(self, changes: ChangeBatch) -> None:
        # Serialise each change once; join once per distinct domain filter.
        events = [
            (
                entity_id.partition(".")[0],
                sse(b"state", {"entity_id": entity_id, "state": state}),
            )
            for entity_id, state in changes.items()
        ]
        joined: dict[frozenset[str] | None, bytes] = {}
        for stream in tuple(self.streams):
            wanted = stream.domains
            if (chunk := joined.get(wanted)) is None:
                chunk = joined[wanted] = b"".join(
                    event
                    for domain, event in events
                    if wanted is None or domain in wanted
                )
            if chunk:
                stream.push(chunk)

    @callback
    def _on_remote_event(self, event_data: dict[str, Any]) -> None:
        # Not narrowed by ``?domain=``: an event belongs to no domain.
        chunk = sse(b"remote_event", event_data)
        for stream in tuple(self.streams):
            if stream.admin:
                stream.push(chunk)

    @callback
    def _on_link(self) -> None:
        stats = self._bridge.stats
        if stats.link_state is ConnectionState.STOPPED:
            self.close_all()
        elif stats.connected is not self._connected:
            self._connected = stats.connected
            chunk = sse(
                b"connection", {"connected": stats.connected, "state": stats.link_state}
            )
            for stream in tuple(self.streams):
                stream.push(chunk)

    @callback
    def _on_hass_stop(self, _event: Event) -> None:
        self._unsub_stop = None  # a fired listen_once is already removed
        self.close_all()

    @callback
    def close_all(self) -> None:
        """End every stream of the bridge."""
        for stream in tuple(self.streams):
            stream.close()


class StreamRegistry:
    """Every open stream of this Home Assistant, counted per bridge and user."""

    def __init__(self, hass: HomeAssistant, limits: StreamLimits) -> None:
        """Start with no stream open."""
        self.hass = hass
        self.limits = limits
        self.hubs: dict[RemoteBridge, StreamHub] = {}
        self._per_user: Counter[str] = Counter()

    def full(self, bridge: RemoteBridge, user_id: str) -> bool:
        """Return True when ``user_id`` may open no more streams on ``bridge``."""
        hub = self.hubs.get(bridge)
        return (hub is not None and len(hub.streams) >= self.limits.per_bridge) or (
            self._per_user[user_id] >= self.limits.per_user
        )

    def add(self, bridge: RemoteBridge, stream: Stream) -> None:
        """Count ``stream`` and feed it the bridge's changes from now on."""
        if (hub := self.hubs.get(bridge)) is None:
            hub = self.hubs[bridge] = StreamHub(self.hass, bridge)
        hub.streams.add(stream)
        self._per_user[stream.user_id] += 1

    def remove(self, bridge: RemoteBridge, stream: Stream) -> None:
        """Forget ``stream``; the last one of a bridge unsubscribes its hub."""
        hub = self.hubs[bridge]
        hub.streams.discard(stream)
        self._per_user[stream.user_id] -= 1
        if not self._per_user[stream.user_id]:
            del self._per_user[stream.user_id]
        if not hub.streams:
            hub.unsubscribe()
            del self.hubs[bridge]
