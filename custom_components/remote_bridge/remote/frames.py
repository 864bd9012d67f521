"""Reading one socket: each frame's messages to their subscription or command.

A frame from the remote is untrusted: whatever one frame, message or callback
raises costs that frame or message (logged once per kind, with the traceback
for the unforeseen), never the reader. How the socket ended is noted for the
supervisor: an ordinary close the remote started is what a drop for falling
behind looks like.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import Any

import aiohttp
import orjson

from .channel import CommandChannel, WebSocket
from .options import ClientCallbacks
from .overload import overload_close
from .protocol import TYPE_EVENT, TYPE_PONG, TYPE_RESULT
from .subscriptions import MALFORMED, Subscriptions

_CLOSING = (
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSING,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.ERROR,
)
# How much of a remote's unknown message type a log line shows.
_SHOWN = 64


class FrameRouter:
    """Route the frames of each socket of one client."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        callbacks: ClientCallbacks,
        *,
        logger: logging.Logger,
        base_url: str,
        log_once: Callable[..., None],
    ) -> None:
        """Route into ``subscriptions`` and ``callbacks``; warn through ``log_once``."""
        self._subscriptions = subscriptions
        self._callbacks = callbacks
        self._logger = logger
        self._base_url = base_url
        self._log_once = log_once
        self._failures_logged: set[type[BaseException]] = set()
        # The reason of the socket's close if the remote started an ordinary
        # one (code 1000): what a drop for falling behind looks like.
        self.remote_close: str | None = None
        # Why the socket failed (an error, a frame over the limit), if it did.
        self.error: str | None = None

    def log_failure(self, err: BaseException, message: str) -> None:
        """Log an unexpected error with its traceback, once per kind of error."""
        if type(err) in self._failures_logged:
            self._logger.debug(message, self._base_url)
            return
        self._failures_logged.add(type(err))
        self._logger.error(message, self._base_url, exc_info=err)

    def dropped_for_overload(self) -> bool:
        """Return True if the remote surely closed the socket for falling behind.

        Home Assistant gives no reason (code 1000 and nothing else), so this
        holds only after a flood of changes; a drop after a burst the bridge
        never saw is told by the supervisor (the remote takes it back at once).
        """
        reason = self.remote_close
        if reason is None:
            return False
        return overload_close(reason) or self._callbacks.flooded()

    async def read(self, ws: WebSocket, channel: CommandChannel) -> None:
        """Read ``ws`` until it closes."""
        self.remote_close = self.error = None
        text = aiohttp.WSMsgType.TEXT
        while True:
            message = await ws.receive()
            if message.type is text:
                self._handle_frame(message.data, channel)
            elif message.type is aiohttp.WSMsgType.CLOSE:
                if message.data in (None, aiohttp.WSCloseCode.OK):
                    self.remote_close = str(message.extra or "")
                return
            elif message.type is aiohttp.WSMsgType.ERROR:
                self.error = f"link error: {type(message.data).__name__}"
                if ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG:
                    self.error = "the remote sent a frame over the limit"
                return
            elif message.type in _CLOSING:
                return
            else:
                self._log_once("binary", "Ignoring a non-text frame from %s")

    def _handle_frame(self, data: str, channel: CommandChannel) -> None:
        """Route every message of one frame, then close the frame's batch."""
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            self._log_once("frame", "Ignoring a malformed frame from %s")
        else:
            if type(payload) is list:  # coalesced messages
                for message in payload:
                    self._dispatch(message, channel)
            else:
                self._dispatch(payload, channel)
            try:
                self._subscriptions.decoder.flush()
            except Exception as err:  # noqa: BLE001 - one frame, not the link
                self.log_failure(err, "Handling a frame from %s failed")
        try:
            # Frames are nearly always ASCII: then characters are bytes.
            self._callbacks.frame_done(
                len(data) if data.isascii() else len(data.encode())
            )
        except Exception as err:  # noqa: BLE001 - one frame, not the link
            self.log_failure(err, "Handling a frame from %s failed")

    def _dispatch(self, message: Any, channel: CommandChannel) -> None:
        """Route one message: an event to its subscription, an answer to its command."""
        try:
            kind = message["type"]
            if kind == TYPE_EVENT:
                handlers = self._subscriptions.handlers
                if (handler := handlers.get(message["id"])) is not None:
                    handler(message["event"])
                return
            if kind in (TYPE_RESULT, TYPE_PONG):
                self._subscriptions.decoder.flush()  # what came before goes first
                channel.answer(message)
                return
        except MALFORMED:
            self._log_once("message", "Ignoring a malformed message from %s")
            return
        except Exception as err:  # noqa: BLE001 - one message, not the link
            self.log_failure(err, "Handling a message from %s failed")
            return
        self._log_once(
            "type",
            "Ignoring a message of unknown type %s from %s",
            repr(kind)[:_SHOWN],  # repr: no control character reaches the log
        )
