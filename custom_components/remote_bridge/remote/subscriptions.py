"""The subscriptions of a link, and the decoding of their events for the ingest.

This is where the entity filter decides, once per update: a state or removal
from ``subscribe_entities`` or ``state_changed`` is checked here, a diff by the
mirror's loop that applies it (it walks them anyway). Consecutive diff-only
``subscribe_entities`` events (nearly all of a busy remote's traffic) are
collected and handed over together, in order, when something else comes or
the frame ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
import logging
from typing import Any

from .channel import CommandChannel
from .exceptions import CommandFailed
from .filters import EntityFilter
from .protocol import (
    EVENT_SERVICE_REGISTERED,
    EVENT_SERVICE_REMOVED,
    EVENT_STATE_CHANGED,
    UNSUPPORTED_CODES,
    State,
    expand_compressed_state,
)
from .validate import acceptable_state, serialisable, valid_entity_id

# What a malformed message can raise while it is taken apart (a timestamp
# out of range raises OverflowError or OSError).
MALFORMED = (KeyError, TypeError, AttributeError, ValueError, ArithmeticError, OSError)


class SubscriptionKind(StrEnum):
    """How state changes are subscribed."""

    ENTITIES = "subscribe_entities"
    STATE_CHANGED = "state_changed"
    NONE = "none"  # the filter matches nothing


def _ignore(*_args: Any) -> None:
    """Do nothing: the default for a callback nobody listens to."""


def _count_diffs(batch: list[dict[str, Any]]) -> int:
    """Keep no diffs; count them all (the default for ``state_diffs``)."""
    return sum(map(len, batch))


@dataclass(slots=True, kw_only=True)
class IngestCallbacks:
    """Where decoded changes go; every callback runs in the event loop."""

    # A full new state of a kept entity, or None when it was removed.
    state: Callable[[str, State | None], None] = _ignore
    # subscribe_entities diffs (``{entity_id: diff}`` dicts, unfiltered), in
    # order; returns how many passed the filter.
    state_diffs: Callable[[list[dict[str, Any]]], int] = _count_diffs
    # A change of a kept entity that could not be decoded: drop its entry.
    state_invalid: Callable[[str], None] = _ignore
    # How many kept changes one event carried (the initial dump is not one).
    changes: Callable[[int], None] = _ignore
    # The services changed (service_registered / service_removed).
    services_changed: Callable[[], None] = _ignore


class StateDecoder:
    """Turn subscription events into calls of ``IngestCallbacks``."""

    def __init__(
        self,
        entity_filter: EntityFilter,
        callbacks: IngestCallbacks,
        *,
        log_once: Callable[..., None],
    ) -> None:
        """Decide with ``entity_filter``; ``log_once(kind, message)`` warns once."""
        self._keep = entity_filter.decisions
        self._callbacks = callbacks
        self._log_once = log_once
        self._diffs: list[dict[str, Any]] = []
        # The first subscribe_entities event repeats the current states.
        self.expect_initial_dump = False

    def on_entities_event(self, event: dict[str, Any]) -> None:
        """Take one ``subscribe_entities`` event (``a``/``c``/``r``)."""
        # The common shape first: a diff-only event waits for its neighbours.
        if (
            len(event) == 1
            and type(changed := event.get("c")) is dict
            and not self.expect_initial_dump
        ):
            self._diffs.append(changed)
            return
        self.flush()
        keep = self._keep
        callbacks = self._callbacks
        changes = 0
        # One ``get`` (it also rejects a non-object event), then ``in`` tests.
        if (added := event.get("a")) is not None:
            changes += self._added(added)
        if "c" in event and (changed := event["c"]) is not None:
            if type(changed) is not dict:
                raise TypeError("the changes are an object")
            changes += callbacks.state_diffs([changed])
        if "r" in event and (removed := event["r"]) is not None:
            for entity_id in removed:
                if valid_entity_id(entity_id) and keep[entity_id]:
                    changes += 1
                    callbacks.state(entity_id, None)
        if self.expect_initial_dump:
            self.expect_initial_dump = False
            return
        if changes:
            callbacks.changes(changes)

    def _added(self, added: dict[str, Any]) -> int:
        """Hand over the full states of an ``a``; return how many were kept."""
        keep = self._keep
        callbacks = self._callbacks
        changes = 0
        for entity_id, compressed in added.items():
            if not valid_entity_id(entity_id):
                self._bad_id()
                continue
            if not keep[entity_id]:
                continue
            changes += 1
            try:
                state = expand_compressed_state(entity_id, compressed)
            except MALFORMED:
                state = None
            if state is None or not serialisable(state):
                self._log_once("state", "Ignoring a malformed state from %s")
                callbacks.state_invalid(entity_id)
                continue
            callbacks.state(entity_id, state)
        return changes

    def on_state_changed(self, event: dict[str, Any]) -> None:
        """Take one ``state_changed`` event (the full new state)."""
        self.flush()
        data = event["data"]
        entity_id = data["entity_id"]
        new_state = data["new_state"]
        if not valid_entity_id(entity_id):
            self._bad_id()
            return
        if new_state is not None and (
            type(new_state) is not dict or new_state.get("entity_id") != entity_id
        ):
            # ``light.a`` must not carry ``camera.front_door`` past the filter.
            self._log_once(
                "mismatched_id",
                "Ignoring a state_changed event whose new state is not the "
                "event's entity from %s",
            )
            return
        if not self._keep[entity_id]:
            return
        if new_state is not None and not acceptable_state(entity_id, new_state):
            self._log_once("state", "Ignoring a malformed state from %s")
            self._callbacks.state_invalid(entity_id)
            return
        self._callbacks.state(entity_id, new_state)
        self._callbacks.changes(1)

    def _bad_id(self) -> None:
        self._log_once("entity_id", "Ignoring a change of an invalid entity id from %s")

    def on_service_event(self, _event: dict[str, Any]) -> None:
        """Take a ``service_registered`` / ``service_removed`` event."""
        self.flush()
        self._callbacks.services_changed()

    def flush(self) -> None:
        """Hand over the collected diffs (before anything else, and per frame)."""
        if not self._diffs:
            return
        diffs, self._diffs = self._diffs, []
        if changes := self._callbacks.state_diffs(diffs):
            self._callbacks.changes(changes)


type EventHandler = Callable[[dict[str, Any]], None]


class Subscriptions:
    """What one link subscribes to, and the handler of each subscription id."""

    def __init__(
        self,
        entity_filter: EntityFilter,
        callbacks: IngestCallbacks,
        *,
        log_once: Callable[..., None],
    ) -> None:
        """Subscribe as ``entity_filter`` allows; decode into ``callbacks``."""
        self._filter = entity_filter
        self._log_once = log_once
        self.decoder = StateDecoder(entity_filter, callbacks, log_once=log_once)
        # Cleared when the link drops: ids belong to one socket.
        self.handlers: dict[int, EventHandler] = {}
        self.kind = SubscriptionKind.NONE
        # More event types to subscribe to on every link, and their handlers.
        self.extra_events: dict[str, EventHandler] = {}

    async def subscribe(
        self, channel: CommandChannel, *, subscribe_entities: bool
    ) -> None:
        """Subscribe to state changes, service (un)registrations, extra events."""
        await self._subscribe_states(channel, subscribe_entities=subscribe_entities)
        events: dict[str, EventHandler] = dict.fromkeys(
            (EVENT_SERVICE_REGISTERED, EVENT_SERVICE_REMOVED),
            self.decoder.on_service_event,
        )
        for event_type, handler in {**events, **self.extra_events}.items():
            await self._subscribe(
                channel,
                {"type": "subscribe_events", "event_type": event_type},
                handler,
            )

    async def _subscribe_states(
        self, channel: CommandChannel, *, subscribe_entities: bool
    ) -> None:
        if self._filter.matches_nothing:
            self.kind = SubscriptionKind.NONE
            return
        if subscribe_entities:
            self.decoder.expect_initial_dump = True
            try:
                await self._subscribe(
                    channel,
                    {"type": "subscribe_entities", **self._filter.server_filter()},
                    self.decoder.on_entities_event,
                )
            except CommandFailed as err:
                self.decoder.expect_initial_dump = False
                if err.code not in UNSUPPORTED_CODES:
                    raise
                self._log_once(
                    "no_subscribe_entities",
                    "The remote at %s does not support subscribe_entities; "
                    "falling back to state_changed events (more traffic)",
                )
            else:
                self.kind = SubscriptionKind.ENTITIES
                return
        await self._subscribe(
            channel,
            {"type": "subscribe_events", "event_type": EVENT_STATE_CHANGED},
            self.decoder.on_state_changed,
        )
        self.kind = SubscriptionKind.STATE_CHANGED

    async def _subscribe(
        self, channel: CommandChannel, message: dict[str, Any], handler: EventHandler
    ) -> None:
        # The handler is registered before sending: events may follow the
        # result in the same (coalesced) frame.
        message_id = channel.new_id()
        self.handlers[message_id] = handler
        try:
            await channel.send(message, message_id=message_id)
        except BaseException:
            self.handlers.pop(message_id, None)
            raise


def log_once_factory(logger: logging.Logger, base_url: str) -> Callable[..., None]:
    """Return ``log_once(kind, message, *args)``: one warning per kind of bad input.

    The message ends with ``from %s``: the remote's address is the last argument.
    """
    warned: set[str] = set()

    def log_once(kind: str, message: str, *args: Any) -> None:
        if kind in warned:
            return
        warned.add(kind)
        logger.warning(message, *args, base_url)

    return log_once
