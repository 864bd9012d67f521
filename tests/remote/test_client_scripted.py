"""RemoteClient against a scripted server: faults a real remote cannot make."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
import logging
import time
from typing import Any

import aiohttp
from homeassistant.core import Context, State
import orjson
import pytest

from custom_components.remote_bridge.remote import (
    CannotConnect,
    CommandFailed,
    InvalidAuth,
    ProtocolError,
)
from custom_components.remote_bridge.remote.subscriptions import SubscriptionKind

from .conftest import wait_for
from .helpers import FakeClock, Wired
from .scripted_server import GOOD_TOKEN, Connection, ScriptedServer, full

LOGGER = "custom_components.remote_bridge.remote.client"
FAST: dict[str, Any] = {
    "heartbeat_interval": 30.0,
    "connect_timeout": 2.0,
    "command_timeout": 2.0,
}
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

type Factory = Callable[..., Wired]


def state(entity_id: str, value: str, **attributes: Any) -> State:
    return State(
        entity_id,
        value,
        attributes,
        last_changed=T0,
        last_updated=T0,
        last_reported=T0,
        context=Context(id="ctx"),
    )


@pytest.fixture
async def wired(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> AsyncGenerator[Factory]:
    """Clients of the scripted server; stopped at teardown."""
    made: list[Wired] = []

    def factory(token: str = GOOD_TOKEN, **kwargs: Any) -> Wired:
        options = {**FAST, **kwargs}
        item = Wired(own_session, scripted.url, token, **options)
        made.append(item)
        return item

    yield factory
    for item in made:
        await item.close()


def mirrored(item: Wired) -> dict[str, Any]:
    return {s["entity_id"]: s for s in item.mirror.states()}


async def test_subscribe_then_snapshot_order(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """supported_features first, subscriptions, then the snapshot; ids increase."""
    item = wired()
    await item.client.connect()
    connection = scripted.connections[0]
    assert connection.types() == [
        "supported_features",
        "subscribe_entities",
        "subscribe_events",
        "subscribe_events",
        "get_states",
        "get_services",
        "get_config",
    ]
    ids = [message["id"] for message in connection.received]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert connection.received[0]["features"] == {"coalesce_messages": 1}
    assert connection.received[1]["exclude"] == {
        "domains": ["automation", "camera", "media_player"]
    }
    events = {
        m["event_type"] for m in connection.received if m["type"] == "subscribe_events"
    }
    assert events == {"service_registered", "service_removed"}


async def test_silent_pong_loss(scripted: ScriptedServer, wired: Factory) -> None:
    """No pong within pong_timeout: the link is declared dead and re-made."""
    scripted.answer_pings = False
    item = wired(heartbeat_interval=0.2, pong_timeout=0.3)
    await item.client.connect()
    item.start()
    started = time.monotonic()
    await wait_for(lambda: "reconnecting" in item.connection_states, within=3)
    detected = time.monotonic() - started
    assert detected < 0.2 + 0.3 + 0.4, detected
    assert detected >= 0.45
    await scripted.wait_connection(2)
    await wait_for(lambda: item.client.connected)
    assert len(item.delays) == 1  # one backoff, then connected again


async def test_pong_measures_latency(scripted: ScriptedServer, wired: Factory) -> None:
    """A live link answers pings; the round trip is recorded, no reconnect.

    The link's clock moves 42 ms on while the remote holds each ping, so the
    round trip must measure exactly that, by the injected clock.
    """
    clock = FakeClock()

    async def hold_ping(_connection: Connection, message: dict[str, Any]) -> bool:
        if message["type"] == "ping":
            clock.now += 0.042
        return False  # answered as usual

    scripted.hook = hold_ping
    item = wired(heartbeat_interval=0.05, pong_timeout=0.5)
    item.link.set_timing(clock=clock)
    await item.client.connect()
    item.start()
    await wait_for(lambda: item.client.heartbeat.latency_ms is not None)
    assert item.client.heartbeat.latency_ms == 42.0
    assert item.link.stats().latency_ms == 42.0
    await asyncio.sleep(0.15)
    assert len(scripted.connections) == 1
    assert item.client.connected


async def test_drop_mid_frame_reconnects_and_reconciles(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """A drop mid-frame: reconnect, re-subscribe, resync; the mirror reconciles."""
    scripted.states = {
        "light.a": state("light.a", "on"),
        "light.gone": state("light.gone", "on"),
    }
    item = wired()
    await item.client.connect()
    item.start()
    first = scripted.connections[0]
    old, new = scripted.set(state("light.a", "off", brightness=3))
    await scripted.push_change(first, old, new)
    await wait_for(lambda: (item.mirror.get("light.a") or {}).get("state") == "off")
    # While the link is going down the remote changes.
    del scripted.states["light.gone"]
    scripted.set(state("light.new", "on"))
    first.drop_mid_frame()
    second = await scripted.wait_connection(2)
    await wait_for(lambda: item.client.connected and item.link.snapshots == 2)
    assert second.types()[:5] == [
        "supported_features",
        "subscribe_entities",
        "subscribe_events",
        "subscribe_events",
        "get_states",
    ]
    assert mirrored(item) == {e: full(s) for e, s in scripted.states.items()}
    assert item.client.subscriptions == 3
    assert item.link.stats().reconnect_attempts == 0
    assert item.connection_states[-2:] == ["reconnecting", "connected"]
    # And the new link carries changes.
    old, new = scripted.set(state("light.new", "off"))
    await scripted.push_change(second, old, new)
    await wait_for(lambda: (item.mirror.get("light.new") or {}).get("state") == "off")


async def test_malformed_input_is_skipped_with_one_warning_per_kind(
    scripted: ScriptedServer, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbage frames and messages are skipped, warned about once; the link lives."""
    scripted.states = {"light.a": state("light.a", "on")}
    item = wired()
    await item.client.connect()
    item.start()
    connection = scripted.connections[0]
    caplog.clear()
    for _ in range(2):
        await connection.send_raw("this is not json {")
        await connection.send({"no": "type"})
        await connection.send({"type": "result"})  # no id
        await connection.send({"type": "mystery"})
        await connection.send({"type": "enigma"})
        await connection.send([1, "two", None])
        await connection.event("entities", {"a": {"light.b": {"s": "on"}}})  # no lc
        await connection.event("entities", {"c": {"light.a": {"+": {"s": 5}}}})
        await connection.ws.send_bytes(b"\x00\x01")
    await connection.send({"id": 999, "type": "result", "success": True})  # unknown id
    await connection.send({"id": 998, "type": "event", "event": {}})  # unknown sub
    old, new = scripted.set(state("light.c", "on"))
    await scripted.push_change(connection, old, new)
    await wait_for(
        lambda: "light.c" in item.mirror, what="a valid change after garbage"
    )
    assert item.client.connected
    assert len(scripted.connections) == 1
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and r.name == LOGGER
    ]
    messages = sorted(r.getMessage().split(" from ")[0] for r in warnings)
    assert messages == [
        "Ignoring a malformed frame",
        "Ignoring a malformed message",
        "Ignoring a malformed state",
        "Ignoring a message of unknown type 'mystery'",
        "Ignoring a non-text frame",
    ]
    # The malformed state and the unusable diff dropped those entries.
    assert "light.b" not in item.mirror
    assert "light.a" not in item.mirror
    assert item.mirror.counters.fallbacks >= 3


async def test_coalesced_arrays(scripted: ScriptedServer, wired: Factory) -> None:
    """A frame holding an array of messages is split and applied in order."""
    scripted.coalesce = True
    scripted.states = {"light.a": state("light.a", "on")}
    item = wired()
    await item.client.connect()
    assert ("light.a", full(scripted.states["light.a"])) in item.states
    batches = len(item.batches)
    connection = scripted.connections[0]
    sub = connection.subs["entities"]
    await connection.send(
        [
            {
                "id": sub,
                "type": "event",
                "event": {"c": {"light.a": {"+": {"s": "off"}}}},
            },
            {
                "id": sub,
                "type": "event",
                "event": {"c": {"light.a": {"+": {"s": "dim"}}}},
            },
            {"id": sub, "type": "event", "event": {"r": ["light.a"]}},
            {
                "id": sub,
                "type": "event",
                "event": {"a": {"light.z": {"s": "1", "a": {}, "c": "x", "lc": 1.5}}},
            },
        ]
    )
    await wait_for(lambda: "light.z" in item.mirror)
    # One frame, one batch for the listeners, with each entity once.
    assert len(item.batches) == batches + 1
    assert item.batches[-1] == {
        "light.a": None,
        "light.z": item.mirror.get("light.z"),
    }
    assert "light.a" not in item.mirror
    assert item.link.events_received == 4  # the initial dump is not counted


async def test_coalesced_diffs_keep_their_order(
    scripted: ScriptedServer, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """Diffs batched from one frame apply in order around the other messages."""
    scripted.coalesce = True
    scripted.states = {
        "light.a": state("light.a", "on"),
        "light.b": state("light.b", "on"),
    }
    item = wired()
    await item.client.connect()
    connection = scripted.connections[0]
    sub = connection.subs["entities"]
    received = item.link.events_received
    batches = len(item.batches)

    def change(entity_id: str, value: str) -> dict[str, Any]:
        return {
            "id": sub,
            "type": "event",
            "event": {"c": {entity_id: {"+": {"s": value, "lc": 1.5e9}}}},
        }

    await connection.send(
        [
            change("light.a", "off"),
            change("light.b", "dim"),
            {"id": 999, "type": "result", "success": True},  # nobody waits for it
            change("light.a", "on"),
            {
                "id": sub,
                "type": "event",
                "event": {"c": {"light.b": {"+": {"s": "x"}}}, "r": ["light.a"]},
            },
            {"id": sub, "type": "event"},  # no event: skipped with a warning
            change("light.b", "last"),
        ]
    )
    await wait_for(lambda: len(item.batches) > batches, what="the frame's batch")
    # Applied in order: light.a changed twice, then went; light.b ends "last".
    assert len(item.batches) == batches + 1
    assert list(item.batches[-1]) == ["light.a", "light.b"]
    assert item.batches[-1]["light.a"] is None
    assert "light.a" not in item.mirror
    last = item.mirror.get("light.b")
    assert item.batches[-1]["light.b"] == last
    assert last is not None
    assert last["state"] == "last"
    assert last["last_changed"] == "2017-07-14T02:40:00+00:00"
    assert item.link.events_received == received + 6
    assert "Ignoring a malformed message" in caplog.text


async def test_unknown_command_falls_back_to_state_changed(
    scripted: ScriptedServer, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """A remote without subscribe_entities: state_changed events instead."""
    scripted.subscribe_entities = False
    item = wired()
    await item.client.connect()
    item.start()
    assert item.client.subscription_kind is SubscriptionKind.STATE_CHANGED
    connection = scripted.connections[0]
    assert connection.types()[1:3] == ["subscribe_entities", "subscribe_events"]
    assert connection.received[2]["event_type"] == "state_changed"
    assert item.client.subscriptions == 3
    old, new = scripted.set(state("light.a", "on", brightness=1))
    await scripted.push_change(connection, old, new)
    await wait_for(lambda: item.mirror.get("light.a") == full(new))
    assert "does not support subscribe_entities" in caplog.text


async def test_subscribe_entities_other_error_is_raised(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """Only unknown_command/invalid_format mean "unsupported"; others fail."""

    async def hook(connection: Connection, message: dict[str, Any]) -> bool:
        if message["type"] != "subscribe_entities":
            return False
        await connection.send(
            {
                "id": message["id"],
                "type": "result",
                "success": False,
                "error": {"code": "unauthorized", "message": "no"},
            }
        )
        return True

    scripted.hook = hook
    item = wired()
    with pytest.raises(CommandFailed) as err:
        await item.client.connect()
    assert err.value.code == "unauthorized"
    assert item.client.subscriptions == 0


async def test_backoff_schedule_and_max_attempts(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """Delays 2, 4, 8, capped; gives up after max attempts; reconnect() wakes it."""
    item = wired(reconnect_max_attempts=4, reconnect_max_delay=10)
    await item.client.connect()
    item.start()
    scripted.refuse_connections = True
    await scripted.connections[0].ws.close()
    await wait_for(lambda: item.client.link_state == "disconnected", what="giving up")
    assert [int(d) for d in item.delays] == [2, 4, 8, 10]
    for delay, base in zip(item.delays, [2, 4, 8, 10], strict=True):
        assert base <= delay <= base * 1.1
    assert scripted.ws_attempts == 1 + 4
    assert item.link.stats().gave_up
    assert item.link.stats().reconnect_attempts == 4
    assert item.client.last_error is not None
    # A user's reconnect action wakes it at once, with a fresh count.
    scripted.refuse_connections = False
    await item.client.reconnect()
    await wait_for(lambda: item.client.connected, what="reconnected")
    assert len(item.delays) == 4  # no backoff before the woken attempt
    assert not item.link.stats().gave_up
    assert item.link.stats().reconnect_attempts == 0


async def test_attempt_counter_resets_after_success(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """After a successful reconnect the next outage starts at 2 s again."""
    item = wired(reconnect_max_attempts=0)
    await item.client.connect()
    item.start()
    scripted.refuse_connections = True
    await scripted.connections[0].ws.close()
    await wait_for(lambda: len(item.delays) >= 3)
    scripted.refuse_connections = False
    await wait_for(lambda: item.client.connected)
    count = len(item.delays)
    await scripted.connections[-1].ws.close()
    await wait_for(lambda: len(item.delays) > count and item.client.connected)
    assert round(item.delays[count]) == 2


async def test_auth_invalid_is_never_retried(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """A token revoked while running: auth_failed, run() ends, one attempt."""
    item = wired()
    await item.client.connect()
    item.start()
    scripted.token = "rotated"
    await scripted.connections[0].ws.close()
    await wait_for(item.run_task.done, what="run() to end")
    assert item.client.link_state == "auth_failed"
    assert scripted.ws_attempts == 2
    assert len(item.delays) == 1


async def test_connect_timeout(scripted: ScriptedServer, wired: Factory) -> None:
    """A server that never sends auth_required: CannotConnect after the timeout."""
    scripted.greet = False
    item = wired(connect_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(CannotConnect, match="timed out"):
        await item.client.connect()
    assert time.monotonic() - started < 2.5


async def test_nothing_listening(own_session: aiohttp.ClientSession) -> None:
    """A closed port is CannotConnect, over WebSocket and REST."""
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    item = Wired(own_session, f"127.0.0.1:{port}", GOOD_TOKEN)
    with pytest.raises(CannotConnect):
        await item.client.connect()
    with pytest.raises(CannotConnect):
        await item.client.rest.fetch_states()
    await item.close()


@pytest.mark.parametrize(
    ("greeting", "auth_answer", "error"),
    [
        ('{"type": "auth_ok"}', None, ProtocolError),  # no auth_required
        ("not json", None, ProtocolError),
        ("[1, 2]", None, ProtocolError),
        (None, '{"type": "result"}', ProtocolError),  # neither ok nor invalid
    ],
)
async def test_handshake_errors(
    scripted: ScriptedServer,
    wired: Factory,
    greeting: str | None,
    auth_answer: str | None,
    error: type[Exception],
) -> None:
    """A handshake that breaks the protocol raises, and nothing is left open."""
    scripted.greeting = greeting
    scripted.auth_answer = auth_answer
    item = wired()
    with pytest.raises(error):
        await item.client.connect()
    assert item.client.idle


async def test_http_error_at_websocket(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """An HTTP error instead of the upgrade: CannotConnect naming the status."""
    scripted.refuse_connections = True
    item = wired()
    with pytest.raises(CannotConnect, match="503"):
        await item.client.connect()


async def test_commands(scripted: ScriptedServer, wired: Factory) -> None:
    """Errors carry the remote's code; an unanswered command times out."""

    async def hook(connection: Connection, message: dict[str, Any]) -> bool:
        if message["type"] == "fail_me":
            await connection.send(
                {
                    "id": message["id"],
                    "type": "result",
                    "success": False,
                    "error": {"code": "home_assistant_error", "message": "broken"},
                }
            )
            return True
        return str(message["type"]) == "ignore_me"

    scripted.hook = hook
    item = wired()
    await item.client.connect()
    with pytest.raises(CommandFailed) as err:
        await item.client.send_command({"type": "fail_me"})
    assert (err.value.code, err.value.message) == ("home_assistant_error", "broken")
    with pytest.raises(CommandFailed) as err:
        await item.client.send_command({"type": "ignore_me"}, answer_within=0.1)
    assert err.value.code == "timeout"
    assert item.client.open_commands == 0
    # A command in flight when the link drops fails with CannotConnect.
    pending = asyncio.create_task(item.client.send_command({"type": "ignore_me"}))
    await wait_for(lambda: scripted.connections[0].types()[-1] == "ignore_me")
    await scripted.connections[0].ws.close()
    with pytest.raises(CannotConnect):
        await pending


async def test_bad_snapshot(scripted: ScriptedServer, wired: Factory) -> None:
    """get_states that is not a list is a ProtocolError; the link is closed."""

    async def hook(connection: Connection, message: dict[str, Any]) -> bool:
        if message["type"] != "get_states":
            return False
        await connection.send(
            {
                "id": message["id"],
                "type": "result",
                "success": True,
                "result": {"not": "a list"},
            }
        )
        return True

    scripted.hook = hook
    item = wired()
    with pytest.raises(ProtocolError):
        await item.client.connect()
    assert item.client.idle


async def test_rest_errors(scripted: ScriptedServer, wired: Factory) -> None:
    """REST: 404 None, 401 InvalidAuth, 500 CannotConnect, junk ProtocolError."""
    scripted.states = {"light.a": state("light.a", "on")}
    item = wired()
    assert await item.client.rest.fetch_state("light.a") == full(
        scripted.states["light.a"]
    )
    assert await item.client.rest.fetch_state("light.none") is None
    assert await item.client.rest.fetch_services() == [
        {"domain": "light", "services": {"turn_on": {}}}
    ]
    scripted.rest["/api/states"] = (500, b"oops")
    with pytest.raises(CannotConnect, match="500"):
        await item.client.rest.fetch_states()
    scripted.rest["/api/states"] = (200, b"<html>")
    with pytest.raises(ProtocolError):
        await item.client.rest.fetch_states()
    scripted.rest["/api/states"] = (200, b'{"a": 1}')
    with pytest.raises(ProtocolError):
        await item.client.rest.fetch_states()
    scripted.rest["/api/services"] = (200, b'{"a": 1}')
    with pytest.raises(ProtocolError):
        await item.client.rest.fetch_services()
    wrong = wired(token="wrong")
    with pytest.raises(InvalidAuth):
        await wrong.client.rest.fetch_state("light.a")


async def test_stop_during_connect_leaves_nothing(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """stop() while the socket opens: connect() fails, no task, stays stopped."""
    gate = scripted.accept_gate = asyncio.Event()
    item = wired()
    connecting = asyncio.create_task(item.client.connect())
    await wait_for(lambda: scripted.ws_attempts == 1)
    await item.client.stop()
    gate.set()
    with pytest.raises(CannotConnect):
        await connecting
    assert item.client.link_state == "stopped"
    assert item.client.idle


async def test_stop_while_backing_off(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> None:
    """stop() during a (real) backoff sleep ends run() at once."""
    from custom_components.remote_bridge.remote import RemoteClient  # noqa: PLC0415

    client = RemoteClient(own_session, scripted.url, GOOD_TOKEN)
    await client.connect()
    runner = asyncio.create_task(client.run())
    scripted.refuse_connections = True
    await scripted.connections[0].ws.close()
    await wait_for(lambda: client.link_state == "reconnecting")
    started = time.monotonic()
    await client.stop()
    assert runner.done()
    assert time.monotonic() - started < 0.5
    await runner


async def test_token_never_logged(
    scripted: ScriptedServer, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """Across failures (auth, refused, REST 401, timeouts) the token never shows."""
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    secret = "super-secret-token-0123456789abcdef"
    scripted.token = secret
    item = wired(token=secret, reconnect_max_attempts=2)
    await item.client.connect()
    item.start()
    scripted.refuse_connections = True
    await scripted.connections[0].ws.close()
    await wait_for(lambda: item.client.link_state == "disconnected")
    scripted.refuse_connections = False
    scripted.rest["/api/states"] = (401, b"no")
    try:
        await item.client.rest.fetch_states()
    except InvalidAuth as err:
        errors.append(err)
    scripted.token = "other"
    bad = wired(token=secret)
    try:
        await bad.client.connect()
    except InvalidAuth as err:
        errors.append(err)
    scripted.greet = False
    slow = wired(token=secret, connect_timeout=0.2)
    try:
        await slow.client.connect()
    except CannotConnect as err:
        errors.append(err)
    assert len(errors) == 3
    assert len(caplog.records) > 3
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_info or "") + str(record.args)
        assert secret not in text
    for error in errors:
        assert secret not in repr(error)
        assert secret not in str(error.__cause__ or "")
        assert secret not in str(error.__context__ or "")
    for item_ in (item, bad, slow):
        assert secret not in str(item_.client.last_error)


async def test_client_filter_applies_to_what_the_remote_sends(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """A remote ignoring the server-side filter: the client filter still drops."""
    from custom_components.remote_bridge.remote import EntityFilter  # noqa: PLC0415

    scripted.states = {
        "light.a": state("light.a", "on"),
        "camera.c": state("camera.c", "idle"),
    }
    item = wired(entity_filter=EntityFilter(prefixes=["light."]))
    await item.client.connect()
    connection = scripted.connections[0]
    assert connection.received[1]["include"] == {"entity_globs": ["light.*"]}
    await connection.event(
        "entities",
        {
            "c": {"camera.c": {"+": {"s": "on"}}, "switch.x": {"+": {"s": "on"}}},
            "r": ["camera.c"],
            "a": {"switch.y": {"s": "1", "c": "x", "lc": 1.0}},
        },
    )
    await connection.event("entities", {})  # nothing at all
    await connection.event("entities", {"c": {"light.a": {"+": {"s": "off"}}}})
    await wait_for(lambda: (item.mirror.get("light.a") or {}).get("state") == "off")
    assert set(mirrored(item)) == {"light.a"}
    assert {e for e, _ in item.states} == {"light.a"}
    assert item.link.events_received == 1


async def test_filter_matching_nothing_subscribes_no_states(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """All prefixes excluded: no state subscription at all, services still."""
    from custom_components.remote_bridge.remote import EntityFilter  # noqa: PLC0415

    item = wired(entity_filter=EntityFilter(prefixes=["camera."]))
    await item.client.connect()
    assert item.client.subscription_kind is SubscriptionKind.NONE
    assert item.client.subscriptions == 2
    assert "subscribe_entities" not in scripted.connections[0].types()


async def test_without_coalescing_and_odd_answers(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """Coalesce off: no supported_features; odd get_services/get_config skipped."""

    async def hook(connection: Connection, message: dict[str, Any]) -> bool:
        if message["type"] in ("get_services", "get_config"):
            await connection.send(
                {
                    "id": message["id"],
                    "type": "result",
                    "success": True,
                    "result": ["odd"],
                }
            )
            return True
        return False

    scripted.hook = hook
    item = wired(coalesce_messages=False)
    await item.client.connect()
    assert scripted.connections[0].types()[0] == "subscribe_entities"
    assert item.link.reader.cached_services is None
    assert item.client.remote_config == {}


async def test_supported_features_refused(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """An old remote refusing supported_features still works; other errors fail."""
    code = "unknown_command"

    async def hook(connection: Connection, message: dict[str, Any]) -> bool:
        if message["type"] != "supported_features":
            return False
        await connection.send(
            {
                "id": message["id"],
                "type": "result",
                "success": False,
                "error": {"code": code, "message": "?"},
            }
        )
        return True

    scripted.hook = hook
    item = wired()
    await item.client.connect()
    assert item.client.connected
    code = "home_assistant_error"
    other = wired()
    with pytest.raises(CommandFailed):
        await other.client.connect()


async def test_hang_up_during_handshake(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """The remote closes right after auth_required: CannotConnect."""
    scripted.hang_up_after_greeting = True
    item = wired()
    with pytest.raises(CannotConnect, match="during the handshake"):
        await item.client.connect()


async def test_tls_to_a_plain_server(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> None:
    """https:// against a plain HTTP port fails as CannotConnect (TLS error)."""
    https = scripted.url.replace("http://", "https://")
    client = Wired(own_session, https, GOOD_TOKEN, **FAST).client
    assert client.ws_url.startswith("wss://")
    with pytest.raises(CannotConnect):
        await client.connect()
    with pytest.raises(CannotConnect):
        await client.rest.fetch_states()


async def test_rest_timeout(scripted: ScriptedServer, wired: Factory) -> None:
    """A REST read that does not answer within command_timeout: CannotConnect."""
    scripted.rest_gate = asyncio.Event()
    item = wired(command_timeout=0.2)
    with pytest.raises(CannotConnect, match="timed out"):
        await item.client.rest.fetch_states()
    scripted.rest_gate.set()


async def test_link_drops_during_ping(scripted: ScriptedServer, wired: Factory) -> None:
    """A drop while a ping waits ends the heartbeat quietly; run() reconnects."""
    first_ping = asyncio.Event()

    async def hook(connection: Connection, message: dict[str, Any]) -> bool:
        if message["type"] == "ping" and len(scripted.connections) == 1:
            first_ping.set()
            return True  # never answered
        return False

    scripted.hook = hook
    item = wired(heartbeat_interval=0.05, pong_timeout=5)
    await item.client.connect()
    item.start()
    await asyncio.wait_for(first_ping.wait(), 3)
    await scripted.connections[0].ws.close()
    await scripted.wait_connection(2)
    await wait_for(lambda: item.client.connected)


async def test_bytes_received_counts_utf8_bytes(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """Non-ASCII text counts its UTF-8 bytes, not its characters."""
    scripted.states = {"sensor.t": state("sensor.t", "1")}
    item = wired()
    await item.client.connect()
    connection = scripted.connections[0]
    sub = connection.subs["entities"]
    before = item.link.bytes_received
    diff = {"c": {"sensor.t": {"+": {"s": "20 °C"}}}}
    frame = orjson.dumps({"id": sub, "type": "event", "event": diff}).decode()
    await connection.send_raw(frame)
    await wait_for(lambda: (item.mirror.get("sensor.t") or {}).get("state") == "20 °C")
    assert item.link.bytes_received - before == len(frame.encode()) == len(frame) + 1
