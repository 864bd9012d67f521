"""A replay remote: a process that speaks Home Assistant's WebSocket API.

It stands in for a busy remote Home Assistant in the ingest benchmark. Before it
listens it builds, with Home Assistant's own ``State``/``Event`` classes and its
websocket_api serialisers, a stream of N state changes over E entities in several
domains (about 20 % in the domains the bridge excludes by default) and keeps the
serialised messages, so the timed phase costs this process only socket writes.

Protocol, as a real remote speaks it: ``auth_required`` / ``auth`` / ``auth_ok``
(or ``auth_invalid``), ``supported_features`` (``coalesce_messages``: later
frames may be JSON arrays of messages, batched like HA's writer does),
``subscribe_entities`` (``entity_ids``, ``include``/``exclude`` evaluated by HA's
``entityfilter``; the initial ``a`` dump, then compressed diffs),
``subscribe_events`` (``state_changed`` full events; ``service_registered`` /
``service_removed`` accepted, never fired), ``unsubscribe_events``,
``get_states``, ``get_services``, ``get_config``, ``ping``. Two extra commands
drive the replay: ``replay/prepare`` (build this connection's wire frames) and
``replay/start`` (stream them). A real remote answers them ``unknown_command``.

Every connection replays the same stream from the same initial states, so one
process serves many benchmark runs. ``GET /replay/final_states`` returns the
states after the stream (the ``/api/states`` shape) for correctness checks.

    python benchmarks/replay_remote.py --changes 20000 --entities 2000 --token T

prints one JSON line (port, build time, changes per domain) once it listens,
and serves until SIGTERM/SIGINT or until its stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import gc
import io
import random
import signal
import socket
import struct
import sys
import time
from typing import Any, cast

from aiohttp import WSMsgType, web
from homeassistant.components.websocket_api import messages
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Context, Event, EventStateChangedData, State
from homeassistant.helpers.entityfilter import (
    INCLUDE_EXCLUDE_BASE_FILTER_SCHEMA,
    convert_include_exclude_filter,
)
from homeassistant.helpers.json import json_bytes
import orjson
import voluptuous as vol

HA_VERSION = "2025.4.4"
SENTINEL = "sensor.zz_replay_sentinel"
SENTINEL_DONE = "done"
DEFAULT_BATCH = 256  # HA's writer releases a coalesced batch at about 256 messages
_WRITE_CHUNK = 256 * 1024
_WRITE_HIGH_WATER = 4 * 1024 * 1024
_ID_PLACEHOLDER = b',"id":0}'


@dataclass(frozen=True, slots=True)
class DomainSpec:
    """How one domain's entities look and change."""

    weight: int
    states: tuple[str, ...]  # empty: a numeric state
    attributes: dict[str, Any]
    volatile: str  # the attribute an attribute-only change touches


DOMAINS: dict[str, DomainSpec] = {
    "sensor": DomainSpec(
        45,
        (),
        {
            "state_class": "measurement",
            "unit_of_measurement": "°C",
            "device_class": "temperature",
            "battery_level": 87,
        },
        "battery_level",
    ),
    "binary_sensor": DomainSpec(
        10, ("on", "off"), {"device_class": "motion", "linkquality": 120}, "linkquality"
    ),
    "light": DomainSpec(
        12,
        ("on", "off"),
        {
            "supported_color_modes": ["brightness"],
            "color_mode": "brightness",
            "brightness": 128,
            "supported_features": 32,
        },
        "brightness",
    ),
    "switch": DomainSpec(8, ("on", "off"), {"current_power_w": 3.2}, "current_power_w"),
    "climate": DomainSpec(
        5,
        ("heat", "off"),
        {
            "hvac_modes": ["off", "heat"],
            "min_temp": 7,
            "max_temp": 35,
            "current_temperature": 20.5,
            "temperature": 21,
            "supported_features": 385,
        },
        "current_temperature",
    ),
    # Excluded by the bridge's default filter: about 20 % of the entities.
    "media_player": DomainSpec(
        12,
        ("playing", "paused", "idle"),
        {
            "volume_level": 0.4,
            "is_volume_muted": False,
            "media_content_type": "music",
            "media_title": "Some song title",
            "media_artist": "Some artist",
            "media_position": 12,
            "supported_features": 152463,
        },
        "media_position",
    ),
    "camera": DomainSpec(
        8,
        ("idle", "recording", "streaming"),
        {
            "access_token": "0" * 64,
            "entity_picture": "/api/camera_proxy/camera.x?token=" + "0" * 64,
            "supported_features": 2,
        },
        "access_token",
    ),
}


class Stream:
    """The initial states and the pre-serialised change messages."""

    def __init__(self, changes: int, entities: int, seed: int) -> None:
        """Build everything now: the replay must not be the bottleneck later."""
        rng = random.Random(seed)
        started = time.perf_counter()
        base = datetime(2026, 1, 1, tzinfo=UTC)
        names = list(DOMAINS)
        weights = [DOMAINS[name].weight for name in names]
        current: dict[str, State] = {}
        counters: dict[str, int] = dict.fromkeys(names, 0)
        for _ in range(entities):
            domain = rng.choices(names, weights)[0]
            counters[domain] += 1
            entity_id = f"{domain}.replay_{domain}_{counters[domain]}"
            spec = DOMAINS[domain]
            attributes = {
                **spec.attributes,
                "friendly_name": f"Replay {domain} {counters[domain]}",
            }
            value = rng.choice(spec.states) if spec.states else "20.0"
            current[entity_id] = State(
                entity_id, value, attributes, base, base, base, Context()
            )
        current[SENTINEL] = State(
            SENTINEL, "waiting", {"friendly_name": "Replay sentinel"}, base, base, base
        )
        self.initial: list[State] = list(current.values())
        self.initial_json = [state.as_dict_json for state in self.initial]
        self.initial_compressed = [
            (state.entity_id, state.as_compressed_state_json) for state in self.initial
        ]

        ids = [entity_id for entity_id in current if entity_id != SENTINEL]
        self.entity_ids: list[str] = []
        self.event_bodies: list[bytes] = []  # state_changed, without the id
        self.diff_bodies: list[bytes] = []  # subscribe_entities, without the id
        self.by_domain: dict[str, int] = {}
        for index in range(changes):
            entity_id = SENTINEL if index == changes - 1 else rng.choice(ids)
            old = current[entity_id]
            when = base + timedelta(seconds=1, microseconds=index * 137)
            domain = old.domain
            if entity_id == SENTINEL:
                new = State(entity_id, SENTINEL_DONE, old.attributes, when, when, when)
            elif rng.random() < 0.8:  # a state change
                spec = DOMAINS[domain]
                if spec.states:
                    value = rng.choice([s for s in spec.states if s != old.state])
                else:
                    value = f"{rng.uniform(15, 25):.2f}"
                new = State(entity_id, value, old.attributes, when, when, when)
            else:  # an attribute-only change
                key = DOMAINS[domain].volatile
                attributes = dict(old.attributes)
                attributes[key] = _new_value(rng, attributes[key])
                new = State(
                    entity_id, old.state, attributes, old.last_changed, when, when
                )
            event = Event[EventStateChangedData](
                EVENT_STATE_CHANGED,
                {"entity_id": entity_id, "old_state": old, "new_state": new},
                time_fired_timestamp=when.timestamp(),
                context=new.context,
            )
            self.entity_ids.append(entity_id)
            # The same event: HA annotates this builder with a plain Event.
            any_event = cast("Event[Mapping[str, Any]]", event)
            self.event_bodies.append(
                messages.cached_event_message(b"0", any_event)[: -len(_ID_PLACEHOLDER)]
            )
            self.diff_bodies.append(
                messages.cached_state_diff_message(b"0", event)[: -len(_ID_PLACEHOLDER)]
            )
            self.by_domain[domain] = self.by_domain.get(domain, 0) + 1
            current[entity_id] = new
        self.final: list[State] = list(current.values())
        self.final_json = json_bytes([state.as_dict() for state in self.final])
        self.build_seconds = time.perf_counter() - started


def _new_value(rng: random.Random, old: Any) -> Any:
    if isinstance(old, bool):
        return not old
    if isinstance(old, int):
        return old + rng.randint(1, 9)
    if isinstance(old, float):
        return round(old + rng.uniform(0.1, 1.0), 2)
    return f"{rng.getrandbits(256):064x}"


def _ws_frame(payload: bytes) -> bytes:
    """Return an unmasked, uncompressed server text frame."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


@dataclass(slots=True)
class Subscription:
    """A state subscription of one connection."""

    kind: str  # "state_changed" or "entities"
    id_bytes: bytes
    keep: Any = None  # callable(entity_id) -> bool, or None for everything
    entity_ids: frozenset[str] = field(default_factory=frozenset)

    def wants(self, entity_id: str) -> bool:
        """Return True if HA would forward this entity's change."""
        if self.entity_ids and entity_id not in self.entity_ids:
            return False
        return self.keep is None or bool(self.keep(entity_id))


class Connection:
    """One client of the replay remote."""

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, stream: Stream, args: Any
    ) -> None:
        """Serve one authenticated socket."""
        self.ws = ws
        self.request = request
        self.stream = stream
        self.args = args
        self.coalesce = False
        self.subscriptions: dict[int, Subscription] = {}
        self.queue: deque[bytes] = deque()
        self.flush_scheduled = False
        self.wire: list[bytes] = []
        self.frames = 0
        self.wire_bytes = 0
        self.streamer: asyncio.Task[None] | None = None

    # -- HA's writer, simplified: a message queue flushed once per loop pass
    def send(self, message: bytes | dict[str, Any]) -> None:
        """Queue a message; several queued together leave as one array."""
        self.queue.append(
            message if isinstance(message, bytes) else orjson.dumps(message)
        )
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self.flush_scheduled = False
        queue = self.queue
        if self.ws.closed or not queue:
            queue.clear()
            return
        if not self.coalesce or len(queue) == 1:
            frames = [_ws_frame(message) for message in queue]
        else:
            frames = [_ws_frame(b"[" + b",".join(queue) + b"]")]
        queue.clear()
        self.request.transport.write(b"".join(frames))  # type: ignore[union-attr]

    def result(self, msg_id: int, result: Any = None) -> None:
        """Answer a command."""
        self.send({"id": msg_id, "type": "result", "success": True, "result": result})

    def error(self, msg_id: int, code: str, message: str) -> None:
        """Refuse a command."""
        self.send(
            {
                "id": msg_id,
                "type": "result",
                "success": False,
                "error": {"code": code, "message": message},
            }
        )

    async def run(self) -> None:
        """Authenticate, then answer commands until the client goes away."""
        ws = self.ws
        await ws.send_str(
            orjson.dumps({"type": "auth_required", "ha_version": HA_VERSION}).decode()
        )
        message = await ws.receive()
        if message.type is not WSMsgType.TEXT:
            return
        auth = orjson.loads(message.data)
        if auth.get("type") != "auth" or auth.get("access_token") != self.args.token:
            await ws.send_str(
                orjson.dumps(
                    {"type": "auth_invalid", "message": "Invalid access token"}
                ).decode()
            )
            return
        await ws.send_str(
            orjson.dumps({"type": "auth_ok", "ha_version": HA_VERSION}).decode()
        )
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    break
                payload = orjson.loads(message.data)
                for command in payload if isinstance(payload, list) else [payload]:
                    self.handle(command)
        finally:
            if self.streamer is not None:
                self.streamer.cancel()

    def handle(self, msg: dict[str, Any]) -> None:  # noqa: PLR0912
        """Answer one command the way HA's websocket_api does."""
        msg_id = msg.get("id")
        kind = msg.get("type")
        if not isinstance(msg_id, int):
            self.error(0, "invalid_format", "Message incorrectly formatted.")
            return
        if kind == "ping":
            self.send({"id": msg_id, "type": "pong"})
        elif kind == "supported_features":
            self.coalesce = bool(msg.get("features", {}).get("coalesce_messages"))
            self.result(msg_id)
        elif kind == "subscribe_events":
            event_type = msg.get("event_type", "*")
            if event_type == EVENT_STATE_CHANGED:
                self.subscriptions[msg_id] = Subscription(
                    "state_changed", str(msg_id).encode()
                )
            self.result(msg_id)
        elif kind == "subscribe_entities":
            self.subscribe_entities(msg_id, msg)
        elif kind == "unsubscribe_events":
            self.subscriptions.pop(msg.get("subscription", -1), None)
            self.result(msg_id)
        elif kind == "get_states":
            self.send(
                b"".join(
                    (
                        b'{"id":',
                        str(msg_id).encode(),
                        b',"type":"result","success":true,"result":[',
                        b",".join(self.stream.initial_json),
                        b"]}",
                    )
                )
            )
        elif kind == "get_services":
            self.result(msg_id, SERVICES)
        elif kind == "get_config":
            self.result(msg_id, CONFIG)
        elif kind == "replay/prepare":
            self.prepare()
            self.result(msg_id, {"frames": self.frames, "bytes": self.wire_bytes})
        elif kind == "replay/start":
            if not self.wire:
                self.prepare()
            self.result(msg_id)
            self.streamer = asyncio.get_running_loop().create_task(self.replay())
        else:
            self.error(msg_id, "unknown_command", "Unknown command.")

    def subscribe_entities(self, msg_id: int, msg: dict[str, Any]) -> None:
        """Subscribe with HA's own include/exclude semantics."""
        filter_conf = {key: msg[key] for key in ("include", "exclude") if key in msg}
        try:
            validated = INCLUDE_EXCLUDE_BASE_FILTER_SCHEMA(filter_conf)
        except vol.Invalid as err:
            self.error(msg_id, "invalid_format", str(err))
            return
        entity_filter = convert_include_exclude_filter(validated)
        keep = None if entity_filter.empty_filter else entity_filter.get_filter()
        subscription = Subscription(
            "entities",
            str(msg_id).encode(),
            keep,
            frozenset(msg.get("entity_ids") or ()),
        )
        self.subscriptions[msg_id] = subscription
        self.result(msg_id)
        initial = [
            compressed
            for entity_id, compressed in self.stream.initial_compressed
            if subscription.wants(entity_id)
        ]
        self.send(
            b"".join(
                (
                    b'{"id":',
                    subscription.id_bytes,
                    b',"type":"event","event":{"a":{',
                    b",".join(initial),
                    b"}}}",
                )
            )
        )

    def prepare(self) -> None:
        """Build this connection's wire frames from the pre-serialised messages."""
        stream = self.stream
        subscriptions = list(self.subscriptions.values())
        messages_out: list[bytes] = []
        append = messages_out.append
        for index, entity_id in enumerate(stream.entity_ids):
            for sub in subscriptions:
                if not sub.wants(entity_id):
                    continue
                body = (
                    stream.event_bodies[index]
                    if sub.kind == "state_changed"
                    else stream.diff_bodies[index]
                )
                append(body + b',"id":' + sub.id_bytes + b"}")
        if self.coalesce:
            batch = self.args.batch
            payloads = [
                b"[" + b",".join(messages_out[start : start + batch]) + b"]"
                for start in range(0, len(messages_out), batch)
            ]
        else:
            payloads = messages_out
        frames = [_ws_frame(payload) for payload in payloads]
        self.frames = len(frames)
        self.wire_bytes = sum(map(len, frames))
        self.wire = []
        chunk: list[bytes] = []
        size = 0
        for frame in frames:
            chunk.append(frame)
            size += len(frame)
            if size >= _WRITE_CHUNK:
                self.wire.append(b"".join(chunk))
                chunk, size = [], 0
        if chunk:
            self.wire.append(b"".join(chunk))

    async def replay(self) -> None:
        """Write the frames as fast as the client reads them."""
        transport = self.request.transport
        assert transport is not None
        self._flush()  # anything queued goes first, in order
        for chunk in self.wire:
            if self.ws.closed or transport.is_closing():
                return
            while transport.get_write_buffer_size() > _WRITE_HIGH_WATER:
                await asyncio.sleep(0.0005)
                if transport.is_closing():
                    return
            transport.write(chunk)
        self.wire = []


SERVICES: dict[str, Any] = {
    "homeassistant": {
        "restart": {"name": "Restart", "description": "Restarts HA.", "fields": {}},
        "reload_all": {"name": "Reload all", "description": "Reloads.", "fields": {}},
    },
    "light": {
        "turn_on": {"name": "Turn on", "description": "Turns on.", "fields": {}},
        "turn_off": {"name": "Turn off", "description": "Turns off.", "fields": {}},
    },
}
CONFIG: dict[str, Any] = {
    "location_name": "Replay Remote",
    "version": HA_VERSION,
    "latitude": 52.37,
    "longitude": 4.89,
    "elevation": 0,
    "unit_system": {"length": "km", "mass": "g", "temperature": "°C"},
    "time_zone": "UTC",
    "components": ["api", "websocket_api", "sensor", "light"],
    "config_dir": "/config",
    "state": "RUNNING",
    "safe_mode": False,
    "recovery_mode": False,
}


async def serve(args: argparse.Namespace) -> None:
    """Build the stream, listen on 127.0.0.1, print readiness, serve."""
    gc.disable()  # building creates millions of objects that all stay alive
    stream = Stream(args.changes, args.entities, args.seed)
    gc.freeze()
    gc.enable()

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=55, compress=False, max_msg_size=0)
        await ws.prepare(request)
        await Connection(ws, request, stream, args).run()
        return ws

    async def final_states(_request: web.Request) -> web.Response:
        return web.Response(body=stream.final_json, content_type="application/json")

    async def api(_request: web.Request) -> web.Response:
        return web.json_response({"message": "API running."})

    app = web.Application()
    app.router.add_get("/api/websocket", websocket)
    app.router.add_get("/api/", api)
    app.router.add_get("/replay/final_states", final_states)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", args.port))
    try:
        await web.SockSite(runner, sock).start()
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, done.set)
        loop.add_reader(sys.stdin.fileno(), _on_stdin, done)
        print(
            orjson.dumps(
                {
                    "port": sock.getsockname()[1],
                    "build_seconds": round(stream.build_seconds, 3),
                    "changes": len(stream.entity_ids),
                    "entities": len(stream.initial),
                    "changes_by_domain": stream.by_domain,
                    "sentinel": SENTINEL,
                    "sentinel_state": SENTINEL_DONE,
                    "state_changed_bytes": sum(map(len, stream.event_bodies)),
                    "diff_bytes": sum(map(len, stream.diff_bodies)),
                }
            ).decode(),
            flush=True,
        )
        await done.wait()
    finally:
        await runner.cleanup()
        sock.close()


def _on_stdin(done: asyncio.Event) -> None:
    stdin = sys.stdin.buffer
    assert isinstance(stdin, io.BufferedReader)
    if not stdin.read1(4096):  # EOF: the parent went away
        asyncio.get_running_loop().remove_reader(sys.stdin.fileno())
        done.set()


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20_000)
    parser.add_argument("--entities", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
