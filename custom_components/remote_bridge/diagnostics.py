"""Diagnostics download: what a maintainer needs, with the secrets redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .bridge import RemoteBridgeConfigEntry
from .const import CONF_ACCESS_TOKEN, CONF_INSTANCE_ID, CONF_URL

TO_REDACT = {CONF_ACCESS_TOKEN, CONF_URL, CONF_INSTANCE_ID, "unique_id", "title"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: RemoteBridgeConfigEntry
) -> dict[str, Any]:
    """Return the bridge's options, connection, counters and remote version."""
    bridge = entry.runtime_data
    client = bridge.client
    mirror = bridge.mirror
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
            },
            TO_REDACT,
        ),
        "options": bridge.options,
        "connection": {
            "state": client.link_state.value,
            "subscription": client.subscription_kind.value,
            "subscriptions": client.subscriptions,
            "reconnect_attempts": client.reconnect_attempts,
            "gave_up": client.gave_up,
            "last_error": client.last_error,
            "latency_ms": client.latency_ms,
            "events_received": bridge.link.events_received,
        },
        "remote": {
            "version": bridge.info.version,
            "name": bridge.info.name,
        },
        "mirror": {
            "entities": len(mirror),
            "update_cache": mirror.update_cache,
            "services_cached": bridge.reader.cached_services is not None,
            **mirror.counters.as_dict(),
        },
    }
