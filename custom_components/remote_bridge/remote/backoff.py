"""The reconnect delay schedule: exponential, capped, with a little jitter."""

from __future__ import annotations

from dataclasses import dataclass
import random


@dataclass(frozen=True, slots=True, kw_only=True)
class BackoffPolicy:
    """``min(2**attempt, max_delay)`` seconds plus 0-10 % random jitter.

    ``attempt`` numbers the retries of the current outage from 1, so the first
    retry waits about 2 s, then 4, 8 ... up to the cap. Jitter keeps many
    bridges that lost the same remote from reconnecting in lockstep.
    """

    max_delay: float = 60.0
    max_attempts: int = 0  # 0: retry forever
    jitter: float = 0.1

    def delay(self, attempt: int, rand: float | None = None) -> float:
        """Return the seconds to wait before retry number ``attempt`` (from 1)."""
        # 2**attempt overflows a float long before it matters: cap the exponent.
        base = min(2.0 ** min(attempt, 64), self.max_delay)
        if rand is None:
            rand = random.random()  # noqa: S311 - jitter, not cryptography
        return base * (1.0 + self.jitter * rand)

    def exhausted(self, attempts: int) -> bool:
        """Return True once ``attempts`` failed attempts use up the allowance."""
        return self.max_attempts > 0 and attempts >= self.max_attempts
