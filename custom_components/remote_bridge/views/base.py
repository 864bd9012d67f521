"""What every view of one bridge shares: finding it, and answering errors."""

from __future__ import annotations

from http import HTTPStatus
import math

from aiohttp import web
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import valid_domain
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from ..bridge import RemoteBridge
from ..const import CONF_ACCESS_TOKEN, DOMAIN
from ..redact import remote_text
from ..remote import ReadsThrottled, RemoteBridgeError

BASE_URL = f"/api/{DOMAIN}"
ENTRY_URL = BASE_URL + "/{entry_id}"


def is_admin(request: web.Request) -> bool:
    """Return True when an admin made the request: only admins see addresses."""
    return bool(request[KEY_HASS_USER].is_admin)


def token_of(bridge: RemoteBridge) -> str:
    """Return the remote's access token, only ever to redact it."""
    token: str = bridge.entry.data[CONF_ACCESS_TOKEN]
    return token


class EntryView(HomeAssistantView):
    """Base of the views of one bridge: 404 for an unknown or unloaded entry."""

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

    def bridge_and_domains(
        self, request: web.Request, entry_id: str
    ) -> tuple[RemoteBridge, list[str] | None] | web.Response:
        """Return the bridge and the ``?domain=`` list, or the answer to an error.

        The list is None without ``?domain=`` (repeated or comma separated).
        An unknown entry is a 404; an empty or malformed domain a 400:
        ``?domain=`` asking for nothing is a client bug, not a wish for everything.
        """
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        if "domain" not in request.query:
            return bridge, None
        domains = {
            domain.strip()
            for value in request.query.getall("domain")
            for domain in value.split(",")
        }
        if not all(map(valid_domain, domains)):
            return self.json_message("Invalid domain.", HTTPStatus.BAD_REQUEST)
        return bridge, sorted(domains)

    def not_found(self) -> web.Response:
        """Answer an unknown entry."""
        return self.json_message("Remote bridge not found.", HTTPStatus.NOT_FOUND)

    def unavailable(
        self, request: web.Request, bridge: RemoteBridge, err: RemoteBridgeError
    ) -> web.Response:
        """Answer a read neither the remote nor the mirror could serve.

        The error usually names the remote's host:port: admins see it, other
        users only learn that the remote is unavailable. Reads that asked the
        remote too often are told when to retry (``Retry-After``).
        """
        if isinstance(err, ReadsThrottled):
            return self.throttled(request, bridge, err)
        if is_admin(request):
            message = remote_text(
                f"Remote {bridge.url} is unavailable: {err}", token_of(bridge)
            )
        else:
            message = "Remote is unavailable."
        return self.json_message(message, HTTPStatus.SERVICE_UNAVAILABLE)

    def throttled(
        self, request: web.Request, bridge: RemoteBridge, err: ReadsThrottled
    ) -> web.Response:
        """Answer a read that would have asked the remote too often."""
        seconds = max(1, math.ceil(err.retry_after))
        where = f"remote {bridge.url}" if is_admin(request) else "the remote"
        return self.json_message(
            f"Too many reads of {where}; retry in {seconds} s.",
            HTTPStatus.SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(seconds)},
        )
