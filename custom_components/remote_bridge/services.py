"""The actions: ``reconnect``, ``resync`` and ``call_action``; all admin-only.

``call_action`` runs an action on the remote, so it can do anything the
remote's token may do there: only an admin of this Home Assistant may call it,
and the *Allowed action domains* option narrows it further.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service
import voluptuous as vol

from .bridge import RemoteBridge, RemoteBridgeConfigEntry
from .const import (
    ATTR_ACTION,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DATA,
    ATTR_RETURN_RESPONSE,
    ATTR_TARGET,
    CONF_ACCESS_TOKEN,
    CONF_ALLOWED_ACTION_DOMAINS,
    DOMAIN,
    SERVICE_CALL_ACTION,
    SERVICE_RECONNECT,
    SERVICE_RESYNC,
)
from .redact import remote_text
from .remote import ConnectionState, RemoteBridgeError

SERVICE_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
CALL_ACTION_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_ACTION): cv.service,
        vol.Optional(ATTR_DATA, default=dict): vol.Maybe(dict),
        # Remote entity, device and area ids: checked by the remote, not here.
        vol.Optional(ATTR_TARGET): vol.Schema(cv.ENTITY_SERVICE_FIELDS),
        vol.Optional(ATTR_RETURN_RESPONSE, default=False): cv.boolean,
    }
)


def bridge_for(hass: HomeAssistant, entry_id: str) -> RemoteBridge:
    """Return the loaded bridge of ``entry_id``, or raise a translated error."""
    entry: RemoteBridgeConfigEntry | None = hass.config_entries.async_get_entry(
        entry_id
    )
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry.runtime_data


def ensure_action_allowed(bridge: RemoteBridge, domain: str) -> None:
    """Refuse a domain outside the entry's *Allowed action domains* (empty: all)."""
    allowed: list[str] = bridge.options[CONF_ALLOWED_ACTION_DOMAINS]
    if allowed and domain not in allowed:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="action_not_allowed",
            translation_placeholders={
                "domain": domain,
                "title": bridge.entry.title,
                "allowed": ", ".join(allowed),
            },
        )


async def _async_reconnect(bridge: RemoteBridge) -> None:
    """Reconnect; a refused token needs new credentials, not another attempt."""
    if bridge.link.link_state is ConnectionState.AUTH_FAILED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="reconnect_auth_failed",
            translation_placeholders={"title": bridge.entry.title},
        )
    await bridge.async_reconnect()


def _link_action(
    run: Callable[[RemoteBridge], Awaitable[None]],
) -> Callable[[ServiceCall], Coroutine[Any, Any, None]]:
    async def handle(call: ServiceCall) -> None:
        bridge = bridge_for(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
        try:
            await run(bridge)
        except RemoteBridgeError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="action_failed",
                translation_placeholders={
                    "title": bridge.entry.title,
                    "error": remote_text(err, bridge.entry.data[CONF_ACCESS_TOKEN]),
                },
            ) from err

    return handle


async def _async_call_action(call: ServiceCall) -> ServiceResponse:
    """Run ``action`` on the remote; answer with the remote's response, if asked.

    ``async_register_admin_service`` cannot register an action that returns a
    response, so the admin check is made here, the same way: a call without a
    user is the system's own (automations, scripts) and is allowed.
    """
    if user_id := call.context.user_id:
        user = await call.hass.auth.async_get_user(user_id)
        if user is None:
            raise UnknownUser(context=call.context, user_id=user_id)
        if not user.is_admin:
            raise Unauthorized(context=call.context, user_id=user_id)
    bridge = bridge_for(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    domain, service = call.data[ATTR_ACTION].split(".", 1)
    ensure_action_allowed(bridge, domain)
    # A caller that wants the response needs the remote to send one.
    want_response = call.data[ATTR_RETURN_RESPONSE] or call.return_response
    result = await bridge.async_call_remote(
        domain,
        service,
        call.data[ATTR_DATA] or {},
        call.data.get(ATTR_TARGET),
        return_response=want_response,
    )
    if not call.return_response:
        return None
    response: ServiceResponse = result.get("response") or {}
    return response


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, in ``async_setup``)."""
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_RECONNECT,
        _link_action(_async_reconnect),
        schema=SERVICE_SCHEMA,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_RESYNC,
        _link_action(RemoteBridge.async_resync),
        schema=SERVICE_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CALL_ACTION,
        _async_call_action,
        schema=CALL_ACTION_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
