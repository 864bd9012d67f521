"""Scenario 10: remote events fired here as ``remote_bridge_event``, bounded.

The remote fires ``acc_test_event`` inside its own loop (the ``rb_test_helper``
component); the bridge forwards each as ``remote_bridge_event`` with the
remote's data, in order, and never under the original type. A burst of 10,000
passes at most ``forward_events_rate`` per second (a token bucket: over any
span of t seconds at most rate * (t + 1)); the rest is dropped and counted, one
warning per burst, and the link stays up.
"""

from __future__ import annotations

from datetime import datetime
import logging
import re
import time
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
import pytest

from custom_components.remote_bridge.bridge import RemoteBridge
from tests.remote_ha import RemoteHA

from .conftest import Figures, add_bridge, bridge_of, wait_for

EVENT = "acc_test_event"
RATE = 100
BURST = 10_000
ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


class BucketClock:
    """The rate bucket's clock, remembering what it last told the bucket."""

    def __init__(self, offset: float = 0.0) -> None:
        """Run ``offset`` seconds ahead of the monotonic clock."""
        self.offset = offset
        self.last = 0.0

    def __call__(self) -> float:
        """Return the time, and remember it."""
        self.last = time.monotonic() + self.offset
        return self.last


class Arrivals:
    """The local events of one type, with when each arrived.

    With a ``BucketClock``, the time is the one the bucket decided at: an
    event is fired in the same call, so the bound is checked on the bucket's
    own readings, not on a slightly later clock.
    """

    def __init__(
        self, hass: HomeAssistant, event_type: str, clock: BucketClock | None = None
    ) -> None:
        """Start listening (``close`` stops)."""
        self.events: list[Event] = []
        self.times: list[float] = []

        @callback
        def on_event(event: Event) -> None:
            self.times.append(clock.last if clock else time.monotonic())
            self.events.append(event)

        self.close = hass.bus.async_listen(event_type, on_event)

    def __len__(self) -> int:
        """Return how many arrived."""
        return len(self.events)


async def fire(
    remote: RemoteHA, count: int, data: dict[str, Any], yield_every: int | None = None
) -> dict[str, Any]:
    """Fire ``count`` events on the remote, in its loop; return its timing."""
    service_data: dict[str, Any] = {"event_type": EVENT, "count": count, "data": data}
    if yield_every:
        service_data["yield_every"] = yield_every
    result = await remote.ws_command(
        {
            "type": "call_service",
            "domain": "rb_test_helper",
            "service": "fire_events",
            "service_data": service_data,
            "return_response": True,
        }
    )
    response: dict[str, Any] = result["response"]
    return response


def handled(bridge: RemoteBridge) -> int:
    """Return the events the bridge took in: forwarded and dropped."""
    stats = bridge.stats
    return stats.events_forwarded + stats.events_dropped


async def test_events_forwarded_in_order(
    local: HomeAssistant, remote_live: RemoteHA, figures: Figures
) -> None:
    """50 remote events become 50 remote_bridge_event here, in order, with data."""
    entry = await add_bridge(local, remote_live, forward_events=[EVENT])
    bridge = bridge_of(entry)
    fired = Arrivals(local, "remote_bridge_event")
    originals = Arrivals(local, EVENT)
    started = time.monotonic()
    await fire(remote_live, 50, {"text": "hello", "nested": {"list": [1, 2]}})
    await wait_for(lambda: len(fired) == 50, within=10, what="50 forwarded events")
    figures("50 events, fired to all forwarded (s)", time.monotonic() - started)

    assert [event.data["data"] for event in fired.events] == [
        {"text": "hello", "nested": {"list": [1, 2]}, "n": n} for n in range(50)
    ]
    for event in fired.events:
        assert event.data["entry_id"] == entry.entry_id
        assert event.data["event_type"] == EVENT
        assert event.data["origin"] == "LOCAL"
        assert datetime.fromisoformat(event.data["time_fired"]).tzinfo is not None
        assert ULID.fullmatch(event.context.id)  # the remote's context id
    assert len(originals) == 0  # never fired here under the remote's type
    assert (bridge.stats.events_forwarded, bridge.stats.events_dropped) == (50, 0)
    fired.close()
    originals.close()


async def test_burst_is_bounded_and_link_survives(
    local: HomeAssistant,
    remote_live: RemoteHA,
    figures: Figures,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """10,000 events at once: at most the rate passes, the rest is counted."""
    entry = await add_bridge(
        local, remote_live, forward_events=[EVENT], forward_events_rate=RATE
    )
    bridge = bridge_of(entry)
    snapshots = bridge.link.snapshots
    assert bridge.link.forwarder is not None
    clock = bridge.link.forwarder.bucket.clock = BucketClock()
    fired = Arrivals(local, "remote_bridge_event", clock)
    caplog.set_level(logging.WARNING)

    # Yielding every 100 keeps the remote's send queue (4,096) from overflowing:
    # the bound is the bridge's, not the remote's dropping a slow subscriber.
    timing = await fire(remote_live, BURST, {"burst": True}, yield_every=100)
    took = await wait_for(
        lambda: handled(bridge) == BURST, within=60, what="the burst to arrive"
    )
    stats = bridge.stats
    forwarded, dropped = stats.events_forwarded, stats.events_dropped
    span = fired.times[-1] - fired.times[0]
    busiest = max(
        sum(1 for t in fired.times if start <= t < start + 1.0) for start in fired.times
    )
    figures("burst fired on the remote (s)", float(timing["seconds"]))
    figures("burst arrived, after firing (s)", took)
    figures("forwarded / dropped", f"{forwarded} / {dropped}")
    figures("forwarded span (s)", span)
    figures("most forwarded in any 1 s", busiest)

    assert forwarded + dropped == BURST
    assert len(fired) == forwarded
    # The token bucket's bound: over any span of t s, at most RATE * (t + 1).
    assert forwarded <= RATE * (span + 1) + 1e-6
    assert busiest <= 2 * RATE
    assert dropped > 0  # the remote fired far faster than RATE per second
    # In order, whatever was dropped.
    numbers = [event.data["data"]["n"] for event in fired.events]
    assert numbers == sorted(numbers)
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and "events per second" in r.getMessage()
    ]
    figures("burst warnings", len(warnings))
    assert 1 <= len(warnings) <= 3  # per burst, not per dropped event

    # The link survived: never dropped (no resync), and later events arrive.
    assert bridge.link.connected
    assert bridge.link.snapshots == snapshots
    clock.offset = 10.0  # the bucket refills as if 10 s had passed
    await fire(remote_live, 5, {"after": True})
    await wait_for(
        lambda: len(fired) == forwarded + 5, within=10, what="events after the burst"
    )
    assert [event.data["data"] for event in fired.events[-5:]] == [
        {"after": True, "n": n} for n in range(5)
    ]
    fired.close()
