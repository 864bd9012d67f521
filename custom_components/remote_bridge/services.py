"""The ``reconnect`` and ``resync`` actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .bridge import RemoteBridge, RemoteBridgeConfigEntry
from .const import ATTR_CONFIG_ENTRY_ID, DOMAIN, SERVICE_RECONNECT, SERVICE_RESYNC
from .remote import RemoteBridgeError

SERVICE_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})


def _bridge(call: ServiceCall) -> RemoteBridge:
    """Return the bridge the call names, or raise a translated error."""
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: RemoteBridgeConfigEntry | None = call.hass.config_entries.async_get_entry(
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


def _action(
    run: Callable[[RemoteBridge], Awaitable[None]],
) -> Callable[[ServiceCall], Coroutine[Any, Any, None]]:
    async def handle(call: ServiceCall) -> None:
        bridge = _bridge(call)
        try:
            await run(bridge)
        except RemoteBridgeError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="action_failed",
                translation_placeholders={
                    "title": bridge.entry.title,
                    "error": str(err),
                },
            ) from err

    return handle


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, in ``async_setup``)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_RECONNECT,
        _action(RemoteBridge.async_reconnect),
        schema=SERVICE_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RESYNC,
        _action(RemoteBridge.async_resync),
        schema=SERVICE_SCHEMA,
    )
