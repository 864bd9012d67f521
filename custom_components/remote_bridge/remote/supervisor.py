"""The supervisor: keeps a client's link up, retrying with backoff.

It decides *when* to connect (the documented schedule, a wake-up from
``reconnect()``, giving up after the allowed attempts); the client decides
*how* (handshake, subscriptions, snapshot).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum
import logging
from typing import TYPE_CHECKING

from .backoff import BackoffPolicy
from .exceptions import InvalidAuth, RemoteBridgeError

if TYPE_CHECKING:
    from .client import RemoteClient


class ConnectionState(StrEnum):
    """Where the link to the remote stands."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"  # gave up after reconnect_max_attempts
    AUTH_FAILED = "auth_failed"
    STOPPED = "stopped"


class Supervisor:
    """Reconnect a ``RemoteClient`` until it is stopped or its token refused."""

    def __init__(
        self,
        client: RemoteClient,
        backoff: BackoffPolicy,
        *,
        sleep: Callable[[float], Awaitable[None]],
        logger: logging.Logger,
    ) -> None:
        """Supervise ``client``; ``sleep`` waits out each backoff delay.

        ``sleep`` may be replaced at any time (tests make the waits instant).
        """
        self._client = client
        self._backoff = backoff
        self.sleep = sleep
        self._logger = logger
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._run_done = asyncio.Event()
        self.reconnect_attempts = 0
        self.gave_up = False

    def connected(self) -> None:
        """Note that the link is up: a new outage counts from 1 again."""
        self.reconnect_attempts = 0
        self.gave_up = False

    def wake(self) -> None:
        """Retry now: skip the current backoff wait (or stop waiting)."""
        self._wake.set()

    def wake_with_fresh_count(self) -> None:
        """Retry now with a fresh attempt count (the ``reconnect`` action)."""
        self.reconnect_attempts = 0
        self._wake.set()

    async def wait_ended(self) -> None:
        """Return once ``run()`` has ended (at once if it never ran)."""
        runner = self._runner
        if runner is not None and runner is not asyncio.current_task():
            await self._run_done.wait()

    async def run(self) -> None:
        """Keep the link up until the client stops or its token is refused."""
        self._runner = asyncio.current_task()
        try:
            await self._supervise()
        finally:
            self._runner = None
            self._run_done.set()

    async def _supervise(self) -> None:
        client = self._client
        self._run_done.clear()
        if client.auth_failed():
            return  # never retried: only new credentials (reauth) help
        while not client.stopping():
            if client.has_link():
                await client.wait_link_closed()
                if client.stopping():
                    break
                client.report_state(ConnectionState.RECONNECTING)
            if await self._reconnect_with_backoff():
                continue
            if client.auth_failed() or client.stopping():
                return
            # Gave up: wait for reconnect() or stop(). The wake stays set so
            # the next attempt starts at once instead of after a backoff.
            await self._wake.wait()
            self.reconnect_attempts = 0
            self.gave_up = False
            if not client.stopping():
                client.report_state(ConnectionState.RECONNECTING)

    async def _reconnect_with_backoff(self) -> bool:
        """Retry until connected (True) or auth failed / gave up (False)."""
        client = self._client
        await client.close_link()
        while not client.stopping():
            if self._backoff.exhausted(self.reconnect_attempts):
                self.gave_up = True
                client.report_state(ConnectionState.DISCONNECTED)
                return False
            if not self._wake.is_set():
                await self._wait_or_wake(
                    self._backoff.delay(self.reconnect_attempts + 1)
                )
            self._wake.clear()
            if client.stopping():
                break
            self.reconnect_attempts += 1
            client.report_state(ConnectionState.RECONNECTING)
            try:
                await client.connect()
            except InvalidAuth:
                return False
            except RemoteBridgeError as err:
                self._logger.debug(
                    "Reconnect attempt %s to %s failed: %s",
                    self.reconnect_attempts,
                    client.base_url,
                    err,
                )
                continue
            return True
        return False

    async def _wait_or_wake(self, delay: float) -> None:
        sleeper = asyncio.ensure_future(self.sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
