"""RegistryWatcher: the remote's registries, fresh on every link and change.

It reads all four registries on every link, after the handshake and before
the link subscribes (so the sharing filter is known when the subscription is
sent), and again, coalesced, after the remote's ``*_registry_updated`` events.
A remote that refuses them (``unauthorized``, or no ``config`` API) leaves the
snapshot ``None``: everything else works without it, and one line at info
level says what is missing and why. A changed sharing list reconnects the
link: the subscription must be sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import contextlib
from enum import StrEnum
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from .exceptions import CannotConnect, CommandFailed, RemoteBridgeError
from .listeners import add_listener
from .registry import MAX_TEXT, REGISTRY_EVENTS, RegistrySnapshot, read_registry
from .sharing import SharedEntityFilter

if TYPE_CHECKING:
    from .link import RemoteLink

# Registry events come in bursts (an integration adding fifty entities).
DEBOUNCE: Final = 0.5
# After a read that failed for another reason than the token's rights.
RETRY_AFTER: Final = 30.0
READ_TIMEOUT: Final = 10.0


class RegistryStatus(StrEnum):
    """Whether the remote's registries are known."""

    UNKNOWN = "unknown"  # not read yet
    READ = "read"
    UNAUTHORIZED = "unauthorized"  # the token is not an admin's on the remote
    UNSUPPORTED = "unsupported"  # the remote runs without its `config` component
    FAILED = "failed"  # another error; retried


type SnapshotListener = Callable[[RegistrySnapshot | None], None]


class RegistryWatcher:
    """Keep a snapshot of a remote's registries, fresh on every link and change."""

    def __init__(
        self,
        link: RemoteLink,
        *,
        debounce: float = DEBOUNCE,
        logger: logging.Logger | None = None,
    ) -> None:
        """Watch ``link``'s remote; call ``start()`` before it connects."""
        self._link = link
        self._debounce = debounce
        self._logger = logger or logging.getLogger(__name__)
        self._listeners: list[SnapshotListener] = []
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._resubscribe: asyncio.Task[None] | None = None
        self._again = False
        self._told_unreadable = False
        self.snapshot: RegistrySnapshot | None = None
        # True from a reconnect for a new sharing list until the link is up:
        # that drop is no outage to report.
        self.resubscribing = False
        self.events: tuple[str, ...] = ()
        self.status = RegistryStatus.UNKNOWN
        self.last_error: str | None = None
        self.reads = 0
        self.last_read: float | None = None

    def start(self, events: Iterable[str] = REGISTRY_EVENTS) -> None:
        """Read on every link before it subscribes, and after ``events``.

        Each event type is one more subscription on the remote: subscribe to
        those whose changes matter to the caller.
        """
        self._link.client.add_open_hook(self._async_read_on_open)
        self.events = tuple(e for e in REGISTRY_EVENTS if e in set(events))
        for event_type in self.events:
            self._link.subscribe_events(event_type, self._on_event)

    def link_up(self) -> None:
        """Read once more now that the link is subscribed.

        A change made between the read of the opening and the subscription to
        the registry events would be missed otherwise.
        """
        self.resubscribing = False
        if self.events:
            self.schedule(0)

    async def async_stop(self) -> None:
        """Cancel the pending re-read and wait for a running one (on unload)."""
        tasks = [t for t in (self._task, self._resubscribe) if t is not None]
        self.stop()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        """Cancel the pending re-read (on unload)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        for task in (self._task, self._resubscribe):
            if task is not None:
                task.cancel()
        self._task = self._resubscribe = None

    def add_listener(self, listener: SnapshotListener) -> Callable[[], None]:
        """Call ``listener(snapshot)`` after every read; return the unsubscribe."""
        return add_listener(self._listeners, listener)

    async def _async_read_on_open(self) -> None:
        """Read while the link opens; only a lost link stops the opening."""
        await self._async_read(opening=True)

    def _on_event(self, _event: dict[str, Any]) -> None:
        self.schedule(self._debounce)

    def schedule(self, delay: float) -> None:
        """Re-read after ``delay`` seconds (a burst of calls reads once)."""
        if self._task is not None:
            self._again = True  # a read runs: read once more after it
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if delay <= 0:
            self._fire()
        else:
            self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._task = asyncio.create_task(
            self._async_refresh(), name="remote_bridge registry read"
        )

    async def _async_refresh(self) -> None:
        try:
            await self.async_refresh()
        finally:
            self._task = None
        if self._again:
            self._again = False
            self.schedule(self._debounce)

    async def async_refresh(self) -> None:
        """Read now and tell the listeners (a lost link is left to the next one)."""
        with contextlib.suppress(CannotConnect):
            await self._async_read(opening=False)

    async def _async_read(self, *, opening: bool) -> None:
        client = self._link.client

        async def send(message: dict[str, Any]) -> Any:
            return await client.send_command(message, answer_within=READ_TIMEOUT)

        try:
            snapshot = await read_registry(send)
        except CommandFailed as err:
            if err.code in ("unauthorized", "unknown_command"):
                self._unreadable(err.code)
            else:
                self._failed(f"{err.code}: {err.message}"[:MAX_TEXT])
        except CannotConnect:
            if opening:
                raise
            return
        except RemoteBridgeError as err:
            self._failed(type(err).__name__)
        else:
            self.snapshot = snapshot
            self.status = RegistryStatus.READ
            self.last_error = None
            self.reads += 1
            self.last_read = time.time()
        self._tell(opening=opening)

    def _unreadable(self, code: str) -> None:
        """Say once what the unreadable registries cost, and why."""
        self.snapshot = None
        unauthorized = code == "unauthorized"
        self.status = (
            RegistryStatus.UNAUTHORIZED if unauthorized else RegistryStatus.UNSUPPORTED
        )
        self.last_error = code
        if not unauthorized:
            # A stripped-down remote: the diagnostics say so; no news for the log.
            self._logger.debug("%s has no config API: no registries", self._link.url)
            return
        if self._told_unreadable:
            return
        self._told_unreadable = True
        self._logger.info(
            "The registries of %s cannot be read (the token is not an "
            "administrator's there): remote devices, areas, labels and hidden "
            "flags are unknown, so every entity stays on the bridge's device, "
            "and label, area and integration filters share nothing",
            self._link.url,
        )

    def _failed(self, error: str) -> None:
        # Keep the last snapshot: a slow answer does not make devices vanish.
        if self.snapshot is None:
            self.status = RegistryStatus.FAILED
        self.last_error = error
        self._logger.debug(
            "Reading the registries of %s failed: %s", self._link.url, error
        )
        if self._retry is None:
            self._retry = asyncio.get_running_loop().call_later(
                RETRY_AFTER, self._retry_now
            )

    def _retry_now(self) -> None:
        self._retry = None
        self.schedule(0)

    def _tell(self, *, opening: bool) -> None:
        """Apply the snapshot to the sharing filter, then tell the listeners."""
        entity_filter = self._link.entity_filter
        if (
            isinstance(entity_filter, SharedEntityFilter)
            and entity_filter.share(self.snapshot)
            and not opening
        ):
            # The subscription carries the old list: subscribe again.
            self._logger.debug(
                "What %s shares changed: reconnecting to subscribe again",
                self._link.url,
            )
            self.resubscribing = True
            if self._resubscribe is None or self._resubscribe.done():
                self._resubscribe = asyncio.get_running_loop().create_task(
                    self._link.reconnect(), name="remote_bridge resubscribe"
                )
        for listener in list(self._listeners):
            try:
                listener(self.snapshot)
            except Exception:
                self._logger.exception(
                    "A registry listener of %s failed", self._link.url
                )
