"""Local events standing for the remote's event entities (read-only).

An event entity's state is when its last event happened, kept by Home
Assistant's base class: here, when the remote's event arrived.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import ATTR_EVENT_TYPE, EventEntity
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteEvent(MirroredEntity, EventEntity):
    """A remote event entity: each new remote event is triggered here."""

    local_domain = Platform.EVENT

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_event_types = list(attributes.get("event_types") or [])
        event_type = attributes.get(ATTR_EVENT_TYPE)
        # A new state is a new event; the first one seen is history.
        if self.hass is not None and event_type in self._attr_event_types:
            self._trigger_event(
                event_type,
                {
                    key: value
                    for key, value in attributes.items()
                    if key not in {ATTR_EVENT_TYPE, "event_types"}
                },
            )


async_setup_entry = local_platform(RemoteEvent)
