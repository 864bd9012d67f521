"""RemoteClient: one link to a remote Home Assistant's WebSocket API.

The client authenticates, subscribes (state changes filtered at the source,
service registrations), takes a snapshot *after* subscribing so no change falls
between the two, answers its own heartbeat, and reconnects with backoff. It
keeps no copy of the states: it hands every change to plain callbacks (the
``StateMirror`` in practice) and counts what it saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
import logging
import time
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from .backoff import BackoffPolicy
from .exceptions import (
    CannotConnect,
    CommandFailed,
    InvalidAuth,
    InvalidCertificate,
    ProtocolError,
    RemoteBridgeError,
)
from .filters import EntityFilter
from .protocol import (
    EVENT_SERVICE_REGISTERED,
    EVENT_SERVICE_REMOVED,
    EVENT_STATE_CHANGED,
    TYPE_AUTH_INVALID,
    TYPE_AUTH_OK,
    TYPE_AUTH_REQUIRED,
    TYPE_EVENT,
    TYPE_PONG,
    TYPE_RESULT,
    UNSUPPORTED_CODES,
    State,
    expand_compressed_state,
    normalize_url,
    services_as_list,
    websocket_url,
)

_LOGGER = logging.getLogger(__name__)

# A frozen remote must not hold a close() for aiohttp's default 10 s.
_CLOSE_TIMEOUT = 2.0
_MALFORMED = (KeyError, TypeError, AttributeError, ValueError, OverflowError)


class ConnectionState(StrEnum):
    """Where the link to the remote stands."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"  # gave up after reconnect_max_attempts
    AUTH_FAILED = "auth_failed"
    STOPPED = "stopped"


class SubscriptionKind(StrEnum):
    """How state changes are subscribed."""

    ENTITIES = "subscribe_entities"
    STATE_CHANGED = "state_changed"
    NONE = "none"  # the filter matches nothing


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOptions:
    """Tunables of one client; the defaults are the contract's."""

    verify_ssl: bool = True
    heartbeat_interval: float = 30.0
    pong_timeout: float = 10.0
    connect_timeout: float = 10.0
    command_timeout: float = 30.0
    reconnect_max_attempts: int = 0
    reconnect_max_delay: float = 60.0
    # False: use subscribe_events state_changed even when the remote could do
    # better (for comparisons; users keep the default).
    subscribe_entities: bool = True
    coalesce_messages: bool = True


def _ignore(*_args: Any) -> None:
    """Do nothing: the default for a callback nobody listens to."""


def _count_diffs(batch: list[dict[str, Any]]) -> int:
    """Keep no diffs; count them all (the default for ``state_diffs``)."""
    return sum(map(len, batch))


@dataclass(slots=True, kw_only=True)
class ClientCallbacks:
    """What the client reports; every callback runs in the event loop."""

    connection_state: Callable[[ConnectionState], None] = _ignore
    # A full new state, or None when the entity was removed.
    state: Callable[[str, State | None], None] = _ignore
    # subscribe_entities diffs against the previous states, in order, as
    # ``{entity_id: diff}`` dicts (a coalesced frame's together); returns how
    # many of them passed the filter.
    state_diffs: Callable[[list[dict[str, Any]]], int] = _count_diffs
    # A change that could not be decoded: drop what is cached for it.
    state_invalid: Callable[[str], None] = _ignore
    # The full (unfiltered) states, taken after subscribing.
    snapshot: Callable[[list[State]], None] = _ignore
    # The services (``/api/services`` shape), or None when they changed.
    services: Callable[[list[dict[str, Any]] | None], None] = _ignore
    remote_config: Callable[[dict[str, Any]], None] = _ignore


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
        logger: logging.Logger = _LOGGER,
    ) -> None:
        """Prepare a client; nothing is opened until ``connect()``."""
        self.base_url = normalize_url(url)
        self.ws_url = websocket_url(self.base_url)
        self._session = session
        self._token = access_token
        self._filter = entity_filter or EntityFilter(enabled=False)
        self._options = options = options or ClientOptions()
        self._callbacks = callbacks or ClientCallbacks()
        self._sleep = sleep
        self._logger = logger
        self._backoff = BackoffPolicy(
            max_delay=options.reconnect_max_delay,
            max_attempts=options.reconnect_max_attempts,
        )
        self._ssl: bool = options.verify_ssl

        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._link_closed = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False
        self._last_id = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._handlers: dict[int, Callable[[dict[str, Any]], None]] = {}
        # The id of the subscribe_entities subscription, for the short cut.
        self._entities_id: int | None = None
        self._initial_dump = False
        self._warned: set[str] = set()
        self._runner: asyncio.Task[Any] | None = None
        self._run_done = asyncio.Event()

        self.state = ConnectionState.DISCONNECTED
        self.subscription_kind = SubscriptionKind.NONE
        self.remote_config: dict[str, Any] = {}
        self.remote_version: str | None = None
        self.reconnect_attempts = 0
        self.gave_up = False
        self.events_received = 0
        self.bytes_received = 0
        self.last_event_time: float | None = None
        self.latency_ms: float | None = None
        self.connected_since: float | None = None
        self.last_error: str | None = None

    # -- public API -----------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Return True while the link is up and subscribed."""
        return self.state is ConnectionState.CONNECTED

    @property
    def subscriptions(self) -> int:
        """Return the number of active subscriptions."""
        return len(self._handlers)

    async def connect(self) -> None:
        """Open the link once: handshake, subscriptions, snapshot.

        Raises ``InvalidAuth`` (never retried), ``CannotConnect`` or another
        ``RemoteBridgeError``.
        """
        if self._is_stopping():
            raise CannotConnect("the client is stopped")
        if self.state is not ConnectionState.RECONNECTING:
            self._set_state(ConnectionState.CONNECTING)
        try:
            await self._open()
        except InvalidAuth as err:
            self.last_error = str(err)
            await self._close_link()
            self._set_state(ConnectionState.AUTH_FAILED)
            raise
        except BaseException as err:
            self.last_error = str(err) or type(err).__name__
            await self._close_link()
            raise
        if self._is_stopping():
            # stop() ran while the link was opening: do not revive it.
            await self._close_link()
            raise CannotConnect("the client is stopped")
        self.reconnect_attempts = 0
        self.gave_up = False
        self.last_error = None
        self.connected_since = time.time()
        self._set_state(ConnectionState.CONNECTED)
        self._heartbeat = asyncio.create_task(
            self._heartbeat_loop(), name="remote_bridge heartbeat"
        )

    async def run(self) -> None:
        """Keep the link up until ``stop()``, an auth failure, or forever.

        Call after a successful ``connect()``. When the attempts run out the
        state becomes ``disconnected`` and the loop waits for ``reconnect()``.
        """
        self._runner = asyncio.current_task()
        try:
            await self._supervise()
        finally:
            self._runner = None
            self._run_done.set()

    async def _supervise(self) -> None:
        self._run_done.clear()
        if self._auth_failed():
            return  # never retried: only new credentials (reauth) help
        while not self._stopping:
            if self._ws is not None:
                await self._link_closed.wait()
                if self._is_stopping():
                    break
                self._set_state(ConnectionState.RECONNECTING)
            if await self._reconnect_with_backoff():
                continue
            if self._auth_failed() or self._stopping:
                return
            # Gave up: wait for reconnect() or stop(). The wake stays set so
            # the next attempt starts at once instead of after a backoff.
            await self._wake.wait()
            self.reconnect_attempts = 0
            self.gave_up = False
            if not self._stopping:
                self._set_state(ConnectionState.RECONNECTING)

    async def reconnect(self) -> None:
        """Drop the link (if any) and reconnect now, with a fresh attempt count."""
        if self._stopping or self.state is ConnectionState.AUTH_FAILED:
            return
        self.reconnect_attempts = 0
        self._wake.set()
        if self._ws is not None:
            await self._ws.close()

    async def resync(self) -> None:
        """Take a fresh snapshot over the live link."""
        if not self.connected:
            raise CannotConnect("the remote is not connected")
        await self._snapshot()

    async def stop(self) -> None:
        """Close everything; no task of the client outlives this call."""
        self._stopping = True
        self._wake.set()
        await self._close_link()
        self._set_state(ConnectionState.STOPPED)
        runner = self._runner
        if runner is not None and runner is not asyncio.current_task():
            # run() notices the stop within a loop iteration or two.
            await self._run_done.wait()

    async def send_command(
        self, message: dict[str, Any], *, answer_within: float | None = None
    ) -> Any:
        """Send a command and return its result; raises ``CommandFailed``."""
        return await self._command(self._new_id(), message, answer_within)

    async def fetch_state(self, entity_id: str) -> State | None:
        """Fetch one state over REST; None when the remote has no such entity."""
        result = await self._rest_get(f"/api/states/{quote(entity_id, safe='')}")
        return result if isinstance(result, dict) else None

    async def fetch_states(self) -> list[State]:
        """Fetch all states over REST (``/api/states``)."""
        result = await self._rest_get("/api/states")
        if not isinstance(result, list):
            raise ProtocolError("the remote's /api/states is not a list")
        return result

    async def fetch_services(self) -> list[dict[str, Any]]:
        """Fetch the services over REST (``/api/services``)."""
        result = await self._rest_get("/api/services")
        if not isinstance(result, list):
            raise ProtocolError("the remote's /api/services is not a list")
        return result

    # -- opening a link -------------------------------------------------------

    async def _open(self) -> None:
        try:
            async with asyncio.timeout(self._options.connect_timeout):
                self._ws = await self._session.ws_connect(
                    self.ws_url,
                    ssl=self._ssl,
                    max_msg_size=0,  # get_states of a big home is large
                    timeout=aiohttp.ClientWSTimeout(ws_close=_CLOSE_TIMEOUT),
                )
                await self._authenticate(self._ws)
        except TimeoutError:
            raise CannotConnect("timed out connecting to the remote") from None
        except (
            aiohttp.ClientConnectorCertificateError,
            aiohttp.ClientSSLError,
        ) as err:
            raise InvalidCertificate(
                f"the remote's certificate failed verification: {type(err).__name__}"
            ) from None
        except aiohttp.WSServerHandshakeError as err:
            raise CannotConnect(
                f"the remote answered HTTP {err.status} at /api/websocket"
            ) from None
        except (aiohttp.ClientError, OSError) as err:
            raise CannotConnect(f"cannot reach the remote: {err}") from None

        self._link_closed = asyncio.Event()
        self._reader = asyncio.create_task(
            self._read_loop(self._ws), name="remote_bridge reader"
        )
        if self._options.coalesce_messages:
            try:
                await self.send_command(
                    {"type": "supported_features", "features": {"coalesce_messages": 1}}
                )
            except CommandFailed as err:
                if err.code not in UNSUPPORTED_CODES:
                    raise
        await self._subscribe_states()
        for event_type in (EVENT_SERVICE_REGISTERED, EVENT_SERVICE_REMOVED):
            await self._subscribe(
                {"type": "subscribe_events", "event_type": event_type},
                self._on_service_event,
            )
        await self._snapshot()

    async def _authenticate(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        message = await self._receive_handshake(ws)
        if message.get("type") != TYPE_AUTH_REQUIRED:
            raise ProtocolError(f"expected auth_required, got {message.get('type')!r}")
        # The token goes in the auth message only, never in a header or a log.
        await ws.send_str(
            orjson.dumps({"type": "auth", "access_token": self._token}).decode()
        )
        message = await self._receive_handshake(ws)
        kind = message.get("type")
        if kind == TYPE_AUTH_INVALID:
            raise InvalidAuth("the remote refused the access token")
        if kind != TYPE_AUTH_OK:
            raise ProtocolError(f"expected auth_ok, got {kind!r}")
        self.remote_version = message.get("ha_version")

    @staticmethod
    async def _receive_handshake(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
        message = await ws.receive()
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise CannotConnect("the remote closed the connection during the handshake")
        try:
            payload = orjson.loads(message.data)
        except orjson.JSONDecodeError:
            raise ProtocolError("the remote sent a malformed handshake frame") from None
        if not isinstance(payload, dict):
            raise ProtocolError("the remote sent a malformed handshake message")
        return payload

    async def _subscribe_states(self) -> None:
        if self._filter.matches_nothing:
            self.subscription_kind = SubscriptionKind.NONE
            return
        if self._options.subscribe_entities:
            self._initial_dump = True
            try:
                await self._subscribe(
                    {"type": "subscribe_entities", **self._filter.server_filter()},
                    self._on_entities_event,
                )
            except CommandFailed as err:
                if err.code not in UNSUPPORTED_CODES:
                    raise
                self._log_once(
                    "no_subscribe_entities",
                    "The remote at %s does not support subscribe_entities; "
                    "falling back to state_changed events (more traffic)",
                    self.base_url,
                )
            else:
                self.subscription_kind = SubscriptionKind.ENTITIES
                return
        await self._subscribe(
            {"type": "subscribe_events", "event_type": EVENT_STATE_CHANGED},
            self._on_state_changed,
        )
        self.subscription_kind = SubscriptionKind.STATE_CHANGED

    async def _subscribe(
        self, message: dict[str, Any], handler: Callable[[dict[str, Any]], None]
    ) -> None:
        # The handler is registered before sending: events may follow the
        # result in the same (coalesced) frame.
        message_id = self._new_id()
        self._handlers[message_id] = handler
        if handler == self._on_entities_event:
            self._entities_id = message_id
        try:
            await self._command(message_id, message, None)
        except BaseException:
            self._handlers.pop(message_id, None)
            if self._entities_id == message_id:
                self._entities_id = None
            raise

    async def _snapshot(self) -> None:
        states = await self.send_command({"type": "get_states"})
        if not isinstance(states, list):
            raise ProtocolError("get_states did not answer a list")
        self._callbacks.snapshot(states)
        services = await self.send_command({"type": "get_services"})
        if isinstance(services, dict):
            self._callbacks.services(services_as_list(services))
        config = await self.send_command({"type": "get_config"})
        if isinstance(config, dict):
            self.remote_config = config
            self._callbacks.remote_config(config)

    # -- the live link --------------------------------------------------------

    def _new_id(self) -> int:
        self._last_id += 1
        return self._last_id

    async def _command(
        self, message_id: int, message: dict[str, Any], answer_within: float | None
    ) -> Any:
        ws = self._ws
        if ws is None or ws.closed:
            raise CannotConnect("the remote is not connected")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        try:
            await ws.send_str(orjson.dumps({"id": message_id, **message}).decode())
            async with asyncio.timeout(answer_within or self._options.command_timeout):
                return await future
        except TimeoutError:
            raise CommandFailed(
                "timeout", f"no answer to {message.get('type')}"
            ) from None
        except (ConnectionError, aiohttp.ClientError) as err:
            raise CannotConnect(f"the link dropped: {type(err).__name__}") from None
        finally:
            self._pending.pop(message_id, None)

    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        text = aiohttp.WSMsgType.TEXT
        try:
            while True:
                message = await ws.receive()
                if message.type is text:
                    data = message.data
                    # Frames are nearly always ASCII: then characters are bytes.
                    self.bytes_received += (
                        len(data) if data.isascii() else len(data.encode())
                    )
                    self._handle_frame(data)
                elif message.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.ERROR,
                ):
                    break
                else:
                    self._log_once(
                        "binary", "Ignoring a non-text frame from %s", self.base_url
                    )
        finally:
            self._link_lost()

    def _handle_frame(self, data: str) -> None:
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            self._log_once("frame", "Ignoring a malformed frame from %s", self.base_url)
            return
        if type(payload) is not list:
            self._dispatch(payload)
            return
        # Coalesced messages: events (nearly all of them) take a short cut
        # with the same checks as _dispatch; anything else goes through it.
        # Consecutive diff-only subscribe_entities events go to the mirror
        # together, in order.
        handlers = self._handlers
        entities_id = self._entities_id
        diffs: list[dict[str, Any]] = []
        for message in payload:
            try:
                if message["type"] == TYPE_EVENT:
                    message_id = message["id"]
                    if message_id == entities_id:
                        event = message["event"]
                        if type(changed := event.get("c")) is dict and len(event) == 1:
                            diffs.append(changed)
                            continue
                    if diffs:
                        self._on_diffs(diffs)
                        diffs = []
                    if (handler := handlers.get(message_id)) is not None:
                        handler(message["event"])
                    continue
            except _MALFORMED:
                self._log_once(
                    "message", "Ignoring a malformed message from %s", self.base_url
                )
                continue
            if diffs:
                self._on_diffs(diffs)
                diffs = []
            self._dispatch(message)
        if diffs:
            self._on_diffs(diffs)

    def _on_diffs(self, diffs: list[dict[str, Any]]) -> None:
        if changes := self._callbacks.state_diffs(diffs):
            self.events_received += changes
            self.last_event_time = time.time()

    def _dispatch(self, message: Any) -> None:
        try:
            kind = message["type"]
            if kind == TYPE_EVENT:
                if (handler := self._handlers.get(message["id"])) is not None:
                    handler(message["event"])
                return
            if kind in (TYPE_RESULT, TYPE_PONG):
                future = self._pending.get(message["id"])
                if future is None or future.done():
                    return
                if kind == TYPE_PONG or message["success"]:
                    future.set_result(message.get("result"))
                else:
                    error = message.get("error") or {}
                    future.set_exception(
                        CommandFailed(
                            str(error.get("code", "unknown_error")),
                            str(error.get("message", "")),
                        )
                    )
                return
        except _MALFORMED:
            self._log_once(
                "message", "Ignoring a malformed message from %s", self.base_url
            )
            return
        self._log_once(
            "type",
            "Ignoring a message of unknown type %r from %s",
            kind,
            self.base_url,
        )

    def _on_entities_event(self, event: dict[str, Any]) -> None:
        keep = self._filter.decisions
        callbacks = self._callbacks
        changes = 0
        # One ``get`` (it also rejects a non-object event), then ``in`` tests:
        # cheaper than ``get`` calls on this path, run for every remote change.
        if (added := event.get("a")) is not None:
            for entity_id, compressed in added.items():
                if not keep[entity_id]:
                    continue
                changes += 1
                try:
                    state = expand_compressed_state(entity_id, compressed)
                except _MALFORMED:
                    self._log_once(
                        "state", "Ignoring a malformed state from %s", self.base_url
                    )
                    callbacks.state_invalid(entity_id)
                    continue
                callbacks.state(entity_id, state)
        if "c" in event and (changed := event["c"]) is not None:
            if type(changed) is not dict:
                raise TypeError("the changes are an object")
            changes += callbacks.state_diffs([changed])
        if "r" in event and (removed := event["r"]) is not None:
            for entity_id in removed:
                if keep[entity_id]:
                    changes += 1
                    callbacks.state(entity_id, None)
        if self._initial_dump:
            # The first event repeats the current states: not a change.
            self._initial_dump = False
            return
        if changes:
            self.events_received += changes
            self.last_event_time = time.time()

    def _on_state_changed(self, event: dict[str, Any]) -> None:
        data = event["data"]
        entity_id = data["entity_id"]
        if not self._filter.decisions[entity_id]:
            return
        self.events_received += 1
        self.last_event_time = time.time()
        self._callbacks.state(entity_id, data["new_state"])

    def _on_service_event(self, _event: dict[str, Any]) -> None:
        self._callbacks.services(None)

    async def _heartbeat_loop(self) -> None:
        interval = self._options.heartbeat_interval
        while True:
            await asyncio.sleep(interval)
            started = time.monotonic()
            try:
                await self._command(
                    self._new_id(), {"type": "ping"}, self._options.pong_timeout
                )
            except CommandFailed:
                self._logger.debug("No pong from %s: the link is dead", self.base_url)
                self.last_error = "no pong within the heartbeat timeout"
                if (ws := self._ws) is not None:
                    await ws.close()
                return
            except CannotConnect:
                return
            self.latency_ms = round((time.monotonic() - started) * 1000, 1)

    def _link_lost(self) -> None:
        """Fail what waits on the link; the supervisor decides what comes next."""
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CannotConnect("the link to the remote dropped"))
        self._pending.clear()
        self._handlers.clear()
        self._entities_id = None
        self._link_closed.set()
        current = asyncio.current_task()
        if self._heartbeat is not None and self._heartbeat is not current:
            self._heartbeat.cancel()

    async def _close_link(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        tasks = [
            task
            for task in (self._heartbeat, self._reader)
            if task is not None and task is not asyncio.current_task()
        ]
        self._heartbeat = self._reader = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._link_lost()

    async def _reconnect_with_backoff(self) -> bool:
        """Retry until connected (True) or auth failed / gave up (False)."""
        await self._close_link()
        while not self._stopping:
            if self._backoff.exhausted(self.reconnect_attempts):
                self.gave_up = True
                self._set_state(ConnectionState.DISCONNECTED)
                return False
            if not self._wake.is_set():
                await self._wait_or_wake(self._backoff.delay(self.reconnect_attempts))
            self._wake.clear()
            if self._is_stopping():
                break
            self.reconnect_attempts += 1
            self._set_state(ConnectionState.RECONNECTING)
            try:
                await self.connect()
            except InvalidAuth:
                return False
            except RemoteBridgeError as err:
                self._logger.debug(
                    "Reconnect attempt %s to %s failed: %s",
                    self.reconnect_attempts,
                    self.base_url,
                    err,
                )
                continue
            return True
        return False

    async def _wait_or_wake(self, delay: float) -> None:
        sleeper = asyncio.ensure_future(self._sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    # -- REST -----------------------------------------------------------------

    async def _rest_get(self, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with (
                asyncio.timeout(self._options.command_timeout),
                self._session.get(
                    f"{self.base_url}{path}", headers=headers, ssl=self._ssl
                ) as response,
            ):
                if response.status == HTTPStatus.NOT_FOUND:
                    return None
                if response.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
                    raise InvalidAuth("the remote refused the access token")
                if response.status != HTTPStatus.OK:
                    raise CannotConnect(f"the remote answered HTTP {response.status}")
                body = await response.read()
        except TimeoutError:
            raise CannotConnect("timed out reading from the remote") from None
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError):
            raise InvalidCertificate(
                "the remote's certificate failed verification"
            ) from None
        except (aiohttp.ClientError, OSError) as err:
            raise CannotConnect(
                f"cannot reach the remote: {type(err).__name__}"
            ) from None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ProtocolError(f"the remote's {path} is not JSON") from None

    # -- helpers --------------------------------------------------------------

    def _is_stopping(self) -> bool:
        # A method, not the attribute: stop() flips it while we await.
        return self._stopping

    def _auth_failed(self) -> bool:
        # A method, not the attribute: callbacks change it while we await.
        return self.state is ConnectionState.AUTH_FAILED

    def _set_state(self, state: ConnectionState) -> None:
        self.state = state
        self._callbacks.connection_state(state)

    def _log_once(self, kind: str, message: str, *args: Any) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        self._logger.warning(message, *args)
