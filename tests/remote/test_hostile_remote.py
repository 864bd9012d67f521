"""A hostile remote: after a normal handshake, frames drawn by hypothesis.

Wrong types everywhere, huge and deeply nested attributes, ids that are not
entity ids, states filed under another id, unknown message types, results for
ids never sent, diffs for unknown entities, binary frames, frames over the
limit, hostile snapshots and REST answers, and closes. After every sequence:

- the link is up, or on its way back with a backoff that grows (never dead);
- every read a view makes (``state``, ``states_json``, ``services``) answers
  or raises the core's ``RemoteBridgeError`` (a 503), nothing else (a 500);
- ``orjson.dumps`` of every mirrored state works;
- no filtered or invalid entity id is mirrored.

One server and one link serve every example (a fresh pair would cost more
than the example); the backoff sleep is faked, the frame limit small.
``--soak`` runs 100,000 sequences instead of 2,000 (1,000 per subscription kind).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings, strategies as st
import orjson
import pytest

from custom_components.remote_bridge.remote import (
    ClientOptions,
    ConnectionState,
    EntityFilter,
    RemoteBridgeError,
    RemoteLink,
)
from custom_components.remote_bridge.remote.validate import valid_entity_id

from .scripted_server import GOOD_TOKEN, Connection, ScriptedServer, deep, raw_json

FRAME_LIMIT = 16_384
SEQUENCES = int(
    __import__("os").environ.get("HOSTILE_N", 1_000)
)  # per subscription kind: 2,000 in all
SOAK_SEQUENCES = 50_000
TS = 1_764_158_400.0

ENTITY_IDS = [
    "light.a",
    "light.b",
    "sensor.t",
    "switch.pump",
    "camera.front_door",  # filtered out
    "media_player.tv",  # filtered out
    "automation.x",  # filtered out
    "Light.A",
    "light",
    "light.",
    "a.b.c",
    "light._x",
    "li__ght.a",
    "light.x y",
    "light.a\n",
    "",
    "light." + "a" * 300,
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
entity_ids = st.sampled_from(ENTITY_IDS) | st.text(max_size=12)
deep_value = st.integers(200, 600).map(deep)
attributes = st.dictionaries(st.text(max_size=4), junk | deep_value, max_size=3)
timestamps = st.sampled_from([TS, 0.0, -1.0, 1e20, "x", None]) | st.floats(
    allow_nan=False, allow_infinity=False
)


@st.composite
def compressed_states(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return draw(junk)
    state: dict[str, Any] = {
        "s": draw(st.text(max_size=5) | junk),
        "a": draw(attributes | junk),
        "c": draw(st.text(max_size=4) | junk),
        "lc": draw(timestamps),
    }
    if draw(st.booleans()):
        state["lu"] = draw(timestamps)
    return state


@st.composite
def diffs(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return draw(junk)
    additions = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "s": st.text(max_size=5) | junk,
                "a": attributes,
                "c": st.text(max_size=4) | junk | deep_value,
                "lc": timestamps,
                "lu": timestamps,
            },
        )
    )
    diff: dict[str, Any] = {"+": additions}
    if draw(st.booleans()):
        diff["-"] = {"a": draw(st.lists(st.text(max_size=4)) | junk)}
    return diff


@st.composite
def full_states(draw: st.DrawFn, entity_id: Any = None) -> Any:
    if draw(st.integers(0, 4)) == 0:
        return draw(junk)
    return {
        "entity_id": entity_id if entity_id is not None else draw(entity_ids),
        "state": draw(st.text(max_size=5) | junk),
        "attributes": draw(attributes | junk),
        "last_changed": "2026-11-26T12:00:00+00:00",
        "last_reported": "2026-11-26T12:00:00+00:00",
        "last_updated": "2026-11-26T12:00:00+00:00",
        "context": draw(junk),
    }


@st.composite
def state_changed(draw: st.DrawFn) -> Any:
    entity_id = draw(entity_ids)
    claimed = draw(st.sampled_from([entity_id, None]) | entity_ids)
    new_state = draw(st.none() | full_states(entity_id=claimed))
    return {"data": {"entity_id": entity_id, "new_state": new_state}}


@dataclass(frozen=True)
class Frame:
    """One hostile action of the remote."""

    kind: str
    payload: Any = None


def event(sub: str, body: st.SearchStrategy[Any]) -> st.SearchStrategy[Frame]:
    return body.map(lambda value: Frame("event", (sub, value)))


messages = st.one_of(
    event(
        "entities",
        st.dictionaries(entity_ids, compressed_states(), max_size=3).map(
            lambda a: {"a": a}
        ),
    ),
    event(
        "entities",
        st.dictionaries(entity_ids, diffs(), max_size=3).map(lambda c: {"c": c}),
    ),
    event("entities", st.lists(entity_ids | junk, max_size=3).map(lambda r: {"r": r})),
    event("entities", junk),
    event("state_changed", state_changed()),
    event("state_changed", junk),
    event("service_registered", junk),
    st.builds(
        lambda sub, body: Frame("message", {"id": sub, "type": "event", "event": body}),
        st.integers(-5, 50) | junk,
        junk,
    ),
    st.builds(
        lambda mid, ok, result: Frame(
            "message", {"id": mid, "type": "result", "success": ok, "result": result}
        ),
        st.integers(0, 10_000) | junk,
        junk,
        junk,
    ),
    st.builds(
        lambda kind: Frame("message", {"type": kind, "id": 1}),
        st.text(max_size=10) | junk,
    ),
    junk.map(lambda value: Frame("message", value)),
)

frames = st.one_of(
    messages,
    st.lists(messages, min_size=1, max_size=4).map(lambda m: Frame("coalesced", m)),
    st.text(max_size=20).map(lambda text: Frame("text", text)),
    st.binary(max_size=20).map(lambda data: Frame("binary", data)),
    st.integers(FRAME_LIMIT + 1, 4 * FRAME_LIMIT).map(lambda size: Frame("huge", size)),
    st.lists(full_states(), max_size=4).map(lambda states: Frame("snapshot", states)),
    st.tuples(
        st.sampled_from(["/api/states", "/api/states/light.a", "/api/services"]),
        st.integers(0, 3),
        junk,
    ).map(lambda rest: Frame("rest", rest)),
    st.just(Frame("close")),
)


@dataclass
class Hostile:
    """The one server and link every example uses."""

    server: ScriptedServer
    link: RemoteLink
    delays: list[float] = field(default_factory=list)
    session: aiohttp.ClientSession | None = None
    marker: int = 0
    # Sequences after which the remote had to heal for the link to come back.
    healed: int = 0
    runner: asyncio.Task[None] | None = None

    def connection(self) -> Connection | None:
        """Return the live connection, once subscribed."""
        if not self.link.connected or not self.server.connections:
            return None
        connection = self.server.connections[-1]
        return connection if connection.subs else None

    async def play(self, frame: Frame) -> None:
        """Do what ``frame`` says, on the live connection if there is one."""
        connection = self.connection()
        server = self.server
        if frame.kind == "snapshot":
            server.raw_states = frame.payload  # the next reconnect's
        elif frame.kind == "rest":
            path, status, body = frame.payload
            server.rest[path] = ((200, 404, 500, 401)[status], raw_json(body).encode())
        elif connection is None or connection.ws.closed:
            return
        elif frame.kind == "event":
            sub, body = frame.payload
            if (sub_id := connection.subs.get(sub)) is not None:
                await connection.send({"id": sub_id, "type": "event", "event": body})
        elif frame.kind == "message":
            await connection.send(frame.payload)
        elif frame.kind == "coalesced":
            await connection.send([self._resolve(connection, m) for m in frame.payload])
        elif frame.kind == "text":
            await connection.send_raw(frame.payload)
        elif frame.kind == "binary":
            await connection.ws.send_bytes(frame.payload)
        elif frame.kind == "huge":
            await connection.send_raw(
                f'{{"type":"event","pad":"{"x" * frame.payload}"}}'
            )
        elif frame.kind == "close":
            await connection.ws.close()

    @staticmethod
    def _resolve(connection: Connection, frame: Frame) -> Any:
        if frame.kind == "event":
            sub, body = frame.payload
            return {"id": connection.subs.get(sub, -1), "type": "event", "event": body}
        return frame.payload

    async def settle(self) -> None:
        """Send a marker state and wait until the link mirrored it.

        Across drops: the marker is sent again on each new connection. A
        remote whose snapshot can never be taken (one over the frame limit)
        keeps the link reconnecting, never dead; once the remote heals, the
        link must come back.
        """
        self.marker += 1
        value = str(self.marker)
        if await self._marker_arrives(value, within=5):
            return
        assert self.link.link_state in (
            ConnectionState.CONNECTED,
            ConnectionState.RECONNECTING,
            ConnectionState.CONNECTING,
        ), self.link.link_state
        assert self.runner is not None
        assert not self.runner.done(), self.runner
        self.healed += 1
        self.server.raw_states = None
        self.server.rest.clear()
        if not await self._marker_arrives(value, within=20):
            stats = self.link.stats()
            pytest.fail(
                f"no marker after the remote healed: {stats.link_state}, "
                f"{stats.reconnect_attempts} attempts, "
                f"last error {stats.last_error!r}, "
                f"{self.server.ws_attempts} connections to the server"
            )

    async def _marker_arrives(self, value: str, *, within: float) -> bool:
        """Return True once the mirror holds the marker ``value``."""
        mirror = self.link.mirror
        try:
            async with asyncio.timeout(within):
                while True:
                    connection = self.connection()
                    if connection is not None and not connection.ws.closed:
                        with contextlib.suppress(ConnectionError):
                            await self._send_marker(connection, value)
                    for _ in range(50):
                        await asyncio.sleep(0.001)
                        entry = mirror.get("sensor.marker")
                        if entry is not None and entry["state"] == value:
                            return True
                        if self.connection() is not connection:
                            break
        except TimeoutError:
            return False

    async def _send_marker(self, connection: Connection, value: str) -> None:
        if (sub := connection.subs.get("entities")) is not None:
            compressed = {"s": value, "a": {}, "c": "m", "lc": TS}
            await connection.send(
                {
                    "id": sub,
                    "type": "event",
                    "event": {"a": {"sensor.marker": compressed}},
                }
            )
            return
        new_state = {
            "entity_id": "sensor.marker",
            "state": value,
            "attributes": {},
            "last_changed": "2026-11-26T12:00:00+00:00",
            "last_reported": "2026-11-26T12:00:00+00:00",
            "last_updated": "2026-11-26T12:00:00+00:00",
            "context": {"id": "m", "parent_id": None, "user_id": None},
        }
        await connection.send(
            {
                "id": connection.subs["state_changed"],
                "type": "event",
                "event": {
                    "data": {"entity_id": "sensor.marker", "new_state": new_state}
                },
            }
        )

    async def check(self) -> None:
        """Assert what must hold after any sequence."""
        link = self.link
        assert self.runner is not None
        assert not self.runner.done(), self.runner
        assert link.link_state in (
            ConnectionState.CONNECTED,
            ConnectionState.RECONNECTING,
            ConnectionState.CONNECTING,
        )
        assert all(delay >= 2 for delay in self.delays)
        keep = link.entity_filter
        for state in link.mirror.states():
            orjson.dumps(state)
            entity_id = state["entity_id"]
            assert valid_entity_id(entity_id), entity_id
            assert keep(entity_id), entity_id
        reader = link.reader
        reads: list[Callable[[], Awaitable[Any]]] = [
            reader.states_json,
            partial(reader.states_json, ["light"]),
            reader.services,
            *(partial(reader.state, e) for e in ("light.a", "sensor.t", "Light.A")),
        ]
        for read in reads:
            try:
                answer = await read()
            except RemoteBridgeError:
                continue
            if not isinstance(answer, bytes):
                orjson.dumps(answer)


async def open_hostile(subscribe_entities: bool) -> Hostile:
    """Start the server and connect the link; ``close_hostile`` undoes it."""
    server = ScriptedServer()
    await server.start()
    session = aiohttp.ClientSession()
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        await asyncio.sleep(0)

    link = RemoteLink(
        session,
        server.url,
        GOOD_TOKEN,
        entity_filter=EntityFilter(),
        options=ClientOptions(
            connect_timeout=2.0,
            command_timeout=2.0,
            max_frame_bytes=FRAME_LIMIT,
            subscribe_entities=subscribe_entities,
        ),
        sleep=sleep,
    )
    server.subscribe_entities = subscribe_entities
    hostile = Hostile(server, link, delays, session=session)
    await link.connect()
    hostile.runner = asyncio.ensure_future(link.run())
    return hostile


async def close_hostile(hostile: Hostile) -> None:
    await hostile.link.stop()
    if hostile.runner is not None:
        await hostile.runner
    if hostile.session is not None:
        await hostile.session.close()
    await hostile.server.stop()


async def one_sequence(hostile: Hostile, sequence: list[Frame]) -> None:
    try:
        for frame in sequence:
            await hostile.play(frame)
        await hostile.settle()
        await hostile.check()
    finally:
        # Even after a failure: the next example (hypothesis shrinking this
        # one) must not inherit this one's hostile snapshot or REST answers.
        hostile.server.raw_states = None
        hostile.server.rest.clear()


@pytest.mark.parametrize(
    "subscribe_entities", [True, False], ids=["entities", "state_changed"]
)
def test_hostile_remote(
    socket_enabled: None, pytestconfig: pytest.Config, subscribe_entities: bool
) -> None:
    """2,000 hostile sequences (100,000 with --soak) never kill the link."""
    soak = pytestconfig.getoption("--soak", default=False)
    loop = asyncio.new_event_loop()
    hostile = loop.run_until_complete(open_hostile(subscribe_entities))

    @settings(
        max_examples=SOAK_SEQUENCES if soak else SEQUENCES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(sequence=st.lists(frames, min_size=1, max_size=12))
    def run(sequence: list[Frame]) -> None:
        loop.run_until_complete(one_sequence(hostile, sequence))

    try:
        run()
    finally:
        loop.run_until_complete(close_hostile(hostile))
        loop.close()
        # Shown with -s (the soak's figures in benchmarks/README.md).
        print(  # noqa: T201
            f"\n{hostile.marker:,} sequences, {hostile.healed:,} of them "
            f"needed the remote to heal, {hostile.server.ws_attempts:,} connections"
        )


def test_a_snapshot_over_the_limit_keeps_the_link_trying(socket_enabled: None) -> None:
    """A remote whose snapshot never fits a frame: retried until the remote heals."""
    loop = asyncio.new_event_loop()
    hostile = loop.run_until_complete(open_hostile(subscribe_entities=True))
    too_big = {
        "entity_id": "light.a",
        "state": "on",
        "attributes": {"pad": "x" * FRAME_LIMIT},
        "last_changed": "2026-11-26T12:00:00+00:00",
        "last_reported": "2026-11-26T12:00:00+00:00",
        "last_updated": "2026-11-26T12:00:00+00:00",
        "context": None,
    }
    try:
        attempts = hostile.server.ws_attempts
        loop.run_until_complete(
            one_sequence(hostile, [Frame("snapshot", [too_big]), Frame("close")])
        )
        assert hostile.healed == 1
        assert hostile.server.ws_attempts > attempts + 2  # it kept trying
        assert hostile.link.connected
        assert "light.a" not in hostile.link.mirror
    finally:
        loop.run_until_complete(close_hostile(hostile))
        loop.close()
