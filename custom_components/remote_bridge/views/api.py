"""The JSON views: the bridges, their states and services, health and status.

Small view classes in the style of Home Assistant's own ``api`` component. They
only read the bridge and shape the answer; a read that misses the mirror goes
to the remote through ``bridge.link.reader``, and a remote that cannot answer
becomes a 503 with a JSON message, never an unhandled error. So does a read
that would ask the remote too often (``ReadsThrottled``), with ``Retry-After``:
a client looping over made-up ids must not flood the remote.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from hashlib import blake2b
from http import HTTPStatus
import secrets
from weakref import WeakKeyDictionary

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONTENT_TYPE_JSON
from homeassistant.core import callback, valid_entity_id
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
import orjson

from ..const import CONF_URL, DOMAIN
from ..redact import link_stats, without_address
from ..remote import RemoteBridgeError, StateMirror
from .base import BASE_URL, ENTRY_URL, EntryView, is_admin, token_of

# Mirror versions restart at 0 on reload: tag each mirror so ETags never repeat.
_MIRROR_TAGS: WeakKeyDictionary[StateMirror, str] = WeakKeyDictionary()


class BridgeListView(HomeAssistantView):
    """The list of configured bridges."""

    url = BASE_URL
    name = f"api:{DOMAIN}"
    requires_auth = True

    @callback
    def get(self, request: web.Request) -> web.Response:
        """List every entry: id, title, whether it is connected; admins: the url."""
        hass = request.app[KEY_HASS]
        admin = is_admin(request)
        bridges = []
        for entry in hass.config_entries.async_entries(DOMAIN):
            loaded = entry.state is ConfigEntryState.LOADED
            url: str = entry.runtime_data.url if loaded else entry.data[CONF_URL]
            bridge = {
                "entry_id": entry.entry_id,
                # A title set from the url (no location name) is an address too.
                "title": entry.title if admin else without_address(entry.title, url),
                "connected": loaded and entry.runtime_data.link.connected,
            }
            if admin:
                bridge["url"] = url
            bridges.append(bridge)
        return self.json(bridges)


class StatesView(EntryView):
    """All mirrored states, the shape of ``/api/states``; ``?domain=`` narrows."""

    url = ENTRY_URL + "/states"
    name = f"api:{DOMAIN}:states"

    async def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer from the mirror's cached bytes, refilling them on a miss."""
        found = self.bridge_and_domains(request, entry_id)
        if isinstance(found, web.Response):
            return found
        bridge, domains = found
        try:
            body = await bridge.link.reader.states_json(domains)
        except RemoteBridgeError as err:
            return self.unavailable(request, bridge, err)
        mirror = bridge.link.mirror
        etag = f'"{_mirror_tag(mirror)}-{mirror.version}-{",".join(domains or ())}"'
        return _json_bytes(request, body, etag)


class EntityStateView(EntryView):
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
            state = await bridge.link.reader.state(entity_id)
        except RemoteBridgeError as err:
            return self.unavailable(request, bridge, err)
        if state is None:
            return self.json_message("Entity not found.", HTTPStatus.NOT_FOUND)
        body = orjson.dumps(state)
        return _json_bytes(
            request,
            body,
            f'"{blake2b(body, digest_size=12).hexdigest()}"',
            compress=False,
        )


class ServicesView(EntryView):
    """The remote's services, the shape of ``/api/services``."""

    url = ENTRY_URL + "/services"
    name = f"api:{DOMAIN}:services"

    async def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer from the cache, refetching after a service was (un)registered."""
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        try:
            services = await bridge.link.reader.services()
        except RemoteBridgeError as err:
            return self.unavailable(request, bridge, err)
        return self.json(services)


class HealthView(EntryView):
    """Is the link up, in a small shape a monitor can poll."""

    url = ENTRY_URL + "/health"
    name = f"api:{DOMAIN}:health"

    @callback
    def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer the link's state."""
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        stats = bridge.stats
        return self.json(
            {
                "websocket": {
                    "connected": stats.connected,
                    "reconnect_attempts": stats.reconnect_attempts,
                    "subscriptions": stats.subscriptions,
                },
                "state": stats.link_state,
            }
        )


class StatusView(EntryView):
    """Options, connection details and cache counters; admins only."""

    url = ENTRY_URL + "/status"
    name = f"api:{DOMAIN}:status"

    @callback
    def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer everything a user debugging the bridge wants to see."""
        # Not @require_admin: that answers 401, and a known non-admin is a 403.
        if not is_admin(request):
            return self.json_message("Admin access required.", HTTPStatus.FORBIDDEN)
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        stats = link_stats(bridge.stats, token_of(bridge))
        return self.json(
            {
                "entry_id": entry_id,
                "title": bridge.entry.title,
                "options": bridge.options,
                "connection": {
                    "url": bridge.url,
                    "state": stats.link_state,
                    "connected": stats.connected,
                    "connected_since": _iso(stats.connected_since),
                    "last_error": stats.last_error,
                    "gave_up": stats.gave_up,
                    "remote_name": stats.remote_name,
                    "remote_version": stats.remote_version,
                    "subscription_kind": stats.subscription_kind,
                    "subscriptions": stats.subscriptions,
                    "reconnect_attempts": stats.reconnect_attempts,
                    "latency_ms": stats.latency_ms,
                    "bytes_received": stats.bytes_received,
                },
                "cache": {
                    **stats.cache.as_dict(),
                    "entities": stats.mirrored_entities,
                    "events_received": stats.events_received,
                    "last_event_time": _iso(stats.last_event_time),
                },
                "forwarded_events": {
                    "forwarded": stats.events_forwarded,
                    "dropped": stats.events_dropped,
                },
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


def _iso(timestamp: float | None) -> str | None:
    return (
        None
        if timestamp is None
        else datetime.fromtimestamp(timestamp, UTC).isoformat()
    )
