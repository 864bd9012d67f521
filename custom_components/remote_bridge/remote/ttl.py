"""The TTL clock: how long the mirror's entries stay valid while the link is down.

While the link is up the entries are authoritative. When it drops, the clock
starts: an entry stays valid for ``seconds`` counted from the drop, or from a
later REST fetch of it, whichever is newer.
"""

from __future__ import annotations

from collections.abc import Callable
import time


class TtlClock:
    """Ages the mirror's entries while the link is down."""

    __slots__ = ("_down_since", "clock", "seconds")

    def __init__(
        self, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Age by ``clock`` (monotonic seconds; tests inject their own)."""
        self.seconds = seconds
        self.clock = clock
        self._down_since: float | None = None

    @property
    def running(self) -> bool:
        """Return True while the link is down and entries age."""
        return self._down_since is not None

    def start(self) -> None:
        """Let entries age from now: the link dropped (a second call is a no-op)."""
        if self._down_since is None:
            self._down_since = self.clock()

    def stop(self) -> None:
        """Stop the aging: the link is up, entries are authoritative again."""
        self._down_since = None

    def fresh_since(self, since: float) -> bool:
        """Return True if something confirmed at ``since`` is still valid."""
        if self._down_since is None:
            return True
        return self.clock() - max(self._down_since, since) < self.seconds
