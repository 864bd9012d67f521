"""A small scripted Home Assistant WebSocket/REST server on 127.0.0.1.

Only for faults a real remote cannot produce on demand: silent pong loss,
malformed frames, a drop in the middle of a frame, a remote without
``subscribe_entities``, a remote that never greets. States are real
``homeassistant.core.State`` objects so every payload has HA's exact shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import WSMsgType, web
from homeassistant.components.websocket_api.messages import cached_state_diff_message
from homeassistant.core import Event, EventStateChangedData, State
from homeassistant.helpers.json import json_bytes
import orjson

GOOD_TOKEN = "scripted-secret-token-1234567890"


def to_json(value: Any) -> Any:
    """Round-trip a value through HA's JSON encoder (sets, ReadOnlyDict...)."""
    return orjson.loads(json_bytes(value))


def state_diff(event: Event[EventStateChangedData]) -> Any:
    """Return the ``subscribe_entities`` event a real remote sends for ``event``.

    Read from the message Home Assistant's own websocket API puts on the wire
    (its public builder), so the shape follows the installed version.
    """
    return orjson.loads(cached_state_diff_message(b"1", event))["event"]


def raw_json(value: Any) -> str:
    """Write JSON without orjson's depth limit (a hostile remote has none).

    The standard library writes it: the remote's side of a test must not
    share the bridge's encoder (a fault of one would hide in the other).
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def deep(levels: int) -> Any:
    """Return a value nested ``levels`` deep: orjson reads it, cannot write it."""
    value: Any = 1
    for _ in range(levels):
        value = {"x": value}
    return value


def full(state: State) -> dict[str, Any]:
    """Return the ``/api/states`` shape of a State."""
    shape: dict[str, Any] = to_json(state.as_dict())
    return shape


@dataclass
class Connection:
    """One accepted WebSocket connection and what it received."""

    ws: web.WebSocketResponse
    request: web.Request
    received: list[dict[str, Any]] = field(default_factory=list)
    subs: dict[str, int] = field(default_factory=dict)

    async def send(self, payload: Any) -> None:
        """Send a JSON payload (an object or a coalesced array), however deep."""
        await self.ws.send_str(raw_json(payload))

    async def send_any(self, payload: Any) -> None:
        """Send a payload however deep (written by ``raw_json``)."""
        await self.ws.send_str(raw_json(payload))

    async def send_raw(self, text: str) -> None:
        """Send text as-is (possibly not JSON at all)."""
        await self.ws.send_str(text)

    async def event(self, kind: str, event: Any) -> None:
        """Send an event to the subscription ``kind`` (e.g. ``entities``)."""
        await self.send({"id": self.subs[kind], "type": "event", "event": event})

    def drop_mid_frame(self) -> None:
        """Write half a frame and cut the TCP connection."""
        transport = self.request.transport
        assert transport is not None
        # FIN + text opcode, 16-bit length 1000, but only 10 bytes of payload.
        transport.write(b"\x81\x7e\x03\xe8" + b'{"type":"e')
        transport.abort()

    def types(self) -> list[str]:
        """Return the message types received, in order."""
        return [message.get("type", "?") for message in self.received]


Handler = Callable[[Connection, dict[str, Any]], Awaitable[bool]]


class ScriptedServer:
    """A scripted remote; tweak its attributes to misbehave."""

    def __init__(self) -> None:
        """Serve nothing yet; call ``start()``."""
        self.token = GOOD_TOKEN
        self.greet = True  # False: never send auth_required
        self.answer_pings = True
        self.subscribe_entities = True  # False: answer unknown_command
        self.coalesce = False  # True: send the result and the initial event together
        self.refuse_connections = False  # True: answer HTTP 503 at /api/websocket
        self.states: dict[str, State] = {}
        self.services: dict[str, Any] = {"light": {"turn_on": {}}}
        self.config: dict[str, Any] = {"location_name": "Scripted", "version": "x"}
        self.hook: Handler | None = None  # return True when it handled a message
        self.greeting: str | None = None  # raw text instead of auth_required
        self.auth_answer: str | None = None  # raw text instead of auth_ok
        self.accept_gate: asyncio.Event | None = None  # hold the upgrade until set
        self.rest: dict[str, tuple[int, bytes]] = {}  # path -> (status, body)
        self.rest_gate: asyncio.Event | None = None  # hold REST answers until set
        self.hang_up_after_greeting = False
        self.raw_states: list[Any] | None = None  # get_states answers this instead
        self.connections: list[Connection] = []
        self.new_connection = asyncio.Event()
        self.ws_attempts = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on 127.0.0.1, on a free port."""
        app = web.Application(middlewares=[self._override])
        app.router.add_get("/api/websocket", self._websocket)
        app.router.add_get("/api/states", self._rest_states)
        app.router.add_get("/api/states/{entity_id}", self._rest_state)
        app.router.add_get("/api/services", self._rest_services)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for connection in self.connections:
            await connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_connection(self, count: int, within: float = 5.0) -> Connection:
        """Wait until ``count`` connections were accepted; return the last."""
        async with asyncio.timeout(within):
            while len(self.connections) < count:
                self.new_connection.clear()
                await self.new_connection.wait()
        return self.connections[count - 1]

    # -- state changes, as the remote's state machine would make them --------

    def set(self, state: State) -> tuple[State | None, State]:
        """Store a new state; return (old, new)."""
        old = self.states.get(state.entity_id)
        self.states[state.entity_id] = state
        return old, state

    async def push_change(
        self, connection: Connection, old: State | None, new: State | None
    ) -> None:
        """Send a change through whichever state subscription is active."""
        entity_id = (new or old).entity_id  # type: ignore[union-attr]
        if "entities" in connection.subs:
            event = Event[EventStateChangedData](
                "state_changed",
                {"entity_id": entity_id, "old_state": old, "new_state": new},
            )
            await connection.event("entities", state_diff(event))
        else:
            await connection.event(
                "state_changed",
                {
                    "event_type": "state_changed",
                    "data": to_json(
                        {"entity_id": entity_id, "old_state": old, "new_state": new}
                    ),
                },
            )

    # -- HTTP ------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    @web.middleware
    async def _override(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.rest_gate is not None:
            await self.rest_gate.wait()
        if (canned := self.rest.get(request.path)) is not None:
            status, body = canned
            return web.Response(status=status, body=body)
        response: web.StreamResponse = await handler(request)
        return response

    async def _rest_states(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "nope"}, status=401)
        return web.json_response(to_json([s.as_dict() for s in self.states.values()]))

    async def _rest_state(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "nope"}, status=401)
        state = self.states.get(request.match_info["entity_id"])
        if state is None:
            return web.json_response({"message": "Entity not found."}, status=404)
        return web.json_response(full(state))

    async def _rest_services(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "nope"}, status=401)
        return web.json_response(
            [{"domain": d, "services": s} for d, s in self.services.items()]
        )

    async def _websocket(  # noqa: PLR0911, PLR0912 - a script, not logic
        self, request: web.Request
    ) -> web.StreamResponse:
        self.ws_attempts += 1
        if self.refuse_connections:
            return web.Response(status=503)
        if self.accept_gate is not None:
            await self.accept_gate.wait()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        connection = Connection(ws, request)
        self.connections.append(connection)
        self.new_connection.set()
        if not self.greet:
            async for _message in ws:
                pass
            return ws
        if self.greeting is not None:
            await connection.send_raw(self.greeting)
        else:
            await connection.send({"type": "auth_required", "ha_version": "2025.4.4"})
        if self.hang_up_after_greeting:
            await ws.close()
            return ws
        auth = await ws.receive()
        if auth.type is not WSMsgType.TEXT:
            return ws
        if orjson.loads(auth.data).get("access_token") != self.token:
            await connection.send({"type": "auth_invalid", "message": "bad"})
            await ws.close()
            return ws
        if self.auth_answer is not None:
            await connection.send_raw(self.auth_answer)
            await ws.close()
            return ws
        await connection.send({"type": "auth_ok", "ha_version": "2025.4.4"})
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                break
            data = orjson.loads(message.data)
            connection.received.append(data)
            if self.hook is not None and await self.hook(connection, data):
                continue
            await self._answer(connection, data)
        return ws

    async def _answer(self, connection: Connection, message: dict[str, Any]) -> None:
        message_id = message["id"]
        kind = message["type"]

        def result(value: Any = None) -> dict[str, Any]:
            return {
                "id": message_id,
                "type": "result",
                "success": True,
                "result": value,
            }

        if kind == "ping":
            if self.answer_pings:
                await connection.send({"id": message_id, "type": "pong"})
        elif kind == "subscribe_entities":
            if not self.subscribe_entities:
                await connection.send(
                    {
                        "id": message_id,
                        "type": "result",
                        "success": False,
                        "error": {"code": "unknown_command", "message": "Unknown"},
                    }
                )
                return
            connection.subs["entities"] = message_id
            initial = {
                "id": message_id,
                "type": "event",
                "event": {
                    "a": {
                        entity_id: to_json(state.as_compressed_state)
                        for entity_id, state in self.states.items()
                    }
                },
            }
            if self.coalesce:
                await connection.send([result(), initial])
            else:
                await connection.send(result())
                await connection.send(initial)
        elif kind == "subscribe_events":
            connection.subs[message["event_type"]] = message_id
            await connection.send(result())
        elif kind == "get_states":
            if self.raw_states is not None:
                await connection.send(result(self.raw_states))
                return
            await connection.send(
                result(to_json([s.as_dict() for s in self.states.values()]))
            )
        elif kind == "get_services":
            await connection.send(result(self.services))
        elif kind == "get_config":
            await connection.send(result(self.config))
        else:
            await connection.send(result())
