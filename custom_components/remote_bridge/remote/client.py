"""RemoteClient: one WebSocket link to a remote Home Assistant.

The client opens the link (``channel``), subscribes (state changes filtered at
the source, service registrations), takes a snapshot *after* subscribing so no
change falls between the two, pings a ``heartbeat``, and routes every
frame through one dispatcher: answers to their commands, events to their
subscription's decoder (``subscriptions``). When a link drops, its
``Supervisor`` reconnects with backoff. It keeps no copy of the states and
counts nothing but its own link: ``RemoteLink`` wires it to the mirror.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
import time
from typing import Any

import aiohttp

from .backoff import BackoffPolicy
from .channel import CommandChannel, WebSocket, open_channel
from .exceptions import (
    CannotConnect,
    CommandFailed,
    InvalidAuth,
    ProtocolError,
    RemoteBridgeError,
)
from .filters import EntityFilter
from .frames import FrameRouter
from .heartbeat import Heartbeat
from .options import ClientCallbacks, ClientOptions
from .protocol import UNSUPPORTED_CODES, normalize_url, services_as_list, websocket_url
from .rest import RestApi
from .subscriptions import (
    EventHandler,
    SubscriptionKind,
    Subscriptions,
    log_once_factory,
)
from .supervisor import ConnectionState, Supervisor
from .validate import serialisable

_LOGGER = logging.getLogger(__name__)


class RemoteClient:
    """A self-healing WebSocket link to one remote Home Assistant."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        access_token: str,
        *,
        entity_filter: EntityFilter | None = None,
        options: ClientOptions | None = None,
        callbacks: ClientCallbacks | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        logger: logging.Logger | None = None,
    ) -> None:
        """Prepare a client; nothing is opened until ``connect()``."""
        logger = logger or _LOGGER
        self.base_url = normalize_url(url)
        self.ws_url = websocket_url(self.base_url)
        self._session = session
        self._token = access_token
        self._filter = entity_filter or EntityFilter(enabled=False)
        self._options = options = options or ClientOptions()
        self._callbacks = callbacks or ClientCallbacks()
        self._logger = logger
        self._log_once = log_once_factory(logger, self.base_url)
        self._subscriptions = Subscriptions(
            self._filter, self._callbacks.ingest, log_once=self._log_once
        )
        # Decides when to reconnect; it owns the outage's figures
        # (reconnect_attempts, gave_up, overload_drops) and the backoff sleep.
        self.supervisor = Supervisor(
            self,
            BackoffPolicy(
                max_delay=options.reconnect_max_delay,
                max_attempts=options.reconnect_max_attempts,
            ),
            sleep=sleep,
            logger=logger,
            on_overload=lambda drops: self._tell(self._callbacks.overload, drops),
        )
        self.rest = RestApi(
            session,
            self.base_url,
            access_token,
            verify_ssl=options.verify_ssl,
            timeout=options.command_timeout,
            max_body_bytes=options.max_frame_bytes,
        )
        self._channel: CommandChannel | None = None
        self._reader: asyncio.Task[None] | None = None
        self._link_closed = asyncio.Event()
        self._stopping = False
        self._open_hooks: list[Callable[[], Awaitable[None]]] = []
        self.heartbeat = Heartbeat(on_silence=self._no_pong)
        # Reads each socket; tells how the last one ended.
        self.frames = FrameRouter(
            self._subscriptions,
            self._callbacks,
            logger=logger,
            base_url=self.base_url,
            log_once=self._log_once,
        )

        self.link_state = ConnectionState.DISCONNECTED
        self.remote_config: dict[str, Any] = {}
        self.remote_version: str | None = None
        self.connected_since: float | None = None
        self.last_error: str | None = None

    # -- public API -----------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Return True while the link is up and subscribed."""
        return self.link_state is ConnectionState.CONNECTED

    @property
    def subscriptions(self) -> int:
        """Return the number of active subscriptions."""
        return len(self._subscriptions.handlers)

    def subscribe_events(self, event_type: str, handler: EventHandler) -> None:
        """Subscribe to ``event_type`` on every link from the next connection on.

        ``handler`` gets each event (``event_type``, ``data``, ``origin``,
        ``time_fired``, ``context``) as the remote sends it, unchecked.
        """
        self._subscriptions.extra_events[event_type] = handler

    def add_open_hook(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Await ``hook()`` on every link before it subscribes; it may send commands."""
        self._open_hooks.append(hook)

    @property
    def subscription_kind(self) -> SubscriptionKind:
        """Return how state changes are subscribed on the current link."""
        return self._subscriptions.kind

    @property
    def options(self) -> ClientOptions:
        """Return the options the next connection uses."""
        return self._options

    def set_options(self, options: ClientOptions) -> None:
        """Use other subscription and timeout options from the next connection.

        The backoff policy keeps the options the client was built with.
        """
        self._options = options

    @property
    def idle(self) -> bool:
        """Return True when no socket is open and no task of the link runs."""
        return (
            self._channel is None
            and self._reader is None
            and self.heartbeat.task is None
        )

    @property
    def open_commands(self) -> int:
        """Return how many commands wait for their answer."""
        return 0 if self._channel is None else self._channel.awaiting

    async def connect(self) -> None:
        """Open the link once: handshake, subscriptions, snapshot.

        Raises ``InvalidAuth`` (never retried), ``CannotConnect`` or another
        ``RemoteBridgeError``.
        """
        if self._stopping:
            raise CannotConnect("the client is stopped")
        if self.link_state is not ConnectionState.RECONNECTING:
            self.report_state(ConnectionState.CONNECTING)
        try:
            channel = await self._open()
        except InvalidAuth as err:
            self.last_error = str(err)
            await self.close_link()
            self.report_state(ConnectionState.AUTH_FAILED)
            raise
        except RemoteBridgeError as err:
            self.last_error = str(err) or type(err).__name__
            await self.close_link()
            raise
        except Exception as err:  # a bug, or an answer nobody foresaw: one attempt
            self.frames.log_failure(err, "Connecting to %s failed unexpectedly")
            self.last_error = f"unexpected {type(err).__name__}"
            await self.close_link()
            raise ProtocolError(self.last_error) from err
        except BaseException:
            await self.close_link()
            raise
        if self.stopping():
            # stop() ran while the link was opening: do not revive it.
            await self.close_link()
            raise CannotConnect("the client is stopped")
        self.supervisor.connected()
        self.last_error = None
        self.connected_since = time.time()
        self.report_state(ConnectionState.CONNECTED)
        self.heartbeat.start(
            channel,
            interval=self._options.heartbeat_interval,
            answer_within=self._options.pong_timeout,
        )

    async def run(self) -> None:
        """Keep the link up until ``stop()``, an auth failure, or forever.

        Call after a successful ``connect()``. When the attempts run out the
        state becomes ``disconnected`` and the loop waits for ``reconnect()``.
        """
        await self.supervisor.run()

    async def reconnect(self) -> None:
        """Drop the link (if any) and reconnect now, with a fresh attempt count."""
        if self._stopping or self.auth_failed():
            return
        self.supervisor.wake_with_fresh_count()
        if self._channel is not None:
            await self._channel.ws.close()

    async def resync(self) -> None:
        """Take a fresh snapshot over the live link."""
        if not self.connected:
            raise CannotConnect("the remote is not connected")
        await self._snapshot()

    async def stop(self) -> None:
        """Close everything; no task of the client outlives this call."""
        self._stopping = True
        self.supervisor.wake()
        await self.close_link()
        self.report_state(ConnectionState.STOPPED)
        # run() notices the stop within a loop iteration or two.
        await self.supervisor.wait_ended()

    async def send_command(
        self, message: dict[str, Any], *, answer_within: float | None = None
    ) -> Any:
        """Send a command and return its result; raises ``CommandFailed``."""
        if (channel := self._channel) is None:
            raise CannotConnect("the remote is not connected")
        return await channel.send(message, answer_within=answer_within)

    # -- what the supervisor asks ---------------------------------------------

    def stopping(self) -> bool:
        """Return True once ``stop()`` ran (a method: it flips while we await)."""
        return self._stopping

    def auth_failed(self) -> bool:
        """Return True when the remote refused the token."""
        return self.link_state is ConnectionState.AUTH_FAILED

    def has_link(self) -> bool:
        """Return True while a socket is open (or being read)."""
        return self._channel is not None

    async def wait_link_closed(self) -> None:
        """Return once the current link has dropped."""
        await self._link_closed.wait()

    def report_state(self, state: ConnectionState) -> None:
        """Set the link's state and tell the owner."""
        self.link_state = state
        self._tell(self._callbacks.link_state, state)

    async def close_link(self) -> None:
        """Close the socket and its tasks; fail what waits on the link."""
        channel, self._channel = self._channel, None
        if channel is not None:
            await channel.ws.close()
        tasks = [
            task
            for task in (self.heartbeat.task, self._reader)
            if task is not None and task is not asyncio.current_task()
        ]
        self.heartbeat.task = self._reader = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._link_lost(channel)

    # -- opening a link -------------------------------------------------------

    async def _open(self) -> CommandChannel:
        options = self._options
        ws, self.remote_version = await open_channel(
            self._session,
            self.ws_url,
            self._token,
            verify_ssl=options.verify_ssl,
            connect_timeout=options.connect_timeout,
            max_frame_bytes=options.max_frame_bytes,
        )
        self.frames.remote_close = None
        channel = self._channel = CommandChannel(
            ws, command_timeout=options.command_timeout
        )
        self._link_closed = asyncio.Event()
        self._reader = asyncio.create_task(
            self._read_loop(ws, channel), name="remote_bridge reader"
        )
        if options.coalesce_messages:
            try:
                await channel.send(
                    {"type": "supported_features", "features": {"coalesce_messages": 1}}
                )
            except CommandFailed as err:
                if err.code not in UNSUPPORTED_CODES:
                    raise
        for hook in self._open_hooks:
            await hook()
        await self._subscriptions.subscribe(
            channel, subscribe_entities=options.subscribe_entities
        )
        await self._snapshot()
        return channel

    async def _snapshot(self) -> None:
        states = await self.send_command({"type": "get_states"})
        if not isinstance(states, list):
            raise ProtocolError("get_states did not answer a list")
        self._callbacks.snapshot(states)
        services = await self.send_command({"type": "get_services"})
        if isinstance(services, dict) and serialisable(services):
            self._callbacks.services(services_as_list(services))
        config = await self.send_command({"type": "get_config"})
        if isinstance(config, dict) and serialisable(config):
            # Shown as the device's name and version: text, or nothing.
            for key in ("location_name", "version"):
                if not isinstance(config.get(key), str):
                    config.pop(key, None)
            self.remote_config = config
            self._callbacks.remote_config(config)

    # -- the live link --------------------------------------------------------

    async def _read_loop(self, ws: WebSocket, channel: CommandChannel) -> None:
        frames = self.frames
        try:
            await frames.read(ws, channel)
        finally:
            if frames.error is not None:
                self.last_error = frames.error
            self._link_lost(channel)

    def _no_pong(self) -> None:
        self._logger.debug("No pong from %s: the link is dead", self.base_url)
        self.last_error = "no pong within the heartbeat timeout"

    def _tell(self, callback: Callable[..., None], *args: Any) -> None:
        """Call an owner's callback: its bug is logged, the supervisor goes on."""
        try:
            callback(*args)
        except Exception as err:  # noqa: BLE001 - the link outlives a bad callback
            self.frames.log_failure(err, "A callback of the link to %s failed")

    def _link_lost(self, channel: CommandChannel | None) -> None:
        """Fail what waits on the link; the supervisor decides what comes next."""
        if channel is not None:
            channel.fail_all()
        self._subscriptions.handlers.clear()
        self._link_closed.set()
        current = asyncio.current_task()
        if (heartbeat := self.heartbeat.task) is not None and heartbeat is not current:
            heartbeat.cancel()
