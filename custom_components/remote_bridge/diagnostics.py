"""Diagnostics download: what a maintainer needs, with the secrets redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .bridge import RemoteBridgeConfigEntry
from .const import CONF_ACCESS_TOKEN, CONF_UPDATE_CACHE
from .redact import diagnostics_entry, diagnostics_stats


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: RemoteBridgeConfigEntry
) -> dict[str, Any]:
    """Return the bridge's options, every figure of its link, and its cache."""
    bridge = entry.runtime_data
    return {
        "entry": diagnostics_entry(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
            }
        ),
        "options": bridge.options,
        "link": diagnostics_stats(bridge.stats, entry.data[CONF_ACCESS_TOKEN]),
        "mirror": {
            "update_cache": bridge.options[CONF_UPDATE_CACHE],
            "services_cached": bridge.reader.cached_services is not None,
        },
    }
