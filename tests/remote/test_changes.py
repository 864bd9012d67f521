"""StateChanges.json: the bytes a listener gets are those of the states it reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from custom_components.remote_bridge.remote import (
    EntityFilter,
    StateChanges,
    StateMirror,
)

from .helpers import st8

LC = 1_800_000_000.25


def told(mirror: StateMirror) -> StateChanges:
    """Return the batch a listener of the link hears after these changes."""
    changes = mirror.take_changes()
    return StateChanges(
        mirror, {entity_id: True for entity_id in changes if changes[entity_id]}
    )


class Twins:
    """Two mirrors fed the same changes: one read only as JSON, one only by ``get``.

    The JSON side is never read by ``get`` here, as under a listener that only
    wants bytes: whatever ``json`` keeps or skips between frames, its bytes
    must stay those of the states the other side reads.
    """

    def __init__(self, states: list[dict[str, Any]]) -> None:
        """Start both from the snapshot ``states``."""
        self.json_side = StateMirror(EntityFilter(enabled=False))
        self.read_side = StateMirror(EntityFilter(enabled=False))
        self.change(
            lambda mirror: mirror.replace_all(states), [s["entity_id"] for s in states]
        )

    def change(
        self, apply: Callable[[StateMirror], Any], entity_ids: list[str]
    ) -> bytes:
        """Apply a change to both; check the batch's bytes; return them."""
        apply(self.json_side)
        apply(self.read_side)
        batch = told(self.json_side)
        assert list(batch) == entity_ids
        told(self.read_side)
        data = batch.json()
        read = self.read_side.get
        assert data == orjson.dumps(
            {entity_id: read(entity_id) for entity_id in entity_ids}
        )
        return data

    def fold(self, diffs: dict[str, Any], entity_ids: list[str]) -> bytes:
        """Apply one frame of ``subscribe_entities`` diffs."""
        return self.change(lambda mirror: mirror.apply_diffs([diffs]), entity_ids)


def state_only(state: str, at: float, context: str) -> dict[str, Any]:
    return {"+": {"s": state, "lc": at, "c": context}}


def test_json_equals_the_states_across_every_kind_of_change() -> None:
    """Byte for byte, whatever changed, and in whatever order it changed.

    Most steps are diffs of the state alone (folded, formatted on read), each
    followed by one that changes the attributes, the context or the whole
    entry: anything ``json`` kept of an entry's attributes or context between
    frames would show here as stale bytes.
    """
    light = st8("light.a", "off", brightness=1, rgb=[1, 2, 3])
    light["context"] = {"id": "C0", "parent_id": "P", "user_id": "U"}
    twins = Twins([light, st8("sensor.t", "20", unit="C")])
    fold = twins.fold
    # The state alone, twice.
    fold({"light.a": state_only("on", LC, "C1")}, ["light.a"])
    fold({"light.a": state_only("off", LC + 1, "C2")}, ["light.a"])
    # Attributes added (folded), then the state alone again.
    fold(
        {"light.a": {"+": {"a": {"brightness": 9, "effect": "x"}, "lu": LC + 2}}},
        ["light.a"],
    )
    fold({"light.a": state_only("on", LC + 3, "C3")}, ["light.a"])
    fold({"light.a": {"+": {"a": {"brightness": 10}}}}, ["light.a"])
    fold({"light.a": state_only("off", LC + 4, "C4")}, ["light.a"])
    # An attribute removed (applied at once), then the state alone.
    fold({"light.a": {"-": {"a": ["effect"]}}}, ["light.a"])
    fold({"light.a": state_only("on", LC + 5, "C5")}, ["light.a"])
    # Context alone, and a context object (applied at once).
    fold({"light.a": {"+": {"c": "C6"}}}, ["light.a"])
    fold({"light.a": {"+": {"c": {"id": "C7", "user_id": "V"}}}}, ["light.a"])
    fold({"light.a": state_only("off", LC + 6, "C8")}, ["light.a"])
    # Two entities in one frame, one of them changed twice.
    twins.change(
        lambda mirror: mirror.apply_diffs(
            [
                {"sensor.t": state_only("21", LC + 7, "S1")},
                {"light.a": {"+": {"a": {"brightness": 3}}}},
                {"sensor.t": state_only("22", LC + 8, "S2")},
            ]
        ),
        ["sensor.t", "light.a"],
    )
    fold({"light.a": state_only("on", LC + 9, "C9")}, ["light.a"])

    # Removed and added again, with other attributes.
    gone = twins.change(lambda mirror: mirror.set_state("light.a", None), ["light.a"])
    assert gone == b'{"light.a":null}'
    again = st8("light.a", "on", brightness=200)
    twins.change(lambda mirror: mirror.set_state("light.a", again), ["light.a"])
    fold({"light.a": state_only("off", LC + 10, "C10")}, ["light.a"])
    # A full state (state_changed) over a folded entry.
    full = st8("light.a", "on", brightness=50)
    twins.change(lambda mirror: mirror.set_state("light.a", full), ["light.a"])
    fold({"light.a": state_only("off", LC + 11, "C11")}, ["light.a"])

    # A snapshot with new attributes, and REST fills.
    snapshot = [st8("light.a", "off", brightness=60), st8("sensor.t", "5")]
    twins.change(lambda mirror: mirror.replace_all(snapshot), ["light.a", "sensor.t"])
    fold({"light.a": state_only("on", LC + 12, "C12")}, ["light.a"])
    filled = st8("light.a", "on", brightness=70)
    twins.change(lambda mirror: mirror.fill_one("light.a", filled, set()), ["light.a"])
    fold({"light.a": state_only("off", LC + 13, "C13")}, ["light.a"])
    refill = [st8("light.a", "on", brightness=80)]
    twins.change(lambda mirror: mirror.fill_all(refill, set()), ["light.a", "sensor.t"])
    data = fold({"light.a": state_only("off", LC + 14, "C14")}, ["light.a"])
    assert orjson.loads(data)["light.a"]["attributes"] == {"brightness": 80}


def test_json_first_then_states_agree() -> None:
    """Serialising first leaves the mirror's reads (and a second batch) intact."""
    mirror = StateMirror(EntityFilter(enabled=False))
    mirror.replace_all([st8("light.a", "off", brightness=1)])
    told(mirror)
    mirror.apply_diffs([{"light.a": state_only("on", LC, "C1")}])
    batch = told(mirror)
    data = batch.json()
    assert batch.json() is data  # serialised once, shared
    assert batch["light.a"] == mirror.get("light.a")
    assert data == orjson.dumps({"light.a": batch["light.a"]})
    assert orjson.loads(data)["light.a"]["state"] == "on"
