"""Shapes of the remote's WebSocket API, and the compressed-state decoding.

``subscribe_entities`` sends ``{"a": {id: compressed}, "c": {id: diff},
"r": [id]}`` events. A compressed state uses short keys (``s`` state, ``a``
attributes, ``c`` context, ``lc``/``lu`` timestamps); a diff carries ``+``
(keys that changed) and ``-`` (attribute names that went away). These helpers
turn both into the JSON shape of the remote's ``/api/states``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from math import modf
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from .exceptions import InvalidUrl

type State = dict[str, Any]

WEBSOCKET_PATH: Final = "/api/websocket"

# Message types and subscription payloads.
TYPE_AUTH_REQUIRED: Final = "auth_required"
TYPE_AUTH_OK: Final = "auth_ok"
TYPE_AUTH_INVALID: Final = "auth_invalid"
TYPE_RESULT: Final = "result"
TYPE_EVENT: Final = "event"
TYPE_PONG: Final = "pong"

EVENT_STATE_CHANGED: Final = "state_changed"
EVENT_SERVICE_REGISTERED: Final = "service_registered"
EVENT_SERVICE_REMOVED: Final = "service_removed"

# Error codes with which a remote refuses a command it does not know.
UNSUPPORTED_CODES: Final = frozenset({"unknown_command", "invalid_format"})

_SCHEMES: Final = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


def normalize_url(url: str) -> str:
    """Return ``http(s)://host[:port]`` for any way a user writes the address.

    Accepts ``host:port``, ``http(s)://``, ``ws(s)://`` and a trailing
    ``/api/websocket``; raises ``InvalidUrl`` for anything else.
    """
    text = url.strip()
    if any(char.isspace() or not char.isprintable() for char in text):
        raise InvalidUrl("the address must not contain spaces")
    if "://" not in text:
        text = f"http://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise InvalidUrl("the address is not a valid URL") from err
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise InvalidUrl("the address must be http(s):// or ws(s):// with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidUrl("the address must not carry a query, fragment or login")
    path = parts.path.rstrip("/")
    if path.endswith(WEBSOCKET_PATH):
        path = path[: -len(WEBSOCKET_PATH)]
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((scheme, netloc, path, "", ""))


def websocket_url(base_url: str) -> str:
    """Return the WebSocket endpoint for a normalised base URL."""
    scheme, _, rest = base_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{WEBSOCKET_PATH}"


# ISO prefixes ("YYYY-MM-DDTHH:MM:SS") of recent whole seconds: formatting a
# datetime costs microseconds, and a busy remote's changes share their seconds.
_ISO_SECONDS: dict[float, str] = {}
_ISO_SECONDS_LIMIT: Final = 4096
_DIGITS3: Final = tuple(f"{number:03d}" for number in range(1000))
_MICROS: Final = 1_000_000


def timestamp_to_iso(timestamp: float) -> str:
    """Format a remote timestamp exactly like the remote's ``isoformat()``.

    The same as ``datetime.fromtimestamp(timestamp, UTC).isoformat()``, and the
    same rounding (the fraction to microseconds, half to even), but only the
    whole seconds go through ``datetime`` (cached); it raises what that raises.
    """
    fraction, whole = modf(timestamp)
    micro = round(fraction * 1e6)
    if micro >= _MICROS:
        micro -= _MICROS
        whole += 1.0
    elif micro < 0:
        micro += _MICROS
        whole -= 1.0
    if (prefix := _ISO_SECONDS.get(whole)) is None:
        if len(_ISO_SECONDS) >= _ISO_SECONDS_LIMIT:
            _ISO_SECONDS.clear()
        second = datetime.fromtimestamp(whole, UTC).isoformat()
        prefix = _ISO_SECONDS[whole] = second[: -len("+00:00")]
    if micro:
        return f"{prefix}.{_DIGITS3[micro // 1000]}{_DIGITS3[micro % 1000]}+00:00"
    return f"{prefix}+00:00"


def _context(compressed: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(compressed, str):
        return {"id": compressed, "parent_id": None, "user_id": None}
    return {
        "id": compressed.get("id"),
        "parent_id": compressed.get("parent_id"),
        "user_id": compressed.get("user_id"),
    }


def expand_compressed_state(entity_id: str, compressed: dict[str, Any]) -> State:
    """Turn a compressed state (``subscribe_entities`` add) into a full state."""
    last_changed = timestamp_to_iso(compressed["lc"])
    if (updated := compressed.get("lu")) is None:
        last_updated = last_changed
    else:
        last_updated = timestamp_to_iso(updated)
    return {
        "entity_id": entity_id,
        "state": compressed["s"],
        "attributes": compressed.get("a") or {},
        "last_changed": last_changed,
        # The compressed form has no last_reported; for a change it equals
        # last_updated.
        "last_reported": last_updated,
        "last_updated": last_updated,
        "context": _context(compressed["c"]),
    }


# What a diff that does not fit its entry can raise (a timestamp out of range
# raises OverflowError or OSError, not ValueError).
UNAPPLICABLE: Final = (
    KeyError,
    TypeError,
    AttributeError,
    ValueError,
    ArithmeticError,
    OSError,
)


def apply_diff(state: State, diff: dict[str, Any]) -> State:
    """Return a new full state: ``state`` with a ``subscribe_entities`` diff.

    The old state is not mutated; the attributes are copied only when they
    change, so an unchanged attribute dict is shared rather than duplicated.
    A diff that does not fit raises (KeyError, TypeError, ValueError, ...).
    """
    # ``in`` + ``[]`` rather than ``get()``: this runs for every remote change.
    if type(diff) is not dict:
        raise TypeError("a diff is an object")
    new = state.copy()
    if "+" in diff and (additions := diff["+"]):
        if "s" in additions:
            if type(value := additions["s"]) is not str:
                raise TypeError("a state is a string")
            new["state"] = value
        if "lc" in additions:
            new["last_changed"] = new["last_updated"] = new["last_reported"] = (
                timestamp_to_iso(additions["lc"])
            )
        elif "lu" in additions:
            new["last_updated"] = new["last_reported"] = timestamp_to_iso(
                additions["lu"]
            )
        # A ``get`` here as well rejects additions that are not an object.
        if (context := additions.get("c")) is not None:
            merged = dict(state["context"])
            if isinstance(context, str):
                merged["id"] = context
            else:
                merged.update(context)
            new["context"] = merged
        if "a" in additions and (attributes := additions["a"]):
            new["attributes"] = {**state["attributes"], **attributes}
    if "-" in diff and (removals := diff["-"]) and (gone := removals.get("a")):
        attributes = dict(new["attributes"])
        for key in gone:
            attributes.pop(key, None)
        new["attributes"] = attributes
    return new


def is_full_state(value: Any) -> bool:
    """Return True for a dict shaped like an ``/api/states`` entry."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("entity_id"), str)
        and isinstance(value.get("state"), str)
        and isinstance(value.get("attributes"), dict)
    )


def services_as_list(services: dict[str, Any]) -> list[dict[str, Any]]:
    """Convert ``get_services`` (a dict by domain) to ``/api/services``' list."""
    return [
        {"domain": domain, "services": domain_services}
        for domain, domain_services in services.items()
    ]
