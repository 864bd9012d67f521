"""HTTP views over the mirrors: read-only JSON, a live SSE stream, and metrics.

Small view classes in the style of Home Assistant's own ``api`` component. They
only read the bridge (``entry.runtime_data``) and shape the answer; a read that
misses the mirror goes to the remote through ``MirrorReader``, and a remote that
cannot answer becomes a 503 with a JSON message, never an unhandled error.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from hashlib import blake2b
from http import HTTPStatus
import secrets
from typing import Any
from weakref import WeakKeyDictionary

from aiohttp import web
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONTENT_TYPE_JSON, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import (
    Event,
    HomeAssistant,
    callback,
    valid_domain,
    valid_entity_id,
)
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
import orjson

from .bridge import RemoteBridge
from .const import CONF_ACCESS_TOKEN, CONF_URL, DOMAIN
from .remote import ConnectionState, RemoteBridgeError, StateMirror

BASE_URL = f"/api/{DOMAIN}"
ENTRY_URL = BASE_URL + "/{entry_id}"

# The stream's keep-alive comment keeps proxies from closing an idle stream.
KEEPALIVE_INTERVAL = 30
# Events one stream client may fall behind before it is disconnected; the same
# bound Home Assistant's websocket API puts on its own clients.
MAX_PENDING_EVENTS = 4096

CONTENT_TYPE_METRICS = "text/plain; version=0.0.4; charset=utf-8"

# Mirror versions restart at 0 on reload: tag each mirror so ETags never repeat.
_MIRROR_TAGS: WeakKeyDictionary[StateMirror, str] = WeakKeyDictionary()


@callback
def async_register_views(hass: HomeAssistant) -> None:
    """Register the views once, for every entry."""
    for view in (
        BridgesView,
        StatesView,
        EntityStateView,
        ServicesView,
        HealthView,
        StatusView,
        MetricsView,
        StreamView,
    ):
        hass.http.register_view(view())


class BridgeView(HomeAssistantView):
    """A view of one bridge; answers 404 for an unknown or unloaded entry."""

    requires_auth = True

    def bridge(self, request: web.Request, entry_id: str) -> RemoteBridge | None:
        """Return the loaded bridge of ``entry_id``, if there is one."""
        entry = request.app[KEY_HASS].config_entries.async_get_entry(entry_id)
        if (
            entry is None
            or entry.domain != DOMAIN
            or entry.state is not ConfigEntryState.LOADED
        ):
            return None
        bridge: RemoteBridge = entry.runtime_data
        return bridge

    def not_found(self) -> web.Response:
        """Answer an unknown entry."""
        return self.json_message("Remote bridge not found.", HTTPStatus.NOT_FOUND)

    def unavailable(self, bridge: RemoteBridge, err: RemoteBridgeError) -> web.Response:
        """Answer a read the remote could not serve and the mirror could not."""
        message = _redact(bridge, f"Remote {bridge.url} is unavailable: {err}")
        return self.json_message(message, HTTPStatus.SERVICE_UNAVAILABLE)


class BridgesView(HomeAssistantView):
    """The configured bridges."""

    url = BASE_URL
    name = f"api:{DOMAIN}"

    @callback
    def get(self, request: web.Request) -> web.Response:
        """List every entry: id, title, remote url and whether it is connected."""
        hass = request.app[KEY_HASS]
        bridges = []
        for entry in hass.config_entries.async_entries(DOMAIN):
            loaded = entry.state is ConfigEntryState.LOADED
            bridges.append(
                {
                    "entry_id": entry.entry_id,
                    "title": entry.title,
                    "url": entry.runtime_data.url if loaded else entry.data[CONF_URL],
                    "connected": loaded and entry.runtime_data.connected,
                }
            )
        return self.json(bridges)


class StatesView(BridgeView):
    """All mirrored states, the shape of ``/api/states``; ``?domain=`` narrows."""

    url = ENTRY_URL + "/states"
    name = f"api:{DOMAIN}:states"

    async def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer from the mirror's cached bytes, refilling them on a miss."""
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        if (domains := _domains(request)) and not all(map(valid_domain, domains)):
            return self.json_message("Invalid domain.", HTTPStatus.BAD_REQUEST)
        try:
            body = await bridge.reader.states_json(domains)
        except RemoteBridgeError as err:
            return self.unavailable(bridge, err)
        mirror = bridge.mirror
        etag = f'"{_mirror_tag(mirror)}-{mirror.version}-{",".join(domains or ())}"'
        return _json_bytes(request, body, etag)


class EntityStateView(BridgeView):
    """One mirrored state."""

    url = ENTRY_URL + "/states/{entity_id}"
    name = f"api:{DOMAIN}:entity-state"

    async def get(
        self, request: web.Request, entry_id: str, entity_id: str
    ) -> web.Response:
        """Answer from the mirror, or fetch from the remote on a miss."""
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        if not valid_entity_id(entity_id):
            return self.json_message("Invalid entity ID.", HTTPStatus.BAD_REQUEST)
        try:
            state = await bridge.reader.state(entity_id)
        except RemoteBridgeError as err:
            return self.unavailable(bridge, err)
        if state is None:
            return self.json_message("Entity not found.", HTTPStatus.NOT_FOUND)
        body = orjson.dumps(state)
        return _json_bytes(
            request,
            body,
            f'"{blake2b(body, digest_size=12).hexdigest()}"',
            compress=False,
        )


class ServicesView(BridgeView):
    """The remote's services, the shape of ``/api/services``."""

    url = ENTRY_URL + "/services"
    name = f"api:{DOMAIN}:services"

    async def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer from the cache, refetching after a service was (un)registered."""
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        try:
            services = await bridge.reader.services()
        except RemoteBridgeError as err:
            return self.unavailable(bridge, err)
        return self.json(services)


class HealthView(BridgeView):
    """Is the link up, in the contract's small shape."""

    url = ENTRY_URL + "/health"
    name = f"api:{DOMAIN}:health"

    @callback
    def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer the link's state."""
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        client = bridge.client
        return self.json(
            {
                "websocket": {
                    "connected": client.connected,
                    "reconnect_attempts": client.reconnect_attempts,
                    "subscriptions": client.subscriptions,
                },
                "state": client.link_state,
            }
        )


class StatusView(BridgeView):
    """Options, connection details and cache counters; admins only."""

    url = ENTRY_URL + "/status"
    name = f"api:{DOMAIN}:status"

    @callback
    def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer everything a user debugging the bridge wants to see."""
        # Not @require_admin: that answers 401, and a known non-admin is a 403.
        if not request[KEY_HASS_USER].is_admin:
            return self.json_message("Admin access required.", HTTPStatus.FORBIDDEN)
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        client, mirror = bridge.client, bridge.mirror
        return self.json(
            {
                "entry_id": entry_id,
                "title": bridge.entry.title,
                "options": bridge.options,
                "connection": {
                    "url": bridge.url,
                    "state": client.link_state,
                    "connected": client.connected,
                    "connected_since": _iso(client.connected_since),
                    "last_error": client.last_error
                    and _redact(bridge, client.last_error),
                    "remote_name": bridge.info.name,
                    "remote_version": bridge.info.version,
                    "subscription_kind": client.subscription_kind,
                    "subscriptions": client.subscriptions,
                    "reconnect_attempts": client.reconnect_attempts,
                    "latency_ms": client.latency_ms,
                    "bytes_received": bridge.link.bytes_received,
                },
                "cache": {
                    **mirror.counters.as_dict(),
                    "entities": len(mirror),
                    "events_received": bridge.link.events_received,
                    "last_event_time": _iso(bridge.link.last_event_time),
                },
            }
        )


# name (after "remote_bridge_"), type, help, value (None: not known yet)
_METRICS: tuple[tuple[str, str, str, Callable[[RemoteBridge], float | None]], ...] = (
    ("connected", "gauge", "1 while the link is up", lambda b: b.connected),
    (
        "reconnect_attempts",
        "gauge",
        "Current reconnect attempt",
        lambda b: b.client.reconnect_attempts,
    ),
    (
        "subscriptions",
        "gauge",
        "Active subscriptions",
        lambda b: b.client.subscriptions,
    ),
    ("mirrored_entities", "gauge", "Entities in the mirror", lambda b: len(b.mirror)),
    (
        "events_received_total",
        "counter",
        "State changes received",
        lambda b: b.link.events_received,
    ),
    (
        "bytes_received_total",
        "counter",
        "Bytes received on the link",
        lambda b: b.link.bytes_received,
    ),
    (
        "cache_hits_total",
        "counter",
        "Reads answered by the mirror",
        lambda b: b.mirror.counters.hits,
    ),
    (
        "cache_misses_total",
        "counter",
        "Reads that went to the remote",
        lambda b: b.mirror.counters.misses,
    ),
    (
        "cache_updates_total",
        "counter",
        "Mirror entries replaced by a change",
        lambda b: b.mirror.counters.updates,
    ),
    (
        "cache_invalidations_total",
        "counter",
        "Mirror entries dropped by a change",
        lambda b: b.mirror.counters.invalidations,
    ),
    (
        "last_event_timestamp_seconds",
        "gauge",
        "When the last change arrived",
        lambda b: b.link.last_event_time,
    ),
    (
        "ping_rtt_seconds",
        "gauge",
        "Last ping round trip",
        lambda b: None if b.client.latency_ms is None else b.client.latency_ms / 1000,
    ),
)


class MetricsView(BridgeView):
    """Prometheus text exposition (0.0.4) of the status figures."""

    url = ENTRY_URL + "/metrics"
    name = f"api:{DOMAIN}:metrics"

    @callback
    def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer the figures, each labelled by entry."""
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        label = '{entry_id="%s"}' % _label_value(entry_id)  # noqa: UP031
        lines: list[str] = []
        for key, kind, help_text, value_fn in _METRICS:
            if (value := value_fn(bridge)) is None:
                continue
            name = f"{DOMAIN}_{key}"
            lines += (
                f"# HELP {name} {help_text}.",
                f"# TYPE {name} {kind}",
                f"{name}{label} {float(value)!r}",
            )
        body = ("\n".join(lines) + "\n").encode()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_METRICS})


class StreamView(BridgeView):
    """Server-Sent Events: a snapshot, then every change and link change."""

    url = ENTRY_URL + "/stream"
    name = f"api:{DOMAIN}:stream"

    async def get(self, request: web.Request, entry_id: str) -> web.StreamResponse:
        """Stream until the client leaves, falls behind, or the bridge stops."""
        hass = request.app[KEY_HASS]
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        if (domains := _domains(request)) and not all(map(valid_domain, domains)):
            return self.json_message("Invalid domain.", HTTPStatus.BAD_REQUEST)
        feed = _Feed(request)
        wanted = None if domains is None else frozenset(domains)
        connected = bridge.connected

        @callback
        def on_change(entity_id: str, state: dict[str, Any] | None) -> None:
            if wanted is None or entity_id.partition(".")[0] in wanted:
                feed.push("state", {"entity_id": entity_id, "state": state})

        @callback
        def on_changes(changes: Mapping[str, dict[str, Any] | None]) -> None:
            for entity_id, state in changes.items():
                on_change(entity_id, state)

        @callback
        def on_bridge() -> None:
            nonlocal connected
            if bridge.link.link_state is ConnectionState.STOPPED:
                feed.close()
            elif bridge.connected is not connected:
                connected = bridge.connected
                feed.push(
                    "connection",
                    {"connected": connected, "state": bridge.link.link_state},
                )

        @callback
        def on_stop(_event: Event) -> None:
            feed.close()

        # Listen before the snapshot: a change during it is sent after it.
        unsubs: list[Callable[[], None]] = [
            bridge.link.add_listener(on_changes),
            async_dispatcher_connect(hass, bridge.signal, on_bridge),
            hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, on_stop),
        ]
        try:
            try:
                snapshot = await bridge.reader.states_json(domains)
            except RemoteBridgeError as err:
                return self.unavailable(bridge, err)
            response = web.StreamResponse(
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
            )
            response.content_type = "text/event-stream"
            await response.prepare(request)
            await response.write(b"event: snapshot\ndata: " + snapshot + b"\n\n")
            on_bridge()  # the link may have changed during the snapshot
            await feed.run(response)
        finally:
            for unsub in unsubs:
                unsub()
        return response


class _Feed:
    """The events waiting for one stream client, bounded."""

    def __init__(self, request: web.Request) -> None:
        self._request = request
        self._pending: deque[bytes] = deque()
        self._ready = asyncio.Event()
        self._closed = False
        self._writing = False

    def push(self, event: str, data: Any) -> None:
        """Queue one event; a client that fell too far behind is dropped."""
        if self._closed:
            return
        if len(self._pending) >= MAX_PENDING_EVENTS:
            self.close()
            return
        self._pending.append(
            b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
        )
        self._ready.set()

    def close(self) -> None:
        """End the stream; a write stuck on a stalled client is aborted."""
        self._closed = True
        self._ready.set()
        if self._writing and (transport := self._request.transport) is not None:
            transport.close()

    async def run(self, response: web.StreamResponse) -> None:
        """Write events (and keep-alives) until closed or the client leaves."""
        try:
            while True:
                try:
                    async with asyncio.timeout(KEEPALIVE_INTERVAL):
                        await self._ready.wait()
                except TimeoutError:
                    chunk = b": keep-alive\n\n"
                else:
                    if self._closed:
                        break
                    self._ready.clear()
                    chunk = b"".join(self._pending)
                    self._pending.clear()
                self._writing = True
                await response.write(chunk)
                self._writing = False
        except ConnectionError:
            pass  # the client left, or was dropped for falling behind
        finally:
            self._closed = True


def _domains(request: web.Request) -> list[str] | None:
    """Return the ``?domain=`` list (repeated or comma separated), if any."""
    if "domain" not in request.query:
        return None
    return sorted(
        {
            domain.strip()
            for value in request.query.getall("domain")
            for domain in value.split(",")
            if domain.strip()
        }
    )


def _json_bytes(
    request: web.Request, body: bytes, etag: str, *, compress: bool = True
) -> web.Response:
    """Answer JSON bytes with an ETag, or 304 when the client has them."""
    if etag in _if_none_match(request):
        return web.Response(status=HTTPStatus.NOT_MODIFIED, headers={"ETag": etag})
    response = web.Response(
        body=body,
        content_type=CONTENT_TYPE_JSON,
        headers={"ETag": etag},
        zlib_executor_size=32768,
    )
    if compress:  # as HA's own API does for lists, not for one small state
        response.enable_compression()
    return response


def _if_none_match(request: web.Request) -> Iterable[str]:
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def _mirror_tag(mirror: StateMirror) -> str:
    if (tag := _MIRROR_TAGS.get(mirror)) is None:
        tag = _MIRROR_TAGS[mirror] = secrets.token_hex(4)
    return tag


def _redact(bridge: RemoteBridge, text: str) -> str:
    """Keep the access token out of a message, wherever it came from."""
    return text.replace(bridge.entry.data[CONF_ACCESS_TOKEN], "**REDACTED**")


def _iso(timestamp: float | None) -> str | None:
    return (
        None
        if timestamp is None
        else datetime.fromtimestamp(timestamp, UTC).isoformat()
    )


def _label_value(value: str) -> str:
    return value.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n")
