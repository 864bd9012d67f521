"""Replay random remote histories; the mirror always equals the truth filtered.

The remote is a dict of real ``homeassistant.core.State`` objects. Changes reach
the mirrors the way the client delivers them: full ``state_changed`` states, or
``subscribe_entities`` adds/diffs/removals built with HA's own helpers. Two
mirrors (update and invalidate mode) replay the same history.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.core import Context, Event, EventStateChangedData, State
from hypothesis import HealthCheck, example, given, settings, strategies as st
import orjson

from custom_components.remote_bridge.remote import (
    EntityFilter,
    MirrorReader,
    StateMirror,
)
from custom_components.remote_bridge.remote.protocol import expand_compressed_state

from .helpers import FakeClock, FakeRemote
from .scripted_server import full, state_diff

ENTITIES = [
    "light.a",
    "light.b",
    "sensor.temperature",
    "sensor.temp_2",
    "sensor.humidity",
    "media_player.tv",
    "switch.s",
]
FILTERS = [
    EntityFilter(enabled=False),
    EntityFilter(),
    EntityFilter(prefixes=["light.", "sensor.temp"]),
]
CONTEXTS = [
    Context(id="c1"),
    Context(id="c2", user_id="u1"),
    Context(id="c3", parent_id="p1", user_id="u1"),
    Context(id="c4", parent_id="p2"),
    Context(id="c5"),
]

attributes = st.dictionaries(
    st.sampled_from(["a", "b", "c", "friendly_name"]),
    st.none() | st.integers(-3, 3) | st.lists(st.integers(0, 2), max_size=2),
    max_size=4,
)
entity = st.sampled_from(ENTITIES)
via_diff = st.booleans()
set_op = st.tuples(
    st.just("set"),
    entity,
    st.sampled_from(["state", "attributes", "force"]),
    st.sampled_from(["on", "off", "1", "2"]),
    attributes,
    st.integers(0, len(CONTEXTS) - 1),
    via_diff,
)
remove_op = st.tuples(st.just("remove"), entity, via_diff)
# Changes dominate, as on a real remote; link events are rarer.
ops = st.one_of(
    set_op,
    set_op,
    set_op,
    set_op,
    remove_op,
    st.tuples(st.just("disconnect")),
    st.tuples(st.just("reconnect")),
    st.tuples(st.just("snapshot")),
    st.tuples(st.just("read")),
)


class History:
    """The remote's truth and how it reaches the mirrors."""

    def __init__(self, entity_filter: EntityFilter) -> None:
        """Start with an empty remote and two empty mirrors."""
        self.truth: dict[str, State] = {}
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        self.connected = True
        self.seen: dict[str, State] = {}  # the truth when the link dropped
        self.filter = entity_filter
        self.clock = FakeClock()
        self.mirrors = {
            mode: StateMirror(entity_filter, update_cache=mode, clock=self.clock)
            for mode in (True, False)
        }
        self.remote = FakeRemote({})
        self.readers = {
            mode: MirrorReader(self.remote, mirror, entity_filter)
            for mode, mirror in self.mirrors.items()
        }
        for mirror in self.mirrors.values():
            mirror.replace_all([])

    def tick(self) -> datetime:
        """Advance the remote's clock."""
        self.now += timedelta(seconds=1, microseconds=137)
        return self.now

    def sync_remote(self) -> None:
        """Let the fake REST API serve the current truth."""
        self.remote.truth = {e: full(s) for e, s in self.truth.items()}

    def deliver(self, old: State | None, new: State | None, diff: bool) -> None:
        """Send a change to both mirrors, as full state or as HA's diff."""
        if not self.connected:
            return
        entity_id = (new or old).entity_id  # type: ignore[union-attr]
        keep = self.filter  # full states are filtered before the mirror
        for mirror in self.mirrors.values():
            if not diff:
                if keep(entity_id):
                    mirror.set_state(entity_id, None if new is None else full(new))
                continue
            event = Event[EventStateChangedData](
                "state_changed",
                {"entity_id": entity_id, "old_state": old, "new_state": new},
            )
            wire = state_diff(event)
            for added_id, compressed in wire.get("a", {}).items():
                if keep(added_id):
                    mirror.set_state(
                        added_id, expand_compressed_state(added_id, compressed)
                    )
            for changed_id, change in wire.get("c", {}).items():
                mirror.apply_diffs([{changed_id: change}])
            for removed_id in wire.get("r", []):
                if keep(removed_id):
                    mirror.set_state(removed_id, None)

    def apply(  # noqa: PLR0912 - one branch per kind of step
        self, op: tuple[Any, ...], loop: asyncio.AbstractEventLoop
    ) -> None:
        """Play one step of the history."""
        match op:
            case ("set", entity_id, kind, value, attrs, ctx, diff):
                old = self.truth.get(entity_id)
                now = self.tick()
                if old is None or kind == "state":
                    if old is not None and value == old.state:
                        value = f"{old.state}x"
                    changed = updated = now
                else:
                    changed, updated = old.last_changed, now
                    value = old.state
                    if kind == "force":
                        attrs = dict(old.attributes)
                new = State(
                    entity_id,
                    value,
                    attrs,
                    last_changed=changed,
                    last_updated=updated,
                    last_reported=updated,
                    context=CONTEXTS[ctx],
                )
                self.truth[entity_id] = new
                self.deliver(old, new, diff)
            case ("remove", entity_id, diff):
                if (old := self.truth.pop(entity_id, None)) is not None:
                    self.deliver(old, None, diff)
            case ("disconnect",):
                if self.connected:
                    self.connected = False
                    self.seen = dict(self.truth)
                    for mirror in self.mirrors.values():
                        mirror.ttl.start()
            case ("reconnect",) | ("snapshot",):
                if op[0] == "snapshot" and not self.connected:
                    return
                self.connected = True
                snapshot = [full(state) for state in self.truth.values()]
                for mirror in self.mirrors.values():
                    mirror.ttl.stop()
                    mirror.replace_all(snapshot)
            case ("read",):
                if self.connected:
                    self.check_reads(loop)

    def expected(self) -> dict[str, dict[str, Any]]:
        """Return what the mirror must hold now."""
        source = self.truth if self.connected else self.seen
        return {e: full(s) for e, s in source.items() if self.filter(e)}

    def check_entries(self) -> None:
        """Compare both mirrors' entries with the truth."""
        expected = self.expected()
        update, invalidate = self.mirrors[True], self.mirrors[False]
        assert {s["entity_id"]: s for s in update.states()} == expected
        # Invalidate mode: every entry it still holds is right.
        for state in invalidate.states():
            assert expected[state["entity_id"]] == state

    def check_reads(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read everything through MirrorReader and compare."""
        self.sync_remote()
        expected = self.expected()
        fetches = self.remote.all_fetches + self.remote.state_fetches
        for mode, reader in self.readers.items():
            body = loop.run_until_complete(reader.states_json())
            assert {s["entity_id"]: s for s in orjson.loads(body)} == expected
            for entity_id in ENTITIES:
                got = loop.run_until_complete(reader.state(entity_id))
                assert got == expected.get(entity_id), (mode, entity_id)
            if mode:  # update mode never needs the remote while connected
                assert self.remote.all_fetches + self.remote.state_fetches == fetches
        # The refill made the invalidate mirror whole again.
        assert {s["entity_id"]: s for s in self.mirrors[False].states()} == expected


DROPPED_ATTRIBUTE = [
    ("set", "light.a", "state", "on", {"a": 1, "b": 2}, 0, True),
    ("set", "light.a", "attributes", "on", {"a": 1}, 1, True),
]
VANISHED_WHILE_DOWN: list[tuple[Any, ...]] = [
    ("set", "light.a", "state", "on", {}, 0, False),
    ("set", "light.b", "state", "on", {}, 0, False),
    ("disconnect",),
    ("remove", "light.a", False),
    ("set", "light.b", "force", "on", {}, 2, True),
    ("reconnect",),
    ("read",),
]
# Diffs folded into one overlay between two reads: an lc after an lu, attributes
# changed twice, a new context id after one with a user (applied at once).
FOLDED = [
    ("set", "light.a", "state", "on", {"a": 1, "b": 1}, 0, True),
    ("set", "light.a", "attributes", "on", {"a": 2, "b": 1}, 0, True),
    ("set", "light.a", "attributes", "on", {"a": 2, "b": 2}, 0, True),
    ("set", "light.a", "state", "off", {"a": 2, "b": 2}, 0, True),
    ("read",),
    ("set", "light.a", "state", "on", {"a": 2, "b": 2}, 4, True),
    ("read",),
    ("set", "light.a", "state", "off", {"a": 2, "b": 2}, 3, True),
    ("set", "light.a", "force", "off", {}, 0, True),
    ("read",),
    ("set", "light.a", "attributes", "off", {"a": 4}, 0, True),
]


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    filter_index=st.integers(0, len(FILTERS) - 1),
    history=st.lists(ops, min_size=1, max_size=40),
    every_step=st.booleans(),
)
@example(filter_index=0, history=DROPPED_ATTRIBUTE, every_step=True)
@example(filter_index=2, history=VANISHED_WHILE_DOWN, every_step=True)
@example(filter_index=0, history=FOLDED, every_step=False)
def test_mirror_equals_filtered_truth(
    filter_index: int, history: list[tuple[Any, ...]], every_step: bool
) -> None:
    """In both cache modes, the mirror is the truth filtered.

    Checked after every step, or (``every_step`` off) only at reads and at the
    end, so that many diffs fold into an entry before it is read.
    """
    loop = asyncio.new_event_loop()
    try:
        replay = History(FILTERS[filter_index])
        for op in history:
            replay.apply(op, loop)
            if every_step:
                replay.check_entries()
        replay.check_entries()
        if replay.connected:
            replay.check_reads(loop)
    finally:
        loop.close()
