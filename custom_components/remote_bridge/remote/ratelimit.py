"""A token bucket that bounds how many remote events are passed on per second.

The bucket holds up to ``rate`` tokens and refills at ``rate`` per second, so
over any span of ``t`` seconds at most ``rate * (t + 1)`` pass: a short burst
of up to ``rate`` goes through at once, a longer one at ``rate`` per second.
A *burst* of drops starts with the first drop and ends when the bucket is full
again (a second with nothing taken): the owner warns once per burst, not once
per dropped event. The clock is injectable so tests need no real time.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
import time


class Verdict(Enum):
    """What the bucket decided about one event."""

    FORWARD = "forward"
    # Dropped, and the first drop since the bucket was last full.
    DROP_FIRST = "drop_first"
    DROP = "drop"


class TokenBucket:
    """At most ``rate`` per second on average, bursts of up to ``rate``."""

    def __init__(
        self, rate: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Start full; ``clock`` returns seconds (monotonic)."""
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = float(rate)
        self.capacity = float(rate)
        self.clock = clock
        self._tokens = self.capacity
        self._last: float | None = None
        self._bursting = False

    def take(self) -> Verdict:
        """Take a token if one is left; say whether the event may pass."""
        now = self.clock()
        if self._last is not None and now > self._last:
            self._tokens = min(
                self.capacity, self._tokens + (now - self._last) * self.rate
            )
        if self._last is None or now > self._last:
            self._last = now  # a clock that steps back refills nothing
        if self._bursting and self._tokens >= self.capacity:
            self._bursting = False
        if self._tokens >= 1:
            self._tokens -= 1
            return Verdict.FORWARD
        if self._bursting:
            return Verdict.DROP
        self._bursting = True
        return Verdict.DROP_FIRST
