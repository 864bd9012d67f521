"""Telling a drop for overload from any other drop, and who caused it.

Home Assistant drops a websocket client that falls 4,096 messages behind
("Client unable to keep up with pending messages"). The client sees nothing
but an ordinary close (code 1000, no reason), so a close by the remote right
after a flood of changes is taken for one. A bridge that is always too slow
would otherwise reconnect, download everything and be dropped again, once a
backoff step after the other: the supervisor keeps the backoff growing
instead, and the busiest domains tell the user what to filter out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
import time
from typing import Final

# Changes within the window before a close by the remote that make it a drop
# for overload: far more than a home makes, fewer than a 4,096-message backlog.
FLOOD_CHANGES: Final = 2_000
FLOOD_WINDOW: Final = 10.0
# A link that stays up this long after overload drops has calmed down.
CALM_SECONDS: Final = 300.0
# Drops for overload in a row that raise the repair issue (one is a burst).
OVERLOAD_REPAIR_AFTER: Final = 2
# Words of the remote's close reason, should a remote ever send one.
_OVERLOAD_REASON: Final = "keep up"


class DomainActivity:
    """Changes per domain in the last window (two buckets of ``FLOOD_WINDOW``)."""

    __slots__ = ("_clock", "_current", "_previous", "_started")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Count by ``clock`` (monotonic seconds)."""
        self._clock = clock
        self._current: Counter[str] = Counter()
        self._previous: Counter[str] = Counter()
        self._started = clock()

    def _rotate(self) -> None:
        now = self._clock()
        if now - self._started >= FLOOD_WINDOW:
            fresh = now - self._started < 2 * FLOOD_WINDOW
            self._previous = self._current if fresh else Counter()
            self._current = Counter()
            self._started = now

    def note(self, entity_ids: Iterable[str]) -> None:
        """Count the changes of one frame."""
        self._rotate()
        self._current.update(entity_id.partition(".")[0] for entity_id in entity_ids)

    def recent(self) -> int:
        """Return the changes of the last one to two windows."""
        self._rotate()
        return self._current.total() + self._previous.total()

    def flooded(self) -> bool:
        """Return True if a close now would be a drop for overload."""
        return self.recent() >= FLOOD_CHANGES

    def busiest(self, count: int = 3) -> list[tuple[str, int]]:
        """Return the domains with the most recent changes, busiest first."""
        self._rotate()
        return (self._current + self._previous).most_common(count)


def overload_close(reason: str) -> bool:
    """Return True if a close reason says the remote dropped us for overload."""
    return _OVERLOAD_REASON in reason.lower()
