"""The WebSocket handshake and commands by id; ``probe`` for the config flow.

``open_channel`` connects and authenticates; ``CommandChannel`` numbers the
commands and hands each answer (a ``result`` or ``pong``) to the coroutine
that waits for it. Events are not its business: the client routes them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from .exceptions import (
    CannotConnect,
    CommandFailed,
    InvalidAuth,
    InvalidCertificate,
    ProtocolError,
)
from .protocol import (
    TYPE_AUTH_INVALID,
    TYPE_AUTH_OK,
    TYPE_AUTH_REQUIRED,
    TYPE_PONG,
    TYPE_RESULT,
    normalize_url,
    websocket_url,
)

# A frozen remote must not hold a close() for aiohttp's default 10 s.
_CLOSE_TIMEOUT = 2.0
# The largest frame taken from the remote: a bigger one drops the link (then
# the supervisor reconnects with backoff). A real get_states of 50,000 sensors
# with four attributes each is 21.5 MB (measured; 430 bytes per entity): a
# home ten times richer still fits, and one frame can no longer exhaust this
# Home Assistant's memory. REST answers are bounded the same way.
MAX_FRAME_BYTES = 256 * 1024 * 1024

type WebSocket = aiohttp.ClientWebSocketResponse


async def open_channel(
    session: aiohttp.ClientSession,
    ws_url: str,
    access_token: str,
    *,
    verify_ssl: bool,
    connect_timeout: float,
    max_frame_bytes: int = MAX_FRAME_BYTES,
) -> tuple[WebSocket, str | None]:
    """Connect and authenticate; return the socket and the remote's version.

    Raises ``InvalidAuth``, ``InvalidCertificate``, ``CannotConnect`` or
    ``ProtocolError``; the socket is closed on any failure.
    """
    ws: WebSocket | None = None
    try:
        async with asyncio.timeout(connect_timeout):
            ws = await session.ws_connect(
                ws_url,
                ssl=verify_ssl,
                max_msg_size=max_frame_bytes,
                timeout=aiohttp.ClientWSTimeout(ws_close=_CLOSE_TIMEOUT),
            )
            version = await _authenticate(ws, access_token)
    except (TimeoutError, aiohttp.ClientError, OSError) as err:
        if ws is not None:
            await ws.close()
        raise _connect_error(err) from None
    except BaseException:
        if ws is not None:
            await ws.close()
        raise
    return ws, version


def _connect_error(err: Exception) -> Exception:
    """Map what connecting raised to the core's errors."""
    if isinstance(err, TimeoutError):
        return CannotConnect("timed out connecting to the remote")
    if isinstance(
        err, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)
    ):
        return InvalidCertificate(
            f"the remote's certificate failed verification: {type(err).__name__}"
        )
    if isinstance(err, aiohttp.WSServerHandshakeError):
        return CannotConnect(f"the remote answered HTTP {err.status} at /api/websocket")
    return CannotConnect(f"cannot reach the remote: {err}")


async def _authenticate(ws: WebSocket, access_token: str) -> str | None:
    message = await _receive_object(ws, "the handshake")
    if message.get("type") != TYPE_AUTH_REQUIRED:
        raise ProtocolError(f"expected auth_required, got {message.get('type')!r}")
    # The token goes in the auth message only, never in a header or a log.
    auth = {"type": "auth", "access_token": access_token}
    await ws.send_str(orjson.dumps(auth).decode())
    message = await _receive_object(ws, "the handshake")
    kind = message.get("type")
    if kind == TYPE_AUTH_INVALID:
        raise InvalidAuth("the remote refused the access token")
    if kind != TYPE_AUTH_OK:
        raise ProtocolError(f"expected auth_ok, got {kind!r}")
    version = message.get("ha_version")
    return version if isinstance(version, str) else None


async def _receive_object(ws: WebSocket, during: str) -> dict[str, Any]:
    """Return the next message, before the link has a reader of its own."""
    message = await ws.receive()
    if message.type is not aiohttp.WSMsgType.TEXT:
        raise CannotConnect(f"the remote closed the connection during {during}")
    try:
        payload = orjson.loads(message.data)
    except orjson.JSONDecodeError:
        raise ProtocolError(
            f"the remote sent a malformed frame during {during}"
        ) from None
    if not isinstance(payload, dict):
        raise ProtocolError(f"the remote sent a malformed message during {during}")
    return payload


class CommandChannel:
    """Commands by id over one socket, and the answers they wait for."""

    def __init__(self, ws: WebSocket, *, command_timeout: float) -> None:
        """Send on ``ws``; a command without an answer fails after the timeout."""
        self.ws = ws
        self._command_timeout = command_timeout
        self._last_id = 0
        self._awaiting_answers: dict[int, asyncio.Future[Any]] = {}

    @property
    def awaiting(self) -> int:
        """Return how many commands still wait for their answer."""
        return len(self._awaiting_answers)

    def new_id(self) -> int:
        """Return the next command id (subscriptions need theirs in advance)."""
        self._last_id += 1
        return self._last_id

    async def send(
        self,
        message: dict[str, Any],
        *,
        message_id: int | None = None,
        answer_within: float | None = None,
    ) -> Any:
        """Send a command, return its result; raises ``CommandFailed``."""
        ws = self.ws
        if ws.closed:
            raise CannotConnect("the remote is not connected")
        if message_id is None:
            message_id = self.new_id()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._awaiting_answers[message_id] = future
        try:
            await ws.send_str(orjson.dumps({"id": message_id, **message}).decode())
            async with asyncio.timeout(answer_within or self._command_timeout):
                return await future
        except TimeoutError:
            raise CommandFailed(
                "timeout", f"no answer to {message.get('type')}"
            ) from None
        except (ConnectionError, aiohttp.ClientError) as err:
            raise CannotConnect(f"the link dropped: {type(err).__name__}") from None
        finally:
            self._awaiting_answers.pop(message_id, None)

    def answer(self, message: dict[str, Any]) -> None:
        """Hand a ``result`` or ``pong`` to its command; raises on a malformed one."""
        future = self._awaiting_answers.get(message["id"])
        if future is None or future.done():
            return
        if message["type"] == TYPE_PONG or message["success"]:
            future.set_result(message.get("result"))
            return
        error = message.get("error") or {}
        future.set_exception(
            CommandFailed(
                str(error.get("code", "unknown_error")), str(error.get("message", ""))
            )
        )

    def fail_all(self) -> None:
        """Fail every waiting command: the link dropped."""
        for future in self._awaiting_answers.values():
            if not future.done():
                future.set_exception(CannotConnect("the link to the remote dropped"))
        self._awaiting_answers.clear()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    """What a probe learnt: the normalised address and the remote's config."""

    base_url: str
    config: dict[str, Any]
    version: str | None


async def probe(
    session: aiohttp.ClientSession,
    url: str,
    access_token: str,
    *,
    verify_ssl: bool,
    answer_within: float = 10.0,
) -> ProbeResult:
    """Connect, authenticate and read ``get_config``: nothing else.

    For validating a user's input: no subscription, no states, no services.
    Raises ``InvalidUrl``, ``InvalidAuth``, ``InvalidCertificate``,
    ``CannotConnect``, ``CommandFailed`` or ``ProtocolError``.
    """
    base_url = normalize_url(url)
    ws, version = await open_channel(
        session,
        websocket_url(base_url),
        access_token,
        verify_ssl=verify_ssl,
        connect_timeout=answer_within,
    )
    try:
        async with asyncio.timeout(answer_within):
            await ws.send_str(orjson.dumps({"id": 1, "type": "get_config"}).decode())
            while True:
                payload = await _receive_object(ws, "the probe")
                if payload.get("type") == TYPE_RESULT and payload.get("id") == 1:
                    break
    except TimeoutError:
        raise CannotConnect("no answer to get_config") from None
    finally:
        await ws.close()
    if not payload.get("success"):
        error = payload.get("error") or {}
        raise CommandFailed(
            str(error.get("code", "unknown_error")), str(error.get("message", ""))
        )
    config = payload.get("result")
    if not isinstance(config, dict):
        raise ProtocolError("get_config did not answer an object")
    return ProbeResult(base_url=base_url, config=config, version=version)
