"""The Server-Sent Events stream: a snapshot, then every change and link change."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from aiohttp import web
from homeassistant.components.http.const import KEY_HASS_REFRESH_TOKEN_ID, KEY_HASS_USER
from homeassistant.helpers.http import KEY_HASS

from ..const import DOMAIN
from ..remote import RemoteBridgeError
from .base import ENTRY_URL, EntryView
from .hub import Stream, StreamRegistry


class StreamView(EntryView):
    """Server-Sent Events of one bridge; ``?domain=`` narrows."""

    url = ENTRY_URL + "/stream"
    name = f"api:{DOMAIN}:stream"

    def __init__(self, registry: StreamRegistry) -> None:
        """Count and bound streams in ``registry``."""
        self.registry = registry

    async def get(self, request: web.Request, entry_id: str) -> web.StreamResponse:
        """Stream until the client leaves or stalls, or the bridge or token ends."""
        hass = request.app[KEY_HASS]
        found = self.bridge_and_domains(request, entry_id)
        if isinstance(found, web.Response):
            return found
        bridge, domains = found
        registry = self.registry
        user = request[KEY_HASS_USER]
        user_id: str = user.id
        if registry.full(bridge, user_id):
            return self.json_message(
                "Too many open streams.", HTTPStatus.SERVICE_UNAVAILABLE
            )
        stream = Stream(
            request,
            user_id,
            None if domains is None else frozenset(domains),
            registry.limits,
            admin=user.is_admin,
        )
        # Listen before the snapshot: a change during it is sent after it.
        registry.add(bridge, stream)
        unsub_revoke: Callable[[], None] | None = None
        if (token_id := request.get(KEY_HASS_REFRESH_TOKEN_ID)) is not None:
            # As Home Assistant's websocket API does: a revoked token ends it.
            unsub_revoke = hass.auth.async_register_revoke_token_callback(
                token_id, stream.abort
            )
        try:
            try:
                snapshot = await bridge.link.reader.states_json(domains)
            except RemoteBridgeError as err:
                return self.unavailable(request, bridge, err)
            response = web.StreamResponse(
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
            )
            response.content_type = "text/event-stream"
            await response.prepare(request)
            await stream.run(response, b"event: snapshot\ndata: " + snapshot + b"\n\n")
        finally:
            if unsub_revoke is not None:
                unsub_revoke()
            registry.remove(bridge, stream)
        return response
