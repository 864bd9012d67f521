"""The heartbeat: a ping over the live link, so that a dead one is noticed.

A remote that vanished without closing the socket (a pulled cable, a host
gone to sleep) leaves TCP silent for minutes: a pong later than the timeout
closes the socket instead, and the supervisor reconnects. Each round trip is
the link's latency.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time

from .channel import CommandChannel
from .exceptions import CannotConnect, CommandFailed


class Heartbeat:
    """Pings over one link at a time; keeps the last round trip."""

    def __init__(self, *, on_silence: Callable[[], None]) -> None:
        """Call ``on_silence()`` when a pong is late, before closing the socket."""
        self._on_silence = on_silence
        self.clock: Callable[[], float] = time.monotonic  # times the round trip
        self.latency_ms: float | None = None
        self.task: asyncio.Task[None] | None = None

    def start(
        self, channel: CommandChannel, *, interval: float, answer_within: float
    ) -> None:
        """Ping over ``channel`` every ``interval`` seconds until it drops."""
        self.task = asyncio.create_task(
            self._beat(channel, interval, answer_within),
            name="remote_bridge heartbeat",
        )

    async def _beat(
        self, channel: CommandChannel, interval: float, answer_within: float
    ) -> None:
        while True:
            await asyncio.sleep(interval)
            started = self.clock()
            try:
                await channel.send({"type": "ping"}, answer_within=answer_within)
            except CommandFailed:
                self._on_silence()
                await channel.ws.close()
                return
            except CannotConnect:
                return
            self.latency_ms = round((self.clock() - started) * 1000, 1)
