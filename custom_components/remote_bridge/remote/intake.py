"""What the mirror takes from snapshots and REST fills, and how many entities.

Snapshots (``get_states``) and fills (``/api/states``) come as lists of full
states: each is checked here (a valid entity id, the shape of ``/api/states``,
something the views can serialise) before the filter decides. The number of
mirrored entities is capped: past ``MAX_MIRRORED_ENTITIES`` the first ones
stay, one warning is logged, and ``on_limit(True)`` tells the owner (Home
Assistant's glue raises a repair issue); a snapshot that fits again calls
``on_limit(False)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any, Final

from .filters import EntityFilter
from .protocol import State
from .validate import acceptable_state, valid_entity_id

# Entities one mirror keeps at most: a remote that sends more (a bug, or an
# attack) must not exhaust this Home Assistant's memory.
MAX_MIRRORED_ENTITIES: Final = 100_000


def _ignore(*_args: Any) -> None:
    """Do nothing: the default for a callback nobody listens to."""


class Intake:
    """The checks and the entity cap of one mirror."""

    def __init__(
        self,
        *,
        max_entities: int = MAX_MIRRORED_ENTITIES,
        log_once: Callable[..., None] = _ignore,
        on_limit: Callable[[bool], None] = _ignore,
    ) -> None:
        """Keep at most ``max_entities``; warn through ``log_once(kind, message)``."""
        self.max_entities = max_entities
        self.over_limit = False
        self.log_once = log_once
        self._on_limit = on_limit

    def room(self, entries: Sized) -> bool:
        """Return True if one more entity fits next to ``entries``."""
        if len(entries) < self.max_entities:
            return True
        self._reached()
        return False

    def admit(self, entity_id: str, state: Any, entries: Mapping[str, Any]) -> bool:
        """Return True if a fetched state may be stored next to ``entries``."""
        if not self.acceptable(entity_id, state):
            self.log_once("snapshot_state", "Ignoring malformed states from %s")
            return False
        return entity_id in entries or self.room(entries)

    def _reached(self) -> None:
        if self.over_limit:
            return
        self.over_limit = True
        self.log_once(
            "entity_limit",
            "Mirroring only the first %s entities of the remote at %s",
            self.max_entities,
        )
        self._on_limit(True)

    def accepted(self, states: Iterable[Any], keep: EntityFilter) -> dict[str, State]:
        """Return the kept states of a snapshot or fill, by entity id.

        A whole snapshot decides the cap anew: one that fits clears it.
        """
        was_over, self.over_limit = self.over_limit, False
        fresh: dict[str, State] = {}
        rejected = False
        limit = self.max_entities
        for state in states:
            entity_id = state.get("entity_id") if type(state) is dict else None
            if type(entity_id) is not str or not self.acceptable(entity_id, state):
                rejected = True
                continue
            if not keep(entity_id):
                continue
            if entity_id in fresh or len(fresh) < limit:
                fresh[entity_id] = state
            else:
                self.over_limit = True
        if rejected:
            self.log_once("snapshot_state", "Ignoring malformed states from %s")
        if self.over_limit and not was_over:
            self.over_limit = False
            self._reached()
        elif was_over and not self.over_limit:
            self._on_limit(False)
        return fresh

    @staticmethod
    def acceptable(entity_id: str, state: Any) -> bool:
        """Return True for a full, serialisable state filed under its own id."""
        return valid_entity_id(entity_id) and acceptable_state(entity_id, state)
