"""BackoffPolicy: 2, 4, 8, ... capped, 0-10 % jitter, max attempts."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.remote_bridge.remote import BackoffPolicy


def test_schedule_without_jitter() -> None:
    """The first retry (attempt 1) waits 2 s, doubling up to max_delay."""
    policy = BackoffPolicy(max_delay=60)
    assert [policy.delay(attempt, rand=0.0) for attempt in range(1, 10)] == [
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
        60,
    ]


def test_huge_attempt_does_not_overflow() -> None:
    """A remote down for days: the exponent is capped, the delay too."""
    assert BackoffPolicy(max_delay=60).delay(10_000, rand=0.0) == 60


def test_jitter_at_most_ten_percent() -> None:
    """rand=1 adds exactly 10 %; the default rand stays in 0-10 %."""
    policy = BackoffPolicy(max_delay=30)
    assert policy.delay(2, rand=1.0) == pytest.approx(4.4)
    delays = {policy.delay(3) for _ in range(200)}
    assert all(8 <= delay <= 8.8 for delay in delays)
    assert len(delays) > 1  # it really is random


@settings(max_examples=200, database=None)
@given(
    attempt=st.integers(1, 200),
    max_delay=st.floats(0.5, 3600),
    rand=st.floats(0, 1),
)
def test_delay_bounds(attempt: int, max_delay: float, rand: float) -> None:
    """Always min(2**attempt, max_delay) plus 0-10 %."""
    base = min(2.0**attempt, max_delay)
    delay = BackoffPolicy(max_delay=max_delay).delay(attempt, rand=rand)
    assert base <= delay <= base * 1.1 + 1e-9


def test_max_attempts() -> None:
    """0 retries forever; N gives up once N attempts failed."""
    forever = BackoffPolicy(max_attempts=0)
    assert not any(forever.exhausted(n) for n in range(1000))
    three = BackoffPolicy(max_attempts=3)
    assert [three.exhausted(n) for n in range(5)] == [False, False, False, True, True]
