"""Remote events passed on to the owner: checked, bounded in size and rate.

The remote is not trusted: an event whose data is not a JSON object, is too
big, or cannot be written back as JSON is dropped (one warning per kind of
fault), its other fields are kept only when they look like what Home Assistant
sends, and at most ``rate`` events per second pass (``ratelimit``). Nothing an
event holds can end the link: every fault is caught here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import logging
import re
import time
from typing import Any

import orjson

from .ratelimit import TokenBucket, Verdict
from .subscriptions import log_once_factory

# The data of one event, as JSON; Home Assistant's recorder stores events of up
# to 32 KiB, and the bridge wraps the remote's data with a few fields.
MAX_EVENT_DATA_BYTES = 32_000
# A ULID as Home Assistant makes its context ids (upper-case Crockford base32).
_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")
_ORIGINS = frozenset({"LOCAL", "REMOTE"})
_MAX_TIME_LENGTH = 40


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteEvent:
    """One remote event that passed every check."""

    event_type: str
    data: dict[str, Any]
    # "LOCAL" or "REMOTE" as the remote reported it; None when it sent neither.
    origin: str | None
    # ISO 8601 as the remote sent it; None when missing or unreadable.
    time_fired: str | None
    # The remote's context id when it is a ULID; None otherwise.
    context_id: str | None


type RemoteEventHandler = Callable[[RemoteEvent], None]


class EventForwarder:
    """Check, bound and count the remote events of the subscribed types."""

    def __init__(
        self,
        handler: RemoteEventHandler,
        *,
        rate: float,
        url: str,
        logger: logging.Logger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Pass at most ``rate`` events per second to ``handler``."""
        self._handler = handler
        self._url = url
        self._logger = logger
        self._log_once = log_once_factory(logger, url)
        self.bucket = TokenBucket(rate, clock=clock)
        self.forwarded = 0
        self.dropped = 0

    def handler_for(self, event_type: str) -> Callable[[dict[str, Any]], None]:
        """Return the subscription handler of ``event_type``.

        The type is the one subscribed to, whatever the event claims to be.
        """

        def handle(event: dict[str, Any]) -> None:
            self.take(event_type, event)

        return handle

    def take(self, event_type: str, event: Any) -> None:
        """Pass ``event`` on, or count it as dropped; never raises."""
        verdict = self.bucket.take()
        if verdict is not Verdict.FORWARD:
            self.dropped += 1
            if verdict is Verdict.DROP_FIRST:
                self._logger.warning(
                    "More than %s events per second from %s: dropping events "
                    "until the burst is over (counted in events_dropped)",
                    int(self.bucket.rate),
                    self._url,
                )
            return
        if (checked := self._check(event_type, event)) is None:
            self.dropped += 1
            return
        try:
            self._handler(checked)
        except Exception:
            # A failing owner must not end the link for everyone.
            self._logger.exception("Forwarding an event from %s failed", self._url)
            return
        self.forwarded += 1

    def _check(self, event_type: str, event: Any) -> RemoteEvent | None:
        if type(event) is not dict or type(data := event.get("data")) is not dict:
            self._log_once(
                "event_data", "Dropping an event whose data is not an object from %s"
            )
            return None
        try:
            size = len(orjson.dumps(data))
        except orjson.JSONEncodeError:  # nested deeper than orjson writes
            size = MAX_EVENT_DATA_BYTES + 1
        if size > MAX_EVENT_DATA_BYTES:
            self._log_once(
                "event_size",
                "Dropping an event with more than %s bytes of data from %s",
                MAX_EVENT_DATA_BYTES,
            )
            return None
        origin = event.get("origin")
        context = event.get("context")
        context_id = context.get("id") if type(context) is dict else None
        return RemoteEvent(
            event_type=event_type,
            data=data,
            origin=origin if type(origin) is str and origin in _ORIGINS else None,
            time_fired=_iso_time(event.get("time_fired")),
            context_id=(
                context_id
                if type(context_id) is str and _ULID.fullmatch(context_id)
                else None
            ),
        )


def _iso_time(value: Any) -> str | None:
    """Return ``value`` if it is an ISO 8601 time, else None."""
    if type(value) is not str or len(value) > _MAX_TIME_LENGTH:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return None
    return value
