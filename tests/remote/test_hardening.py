"""A remote that sends what it must not: each finding of the hardening audit.

Faults a real remote cannot make on demand, so a scripted one sends them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
import logging
from typing import Any

import aiohttp
from homeassistant.core import Context, State
import orjson
import pytest

from custom_components.remote_bridge.remote import (
    ClientOptions,
    ProtocolError,
    RemoteBridgeError,
)
from custom_components.remote_bridge.remote.validate import valid_entity_id

from .conftest import wait_for
from .helpers import Wired, st8
from .scripted_server import GOOD_TOKEN, ScriptedServer, deep, full

FAST: dict[str, Any] = {
    "heartbeat_interval": 30.0,
    "connect_timeout": 2.0,
    "command_timeout": 2.0,
}
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TS = T0.timestamp()

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


def compressed(value: str, **attributes: Any) -> dict[str, Any]:
    return {"s": value, "a": attributes, "c": "ctx", "lc": TS}


@pytest.fixture
async def wired(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> AsyncGenerator[Factory]:
    """Links to the scripted server; stopped at teardown."""
    made: list[Wired] = []

    def factory(**kwargs: Any) -> Wired:
        item = Wired(own_session, scripted.url, GOOD_TOKEN, **{**FAST, **kwargs})
        made.append(item)
        return item

    yield factory
    for item in made:
        await item.close()


async def connected(scripted: ScriptedServer, item: Wired, **states: str) -> Any:
    for entity_id, value in states.items():
        scripted.set(state(entity_id.replace("_", ".", 1), value))
    await item.link.connect()
    item.start()
    return scripted.connections[-1]


def served(item: Wired) -> dict[str, Any]:
    """Read everything a view reads; fail on anything but the core's errors."""
    states = orjson.loads(orjson.dumps(item.mirror.states()))
    return {s["entity_id"]: s for s in states}


# -- item 2: states orjson reads but cannot write -------------------------------


async def test_deep_state_in_subscribe_entities_is_rejected(
    scripted: ScriptedServer, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """An added state nested past 255 levels never reaches the mirror."""
    item = wired()
    connection = await connected(scripted, item, light_a="on", light_b="on")
    for _ in range(2):
        await connection.send_any(
            {
                "id": connection.subs["entities"],
                "type": "event",
                "event": {"a": {"light.a": compressed("off", x=deep(300))}},
            }
        )
    await connection.event("entities", {"a": {"light.b": compressed("off")}})
    await wait_for(lambda: (item.mirror.get("light.b") or {}).get("state") == "off")
    assert "light.a" not in item.mirror
    assert set(served(item)) == {"light.b"}
    assert caplog.text.count("Ignoring a malformed state") == 1


async def test_a_timestamp_out_of_range_is_a_malformed_state(
    scripted: ScriptedServer, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """A time the platform cannot represent: one warning, no error with traceback."""
    item = wired()
    connection = await connected(scripted, item, light_a="on")
    bad = {**compressed("off"), "lc": 1e20}
    await connection.event("entities", {"a": {"light.a": bad, "light.b": bad}})
    await connection.event("entities", {"a": {"light.c": compressed("on")}})
    await wait_for(lambda: "light.c" in item.mirror)
    assert "light.a" not in item.mirror
    assert caplog.text.count("Ignoring a malformed state") == 1
    assert "ERROR" not in caplog.text


async def test_a_state_just_under_the_depth_limit_is_rejected_too(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """A state that serialises alone but not inside the list of all states.

    Found by the soak: every read of all states failed; it is rejected now.
    """
    item = wired()
    connection = await connected(scripted, item, light_a="on")
    for levels in range(245, 256):
        added = {f"light.d{levels}": compressed("on", x=deep(levels))}
        await connection.send_any(
            {"id": connection.subs["entities"], "type": "event", "event": {"a": added}}
        )
    await connection.event("entities", {"a": {"light.c": compressed("on")}})
    await wait_for(lambda: "light.c" in item.mirror)
    for levels in range(245, 256):
        await connection.event(
            "entities", {"c": {"light.a": {"+": {"a": {"x": deep(levels)}}}}}
        )
    await connection.event("entities", {"a": {"light.e": compressed("on")}})
    await wait_for(lambda: "light.e" in item.mirror)
    orjson.dumps({"batch": {"x": [item.mirror.states()]}})


async def test_deep_attributes_in_a_folded_diff_are_rejected(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """A diff in the common (folded) shape with deep attributes drops the entry."""
    item = wired()
    connection = await connected(scripted, item, light_a="on", light_b="on")
    await connection.send_any(
        {
            "id": connection.subs["entities"],
            "type": "event",
            "event": {"c": {"light.a": {"+": {"s": "off", "a": {"x": deep(300)}}}}},
        }
    )
    await connection.send_any(
        {
            "id": connection.subs["entities"],
            "type": "event",
            "event": {"c": {"light.b": {"+": {"c": deep(300)}}}},
        }
    )
    await connection.event("entities", {"a": {"light.c": compressed("on")}})
    await wait_for(lambda: "light.c" in item.mirror)
    assert set(served(item)) == {"light.c"}


async def test_deep_state_changed_is_rejected(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """The state_changed path rejects it too."""
    scripted.subscribe_entities = False
    item = wired()
    connection = await connected(scripted, item, light_a="on")
    bad = full(state("light.a", "off"))
    bad["attributes"] = {"x": deep(300)}
    await connection.send_any(
        {
            "id": connection.subs["state_changed"],
            "type": "event",
            "event": {"data": {"entity_id": "light.a", "new_state": bad}},
        }
    )
    old, new = scripted.set(state("light.b", "on"))
    await scripted.push_change(connection, old, new)
    await wait_for(lambda: "light.b" in item.mirror)
    assert set(served(item)) == {"light.b"}


async def test_deep_state_in_a_reconnect_snapshot_keeps_the_link(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """A snapshot with such a state: that entity is left out, the rest mirrored."""
    item = wired()
    connection = await connected(scripted, item, light_a="on")
    bad = full(state("light.bad", "on"))
    bad["attributes"] = {"x": deep(300)}
    scripted.raw_states = [bad, full(state("light.good", "on"))]
    await connection.ws.close()
    await wait_for(lambda: len(scripted.connections) == 2 and item.client.connected)
    assert set(served(item)) == {"light.good"}


async def test_any_failure_of_an_attempt_is_retried(
    scripted: ScriptedServer, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a callback fails one attempt; run() keeps going, logged once."""
    item = wired()
    connection = await connected(scripted, item, light_a="on")
    real = item.mirror.replace_all
    failures = 2

    def broken(states: Any) -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise RuntimeError("a bug")
        real(states)

    item.mirror.replace_all = broken  # type: ignore[method-assign]
    await connection.ws.close()
    await wait_for(lambda: len(scripted.connections) == 4 and item.client.connected)
    assert not item.run_task.done()
    assert caplog.text.count("Connecting to") == 1
    assert "RuntimeError: a bug" in caplog.text  # with its traceback


async def test_a_failing_owner_callback_does_not_end_the_supervisor(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> None:
    """The owner's link-state callback raises on every call: the link still heals."""
    from custom_components.remote_bridge.remote import RemoteLink  # noqa: PLC0415

    def broken(_state: Any) -> None:
        raise RuntimeError("owner bug")

    async def sleep(_delay: float) -> None:
        await asyncio.sleep(0)

    link = RemoteLink(
        own_session,
        scripted.url,
        GOOD_TOKEN,
        options=ClientOptions(**FAST),
        on_link_state=broken,
        sleep=sleep,
    )
    await link.connect()
    runner = asyncio.ensure_future(link.run())
    try:
        await scripted.connections[0].ws.close()
        await wait_for(lambda: len(scripted.connections) == 2 and link.connected)
        assert not runner.done()
    finally:
        await link.stop()
        await runner


async def test_a_failing_event_handler_does_not_end_the_reader(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """An extra event handler that raises costs its event, not the link."""
    item = wired()

    def handler(_event: dict[str, Any]) -> None:
        raise RuntimeError("handler bug")

    item.link.subscribe_events("custom", handler)
    connection = await connected(scripted, item, light_a="on")
    await connection.event("custom", {"event_type": "custom", "data": {}})
    await connection.event("entities", {"a": {"light.b": compressed("on")}})
    await wait_for(lambda: "light.b" in item.mirror)
    assert item.client.connected
    assert len(scripted.connections) == 1


async def test_rest_state_that_cannot_be_served_is_a_protocol_error(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """A REST fill of one state nested too deep, or of another id, raises."""
    item = wired(update_cache=False)
    await connected(scripted, item, light_a="on")
    bad = full(state("light.x", "on"))
    bad["attributes"] = {"x": deep(300)}
    scripted.rest["/api/states/light.x"] = (200, _raw(bad))
    scripted.rest["/api/states/light.y"] = (
        200,
        orjson.dumps(full(state("camera.front_door", "idle"))),
    )
    for entity_id in ("light.x", "light.y"):
        with pytest.raises(ProtocolError):
            await item.link.reader.state(entity_id)
        assert entity_id not in item.mirror


def _raw(value: Any) -> bytes:
    from .scripted_server import raw_json  # noqa: PLC0415

    return raw_json(value).encode()


# -- item 3: bounded input ------------------------------------------------------


async def test_a_frame_over_the_limit_drops_the_link(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """Over max_frame_bytes: the link drops and comes back, nothing crashes."""
    item = wired(max_frame_bytes=20_000)
    connection = await connected(scripted, item, light_a="on")
    await connection.event(
        "entities", {"a": {"light.big": compressed("on", text="x" * 30_000)}}
    )
    await wait_for(lambda: len(scripted.connections) == 2 and item.client.connected)
    assert "light.big" not in item.mirror
    assert item.delays  # it waited a backoff step
    assert not item.run_task.done()


async def test_a_rest_body_over_the_limit_is_refused(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """The REST read stops at the same bound."""
    item = wired(max_frame_bytes=20_000, update_cache=False)
    await connected(scripted, item, light_a="on")
    big = full(state("light.x", "on", text="x" * 30_000))
    scripted.rest["/api/states/light.x"] = (200, orjson.dumps(big))
    with pytest.raises(ProtocolError, match="too large"):
        await item.link.reader.state("light.x")


async def test_the_mirror_keeps_at_most_max_entities(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> None:
    """Past the cap the first entities stay; a snapshot that fits clears it."""
    limits: list[bool] = []
    from custom_components.remote_bridge.remote import RemoteLink  # noqa: PLC0415

    link = RemoteLink(
        own_session,
        scripted.url,
        GOOD_TOKEN,
        options=ClientOptions(**FAST),
        max_entities=3,
        on_entity_limit=limits.append,
    )
    for number in range(5):
        scripted.set(state(f"light.l{number}", "on"))
    try:
        await link.connect()
        assert sorted(s["entity_id"] for s in link.mirror.states()) == [
            "light.l0",
            "light.l1",
            "light.l2",
        ]
        assert limits == [True]
        for number in range(2, 5):
            del scripted.states[f"light.l{number}"]
        await link.resync()
        assert len(link.mirror) == 2
        assert limits == [True, False]
    finally:
        await link.stop()


# -- item 4: entity ids checked at ingest ---------------------------------------


@pytest.mark.parametrize(
    ("entity_id", "valid"),
    [
        ("light.kitchen", True),
        ("sensor.a_1", True),
        ("Light.kitchen", False),
        ("light", False),
        ("light.", False),
        ("light._a", False),
        ("light.a_", False),
        ("li__ght.a", False),
        ("light.a.b", False),
        ("light.kit chen", False),
        ("light.a\n", False),
        ("", False),
        ("light." + "a" * 300, False),
    ],
)
def test_valid_entity_id_is_home_assistants_rule(entity_id: str, valid: bool) -> None:
    """The core's copy of the rule agrees with Home Assistant's."""
    from homeassistant.core import valid_entity_id as ha_rule  # noqa: PLC0415

    assert valid_entity_id(entity_id) is valid
    if len(entity_id) < 255 and not entity_id.endswith("\n"):
        # Home Assistant's ``$`` lets one trailing newline through; ours does not.
        assert ha_rule(entity_id) is valid


async def test_state_changed_with_another_entitys_state_is_dropped(
    scripted: ScriptedServer, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """light.a carrying camera.front_door's state does not pass the filter."""
    scripted.subscribe_entities = False
    item = wired()
    connection = await connected(scripted, item, light_a="on")
    camera = full(state("camera.front_door", "streaming", secret="s"))
    for _ in range(2):
        await connection.send(
            {
                "id": connection.subs["state_changed"],
                "type": "event",
                "event": {"data": {"entity_id": "light.a", "new_state": camera}},
            }
        )
    await connection.send(
        {
            "id": connection.subs["state_changed"],
            "type": "event",
            "event": {"data": {"entity_id": "Bad Id", "new_state": None}},
        }
    )
    old, new = scripted.set(state("light.b", "on"))
    await scripted.push_change(connection, old, new)
    await wait_for(lambda: "light.b" in item.mirror)
    assert served(item)["light.a"]["state"] == "on"
    assert "camera.front_door" not in served(item)
    assert caplog.text.count("whose new state is not the event's entity") == 1
    assert caplog.text.count("invalid entity id") == 1


async def test_invalid_ids_are_never_mirrored(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """Added states, removals and snapshot states with bad ids are dropped."""
    bad_ids = ["Light.A", "light", "light._x", "a.b.c", "light.x y"]
    scripted.raw_states = [
        *(st8(entity_id) for entity_id in bad_ids),
        {**st8("light.ok"), "entity_id": "light.other"},  # not the id it claims
        st8("light.ok"),
    ]
    item = wired()
    connection = await connected(scripted, item)
    await connection.event(
        "entities", {"a": {entity_id: compressed("on") for entity_id in bad_ids}}
    )
    await connection.event("entities", {"a": {"light.new": compressed("on")}})
    await wait_for(lambda: "light.new" in item.mirror)
    assert set(served(item)) == {"light.ok", "light.new", "light.other"}
    assert all(valid_entity_id(entity_id) for entity_id in served(item))


# -- item 8: a snapshot overtakes REST fills in flight --------------------------


async def test_an_older_rest_answer_does_not_overwrite_a_snapshot(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """A fill asked before a resync, answered after it, is dropped."""
    item = wired(update_cache=False)
    connection = await connected(scripted, item, light_a="on", light_b="on")
    # A change invalidates light.b: the next read of all states refills.
    await connection.event("entities", {"c": {"light.b": {"+": {"s": "off"}}}})
    await wait_for(lambda: "light.b" not in item.mirror)
    gate = scripted.rest_gate = asyncio.Event()
    stale = [full(state("light.a", "old")), full(state("light.b", "old"))]
    scripted.rest["/api/states"] = (200, orjson.dumps(stale))
    read = asyncio.ensure_future(item.link.reader.states_json())
    await asyncio.sleep(0.05)
    scripted.set(state("light.b", "new"))
    await item.link.resync()
    gate.set()
    await read
    assert (item.mirror.get("light.a") or {}).get("state") == "on"
    assert (item.mirror.get("light.b") or {}).get("state") == "new"


# -- reads answer or raise the core's errors ------------------------------------


async def test_reads_raise_only_the_cores_errors(
    scripted: ScriptedServer, wired: Factory
) -> None:
    """Services nested too deep are not cached; a REST refill of them is refused."""
    scripted.services = {"light": {"turn_on": deep(300)}}
    item = wired()
    await connected(scripted, item, light_a="on")
    assert item.link.reader.cached_services is None
    scripted.rest["/api/services"] = (
        200,
        _raw([{"domain": "x", "services": deep(300)}]),
    )
    with pytest.raises(RemoteBridgeError):
        await item.link.reader.services()


@pytest.fixture(autouse=True)
def _warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
