"""What the remote sends is checked here before the mirror keeps it.

A compromised or broken remote must not be able to put into the mirror what
the views cannot serve or what the filter never saw: an id that is not an
entity id, a state filed under another entity's id, or a value that
``orjson.loads`` accepted but ``orjson.dumps`` refuses (nesting deeper than
255 levels; every other shape ``loads`` makes, ``dumps`` writes: integers past
64 bits come back as floats, lone surrogates and infinities are refused on
the way in).
"""

from __future__ import annotations

import re
from typing import Any, Final

import orjson

# Home Assistant's own rule (``homeassistant.core.valid_entity_id``), copied so
# that this package stays free of Home Assistant.
_OBJECT_ID: Final = r"(?!_)[\da-z_]+(?<!_)"
_DOMAIN: Final = r"(?!.+__)" + _OBJECT_ID
_VALID_ENTITY_ID: Final = re.compile(_DOMAIN + r"\." + _OBJECT_ID)
# Longer ids are not made by Home Assistant (255 is its database column).
_MAX_ENTITY_ID_LENGTH: Final = 255


def valid_entity_id(entity_id: object) -> bool:
    """Return True for a string Home Assistant accepts as an entity id."""
    return (
        type(entity_id) is str
        and len(entity_id) <= _MAX_ENTITY_ID_LENGTH
        # fullmatch: Home Assistant's ``$`` would let a trailing newline through.
        and _VALID_ENTITY_ID.fullmatch(entity_id) is not None
    )


# Levels a state is wrapped in when served: the list of ``/api/states``, a
# batch's ``{entity_id: state}``, a stream's envelope; one spare.
STATE_HEADROOM: Final = 4


def serialisable(value: Any, headroom: int = STATE_HEADROOM) -> bool:
    """Return True if ``orjson.dumps`` can write ``value`` nested ``headroom`` deep.

    A state that serialises alone but not inside the list of all states
    would make every read of all states fail: the check leaves room.
    """
    for _ in range(headroom):
        value = [value]
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


def acceptable_state(entity_id: str, state: Any) -> bool:
    """Return True for a full state of ``entity_id`` the mirror may keep."""
    return (
        type(state) is dict
        and state.get("entity_id") == entity_id
        and type(state.get("state")) is str
        and type(state.get("attributes")) is dict
        and serialisable(state)
    )
