"""``POST /api/remote_bridge/{entry_id}/services/{domain}/{service}``.

The body and the answer of Home Assistant's own ``POST /api/services/...``,
but the action runs on the remote. Admins only: it can do anything the
remote's token may do there.

"The states changed during the call" are, as in Home Assistant, the changes
that carry the call's context; here they are the mirrored changes that arrive
while the call runs, each entity once with its newest state (Home Assistant
lists an entity again for each change). So an entity the bridge's filters drop
is never reported,
and neither is any change while *Update the cache from events* is off (the
mirror then only invalidates, and keeps no state to report).
"""

from __future__ import annotations

from asyncio import shield
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from aiohttp import web
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util.json import json_loads

from ..bridge import RemoteBridge
from ..const import DOMAIN
from ..remote.protocol import State
from ..services import bridge_for, ensure_action_allowed

# What a remote failure answers, by the bridge's translation key; any other
# failure of the remote's action is a 500, as Home Assistant's own view answers.
_STATUS_OF_ERROR = {
    "remote_not_connected": HTTPStatus.SERVICE_UNAVAILABLE,
    "remote_action_timeout": HTTPStatus.GATEWAY_TIMEOUT,
}


@contextmanager
def _changes_during(bridge: RemoteBridge) -> Iterator[list[State]]:
    """Collect the mirrored states that change inside the ``with`` block."""
    changed: list[State] = []

    def on_batch(changes: Mapping[str, State | None]) -> None:
        changed.extend(dict(state) for state in changes.values() if state)

    unsubscribe: Callable[[], None] = bridge.link.add_listener(on_batch)
    try:
        yield changed
    finally:
        unsubscribe()


class ActionView(HomeAssistantView):
    """Call an action on the remote, like ``POST /api/services/{domain}/{service}``."""

    url = f"/api/{DOMAIN}/{{entry_id}}/services/{{domain}}/{{service}}"
    name = f"api:{DOMAIN}:services:call"
    requires_auth = True

    async def post(
        self, request: web.Request, entry_id: str, domain: str, service: str
    ) -> web.Response:
        """Call the action; answer the states it changed (and its response)."""
        checked = await self._check(request, entry_id, domain)
        if isinstance(checked, web.Response):
            return checked
        bridge, data = checked
        response_requested = "return_response" in request.query
        with _changes_during(bridge) as changed:
            try:
                # Like Home Assistant's view: a client that leaves does not
                # cancel an action the remote has already started.
                result = await shield(
                    bridge.async_call_remote(
                        domain, service, data, return_response=response_requested
                    )
                )
            except HomeAssistantError as err:
                return self.json_message(str(err), _status_of(err))
        context_id = (result.get("context") or {}).get("id")
        # Each entity once, with the newest state the call gave it: the link
        # hands over one state per entity per frame, so how many intermediate
        # states arrive depends on framing, not on the call.
        newest: dict[str, State] = {
            state["entity_id"]: state
            for state in changed
            if context_id is not None
            and (state.get("context") or {}).get("id") == context_id
        }
        changed_states = list(newest.values())
        if response_requested:
            return self.json(
                {
                    "changed_states": changed_states,
                    "service_response": result.get("response"),
                }
            )
        return self.json(changed_states)

    async def _check(
        self, request: web.Request, entry_id: str, domain: str
    ) -> tuple[RemoteBridge, dict[str, Any] | None] | web.Response:
        """Return the bridge and the body, or the answer refusing the request."""
        # Not @require_admin: that answers 401, and a known non-admin is a 403.
        if not request[KEY_HASS_USER].is_admin:
            return self.json_message("Admin access required.", HTTPStatus.FORBIDDEN)
        try:
            bridge = bridge_for(request.app[KEY_HASS], entry_id)
        except ServiceValidationError:
            return self.json_message("Remote bridge not found.", HTTPStatus.NOT_FOUND)
        body = await request.text()
        try:
            data: Any = json_loads(body) if body else None
        except ValueError:
            return self.json_message(
                "Data should be valid JSON.", HTTPStatus.BAD_REQUEST
            )
        if data is not None and not isinstance(data, dict):
            return self.json_message(
                "Data should be a JSON object.", HTTPStatus.BAD_REQUEST
            )
        try:
            ensure_action_allowed(bridge, domain)
        except ServiceValidationError as err:
            return self.json_message(str(err), HTTPStatus.FORBIDDEN)
        return bridge, data


def _status_of(err: HomeAssistantError) -> HTTPStatus:
    """Return the status that answers a failed remote call."""
    if isinstance(err, ServiceValidationError):
        return HTTPStatus.BAD_REQUEST
    return _STATUS_OF_ERROR.get(
        err.translation_key or "", HTTPStatus.INTERNAL_SERVER_ERROR
    )
