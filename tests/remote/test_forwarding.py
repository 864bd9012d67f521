"""Forwarded remote events: the rate bound and the checks of hostile input."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from custom_components.remote_bridge.remote.forwarding import (
    MAX_EVENT_DATA_BYTES,
    EventForwarder,
    RemoteEvent,
)
from custom_components.remote_bridge.remote.ratelimit import TokenBucket, Verdict

ULID = "01JDX4S5Q9B6W7YH4ZC0ZC5V9M"
FIRED = "2026-12-03T15:00:00.123456+00:00"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        """Start at an arbitrary time."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the current time."""
        return self.now


def remote_event(**changes: Any) -> dict[str, Any]:
    """Return an event as a remote Home Assistant sends it."""
    return {
        "event_type": "acc_test_event",
        "data": {"n": 1},
        "origin": "LOCAL",
        "time_fired": "2026-12-03T15:00:00.123456+00:00",
        "context": {"id": ULID, "parent_id": None, "user_id": None},
        **changes,
    }


def deep(levels: int) -> dict[str, Any]:
    """Return an object nested ``levels`` deep."""
    data: dict[str, Any] = {}
    for _ in range(levels):
        data = {"a": data}
    return data


def forwarder(
    rate: float = 100, clock: Clock | None = None
) -> tuple[EventForwarder, list[RemoteEvent]]:
    """Return a forwarder and the list its handler fills."""
    got: list[RemoteEvent] = []
    return (
        EventForwarder(
            got.append,
            rate=rate,
            url="http://remote:8123",
            logger=logging.getLogger("test_forwarding"),
            clock=clock or Clock(),
        ),
        got,
    )


def test_bucket_bounds_every_span() -> None:
    """Over any span of t seconds, at most rate * (t + 1) pass."""
    clock = Clock()
    bucket = TokenBucket(10, clock=clock)
    passed: list[float] = []
    # 2,000 takes over 10 s: 200 per second, twenty times the rate.
    for step in range(2000):
        clock.now = 1000.0 + step * 0.005
        if bucket.take() is Verdict.FORWARD:
            passed.append(clock.now)
    assert len(passed) <= 10 * (10 + 1)
    assert len(passed) >= 10 * 10  # and the rate is reached
    for start in passed:
        for span in (0.5, 1.0, 3.0):
            inside = [t for t in passed if start <= t <= start + span]
            assert len(inside) <= 10 * (span + 1)


def test_bucket_one_warning_per_burst() -> None:
    """The first drop of a burst says so; a full bucket ends the burst."""
    clock = Clock()
    bucket = TokenBucket(3, clock=clock)
    verdicts = [bucket.take() for _ in range(6)]
    assert verdicts == [Verdict.FORWARD] * 3 + [Verdict.DROP_FIRST] + [Verdict.DROP] * 2
    clock.now += 0.5  # 1.5 tokens back: still the same burst
    assert [bucket.take(), bucket.take()] == [Verdict.FORWARD, Verdict.DROP]
    clock.now += 2  # full again: the next drop starts a new burst
    assert [bucket.take() for _ in range(4)][-1] is Verdict.DROP_FIRST


def test_bucket_clock_stepping_back_refills_nothing() -> None:
    """A clock that goes back grants no tokens."""
    clock = Clock()
    bucket = TokenBucket(1, clock=clock)
    assert bucket.take() is Verdict.FORWARD
    clock.now -= 100
    assert bucket.take() is Verdict.DROP_FIRST
    clock.now += 50  # still before the first take
    assert bucket.take() is Verdict.DROP


def test_bucket_rate_must_be_positive() -> None:
    """A zero rate is a mistake, not "drop everything"."""
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)


def test_forwards_checked_event() -> None:
    """An honest event passes with every field, under the subscribed type."""
    forward, got = forwarder()
    forward.take("acc_test_event", remote_event(event_type="state_changed"))
    assert got == [
        RemoteEvent(
            event_type="acc_test_event",
            data={"n": 1},
            origin="LOCAL",
            time_fired="2026-12-03T15:00:00.123456+00:00",
            context_id=ULID,
        )
    ]
    assert (forward.forwarded, forward.dropped) == (1, 0)


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        "text",
        remote_event(data=None),
        remote_event(data=[1, 2]),
        remote_event(data="x"),
        {"event_type": "acc_test_event"},
        remote_event(data={"big": "x" * MAX_EVENT_DATA_BYTES}),
        remote_event(data=deep(300)),  # read, but deeper than orjson writes
    ],
)
def test_drops_malformed_event(event: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Data that is not a small JSON object is dropped, counted, warned once."""
    forward, got = forwarder()
    forward.take("acc_test_event", event)
    forward.take("acc_test_event", event)
    assert got == []
    assert (forward.forwarded, forward.dropped) == (0, 2)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "http://remote:8123" in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("changes", "origin", "time_fired", "context_id"),
    [
        ({"origin": ["LOCAL"]}, None, FIRED, ULID),
        ({"origin": "ELSEWHERE"}, None, FIRED, ULID),
        ({"time_fired": "yesterday"}, "LOCAL", None, ULID),
        ({"time_fired": "2026-12-03" + " " * 100}, "LOCAL", None, ULID),
        ({"time_fired": 12}, "LOCAL", None, ULID),
        ({"context": None}, "LOCAL", "2026-12-03T15:00:00.123456+00:00", None),
        (
            {"context": {"id": ULID.lower()}},
            "LOCAL",
            "2026-12-03T15:00:00.123456+00:00",
            None,
        ),
        (
            {"context": {"id": "x" * 26}},
            "LOCAL",
            "2026-12-03T15:00:00.123456+00:00",
            None,
        ),
        ({"context": {"id": ["a"]}}, "LOCAL", "2026-12-03T15:00:00.123456+00:00", None),
        (
            {"context": {"id": "8" + ULID[1:]}},
            "LOCAL",
            "2026-12-03T15:00:00.123456+00:00",
            None,
        ),
    ],
)
def test_odd_fields_are_not_trusted(
    changes: dict[str, Any],
    origin: str | None,
    time_fired: str | None,
    context_id: str | None,
) -> None:
    """Fields that do not look like Home Assistant's become None; the event passes."""
    forward, got = forwarder()
    forward.take("acc_test_event", remote_event(**changes))
    assert got == [
        RemoteEvent(
            event_type="acc_test_event",
            data={"n": 1},
            origin=origin,
            time_fired=time_fired,
            context_id=context_id,
        )
    ]


def test_rate_bound_counts_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    """A burst passes ``rate`` events, counts the rest, and warns once."""
    clock = Clock()
    forward, got = forwarder(rate=5, clock=clock)
    for n in range(100):
        forward.take("acc_test_event", remote_event(data={"n": n}))
    assert [event.data["n"] for event in got] == [0, 1, 2, 3, 4]
    assert (forward.forwarded, forward.dropped) == (5, 95)
    clock.now += 1.0  # the burst is over: the next ones pass
    forward.take("acc_test_event", remote_event(data={"n": 100}))
    assert got[-1].data == {"n": 100}
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        (
            "More than 5 events per second from http://remote:8123: dropping "
            "events until the burst is over (counted in events_dropped)"
        )
    ]


def test_failing_handler_does_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    """A handler that raises is logged; the link's reader never sees it."""

    def broken(_event: RemoteEvent) -> None:
        raise RuntimeError("boom")

    forward = EventForwarder(
        broken,
        rate=10,
        url="http://remote:8123",
        logger=logging.getLogger("test_forwarding"),
    )
    forward.take("acc_test_event", remote_event())
    assert forward.forwarded == 0
    assert "Forwarding an event from http://remote:8123 failed" in caplog.text
