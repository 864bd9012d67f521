"""A real remote that drops the bridge for falling behind (the test hass).

Home Assistant drops a websocket client 4,096 messages behind. Seen from the
client (measured here) that is an ordinary close, code 1000 with no reason,
and often before any message of the burst arrived; the remote takes the
bridge back at once.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.remote_bridge.remote import ClientOptions, RemoteLink
from tests.conftest import RemoteHass

from .conftest import wait_for


def flood(hass: HomeAssistant, round_: int) -> None:
    """Set 6,000 states without yielding: more than the remote will queue."""
    for number in range(6_000):
        hass.states.async_set(f"sensor.flood_{number % 100}", f"{round_}-{number}")
    hass.states.async_set(f"light.quiet_{round_}", "on")


def snapshots_are(link: Any, count: int) -> bool:
    """Return True once ``link`` took exactly ``count`` snapshots."""
    return bool(link.snapshots == count)


async def test_overload_drops_keep_the_backoff_growing(
    remote: RemoteHass, session: Any
) -> None:
    """Each drop for overload waits longer; from the second, the busiest domains."""
    delays: list[float] = []
    overloads: list[list[tuple[str, int]] | None] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    link = RemoteLink(
        session,
        remote.url,
        remote.token,
        options=ClientOptions(),
        sleep=sleep,
        on_overload=overloads.append,
    )
    await link.connect()
    runner = asyncio.ensure_future(link.run())
    try:
        for round_ in range(1, 4):
            flood(remote.hass, round_)
            await wait_for(partial(snapshots_are, link, round_ + 1), within=10)
            await wait_for(lambda: link.connected)
    finally:
        await link.stop()
        await runner
    # 2, 4, 8 s (plus jitter) instead of 2 s each time.
    assert [int(delay) for delay in delays] == [2, 4, 8], delays
    assert link.stats().overload_drops == 3
    assert len(overloads) == 2
    busiest = overloads[-1]
    assert busiest is not None
    assert busiest[0][0] == "sensor"
