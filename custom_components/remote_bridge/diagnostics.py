"""Diagnostics download: what a maintainer needs, with the secrets redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .bridge import RemoteBridge, RemoteBridgeConfigEntry
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
            "services_cached": bridge.link.reader.cached_services is not None,
        },
        "registry": registry_diagnostics(bridge),
    }


def registry_diagnostics(bridge: RemoteBridge) -> dict[str, Any]:
    """Say whether the remote's registries are known, and what they hold.

    Counts only: names of devices, areas and labels are the remote owner's.
    """
    registry = bridge.registry
    snapshot = registry.snapshot
    entity_filter = bridge.link.entity_filter
    shared = getattr(entity_filter, "shared", None)
    return {
        "status": registry.status.value,
        "followed_events": list(registry.events),
        "last_error": registry.last_error,
        "reads": registry.reads,
        "entities": len(snapshot.entities) if snapshot else None,
        "devices": len(snapshot.devices) if snapshot else None,
        "areas": len(snapshot.areas) if snapshot else None,
        "labels": len(snapshot.labels) if snapshot else None,
        "shared_entities": None if shared is None else len(shared),
        "hidden_entities": len(getattr(entity_filter, "hidden", ())),
    }
