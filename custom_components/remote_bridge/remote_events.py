"""Remote events fired here as ``remote_bridge_event``, and the option's rules.

A forwarded event is never fired under its own type: an automation of this
Home Assistant cannot mistake a remote ``zha_event`` for a local device's, and
a bridge cannot feed an event back to where it came from. The remote's context
id is kept (when it is a ULID), so the logbook can link what it caused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import re
from typing import Any, Final

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Context, EventOrigin, HomeAssistant, callback

from .const import EVENT_REMOTE_BRIDGE
from .remote.filters import FilterValidationError
from .remote.forwarding import RemoteEvent
from .remote.listeners import add_listener
from .remote.protocol import EVENT_SERVICE_REGISTERED, EVENT_SERVICE_REMOVED

type RemoteEventListener = Callable[[dict[str, Any]], None]

# Types the option refuses: state changes are mirrored, not forwarded; the
# bridge's own event would loop between two bridges; the service events are
# the link's own subscriptions.
REFUSED_EVENT_TYPES: Final = frozenset(
    {
        EVENT_STATE_CHANGED,
        EVENT_REMOTE_BRIDGE,
        EVENT_SERVICE_REGISTERED,
        EVENT_SERVICE_REMOVED,
    }
)
MAX_EVENT_TYPES: Final = 32
# Home Assistant's own limit on an event type.
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
# How much of a refused value the error repeats.
_SHOWN = 70


def validate_event_types(values: Iterable[str]) -> list[str]:
    """Return the event types, stripped; raise ``FilterValidationError``."""
    event_types: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            raise FilterValidationError("empty_event_type", raw)
        if not _EVENT_TYPE.fullmatch(value):
            shown = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
            raise FilterValidationError("invalid_event_type", shown)
        if value in REFUSED_EVENT_TYPES:
            raise FilterValidationError("refused_event_type", value)
        if value in event_types:
            raise FilterValidationError("duplicate_event_type", value)
        event_types.append(value)
    if len(event_types) > MAX_EVENT_TYPES:
        raise FilterValidationError("too_many_event_types", str(MAX_EVENT_TYPES))
    return event_types


def forwardable(event_types: Iterable[str]) -> list[str]:
    """Return the saved event types the bridge may subscribe to.

    The options flow refuses the others; this keeps a hand-edited entry from
    making a loop or replacing the link's own subscriptions.
    """
    return [t for t in event_types if t not in REFUSED_EVENT_TYPES]


class RemoteEvents:
    """Fire the bridge's forwarded remote events, and tell its listeners."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Fire on ``hass``'s bus, tagged with ``entry_id``."""
        self._hass = hass
        self._entry_id = entry_id
        self._listeners: list[RemoteEventListener] = []

    def add_listener(self, listener: RemoteEventListener) -> Callable[[], None]:
        """Call ``listener(event_data)`` after each fired event; return the unsub."""
        return add_listener(self._listeners, listener)

    @callback
    def fire(self, event: RemoteEvent) -> None:
        """Fire ``event`` as ``remote_bridge_event`` with the remote's context id."""
        data = {
            "entry_id": self._entry_id,
            "event_type": event.event_type,
            "data": event.data,
            "origin": event.origin,
            "time_fired": event.time_fired,
        }
        self._hass.bus.async_fire(
            EVENT_REMOTE_BRIDGE,
            data,
            EventOrigin.remote,
            context=Context(id=event.context_id),
        )
        for listener in list(self._listeners):
            listener(data)
