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
from .exceptions import InvalidAuth
from .overload import CALM_SECONDS

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
        on_overload: Callable[[int], None],
    ) -> None:
        """Supervise ``client``; ``sleep`` waits out each backoff delay.

        ``sleep`` may be replaced at any time (tests make the waits instant).
        ``on_overload(drops)`` hears each change of the drops for overload in
        a row (0: the streak ended).
        """
        self._on_overload = on_overload
        self._client = client
        self._backoff = backoff
        self.sleep = sleep
        self._logger = logger
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._run_done = asyncio.Event()
        self.reconnect_attempts = 0
        self.gave_up = False
        # Drops for overload in a row: they keep the backoff growing.
        self.overload_drops = 0
        # True when the last successful connect() was the first attempt.
        self._back_at_once = False

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
            # A clean close by a remote that takes us back at once is a drop
            # for overload too: Home Assistant's close carries no reason.
            suspect = False
            if client.has_link():
                await self._wait_link_closed()
                if client.stopping():
                    break
                client.report_state(ConnectionState.RECONNECTING)
                if client.frames.dropped_for_overload():
                    self._note_drop(overload=True)
                elif not (suspect := client.frames.remote_close is not None):
                    self._note_drop(overload=False)
            if await self._reconnect_with_backoff():
                if suspect:
                    self._note_drop(overload=self._back_at_once)
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

    async def _wait_link_closed(self) -> None:
        """Wait for the link to drop; a long calm ends a streak of overloads."""
        client = self._client
        if self.overload_drops:
            try:
                async with asyncio.timeout(CALM_SECONDS):
                    await client.wait_link_closed()
            except TimeoutError:
                self._note_drop(overload=False)
            else:
                return
        await client.wait_link_closed()

    def _note_drop(self, *, overload: bool) -> None:
        """Count drops for overload in a row; any other drop ends the streak."""
        drops = self.overload_drops + 1 if overload else 0
        if drops == self.overload_drops:
            return
        self.overload_drops = drops
        if overload:
            self._logger.warning(
                "The remote at %s dropped the link, most likely because this "
                "bridge fell behind its changes (%s time(s) in a row)",
                self._client.base_url,
                drops,
            )
        self._on_overload(drops)

    async def _reconnect_with_backoff(self) -> bool:
        """Retry until connected (True) or auth failed / gave up (False)."""
        client = self._client
        try:
            await client.close_link()
        except Exception as err:  # noqa: BLE001 - a socket that will not close
            client.frames.log_failure(err, "Closing the link to %s failed")
        while not client.stopping():
            if self._backoff.exhausted(self.reconnect_attempts):
                self.gave_up = True
                client.report_state(ConnectionState.DISCONNECTED)
                return False
            if not self._wake.is_set():
                # connect() resets the attempts; a remote that keeps dropping
                # us for overload must not be hit once a second anyway.
                await self._wait_or_wake(
                    self._backoff.delay(
                        self.reconnect_attempts + 1 + self.overload_drops
                    )
                )
            self._wake.clear()
            if client.stopping():
                break
            self.reconnect_attempts += 1
            client.report_state(ConnectionState.RECONNECTING)
            self._back_at_once = self.reconnect_attempts == 1
            try:
                await client.connect()
            except InvalidAuth:
                return False
            except Exception as err:  # noqa: BLE001 - any failure is one attempt
                # connect() logged an unexpected one with its traceback.
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
