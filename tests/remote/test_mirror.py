"""StateMirror and MirrorReader: every rule of the cache."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from custom_components.remote_bridge.remote import (
    CannotConnect,
    EntityFilter,
    MirrorReader,
    StateMirror,
)
from custom_components.remote_bridge.remote.fills import FillTracker
from custom_components.remote_bridge.remote.mirror import Lookup

from .helpers import FakeClock, FakeRemote, st8

KEEP_ALL = EntityFilter(enabled=False)


def make(
    update: bool = True, ttl: float = 300.0, **filter_kwargs: Any
) -> tuple[StateMirror, FakeClock]:
    """Return a mirror with a fake clock, holding a light and a sensor."""
    clock = FakeClock()
    entity_filter = EntityFilter(**filter_kwargs) if filter_kwargs else KEEP_ALL
    mirror = StateMirror(entity_filter, update_cache=update, cache_ttl=ttl, clock=clock)
    mirror.replace_all([st8("light.a"), st8("sensor.t", "20")])
    return mirror, clock


def diff(state: str) -> dict[str, Any]:
    return {"+": {"s": state, "lc": 1_800_000_000.5}}


# -- filtering ------------------------------------------------------------------------


def test_only_filtered_entities_are_held() -> None:
    """Excluded entities never enter by snapshot, diff or REST fill.

    Full states and removals are decided once, by the subscription decoder
    (see the client tests), before they reach the mirror.
    """
    mirror = StateMirror(EntityFilter(prefixes=["light."]))
    mirror.replace_all([st8("light.a"), st8("switch.b"), st8("media_player.c")])
    mirror.apply_diffs([{"switch.b": diff("off")}])
    mirror.fill_all([st8("light.a"), st8("switch.b")], dirty=set())
    assert [s["entity_id"] for s in mirror.states()] == ["light.a"]
    assert mirror.counters.as_dict() == {
        "hits": 0,
        "misses": 0,
        "updates": 0,
        "invalidations": 0,
        "fallbacks": 0,
    }


def test_snapshot_skips_malformed_states() -> None:
    """A snapshot entry that is not a state is left out, not crashed on."""
    mirror = StateMirror(KEEP_ALL)
    mirror.replace_all([st8("a.b"), {"entity_id": "a.c"}, {"state": "x"}])
    assert len(mirror) == 1


# -- update mode ----------------------------------------------------------------------


def test_update_mode_replaces_entries() -> None:
    """A full state or a diff replaces the entry; reads are hits."""
    mirror, _ = make()
    mirror.set_state("light.a", st8("light.a", "off", brightness=3))
    assert mirror.lookup("light.a") == (Lookup.HIT, st8("light.a", "off", brightness=3))
    mirror.apply_diffs([{"sensor.t": diff("21")}])
    status, state = mirror.lookup("sensor.t")
    assert status is Lookup.HIT
    assert state is not None
    assert state["state"] == "21"
    assert state["last_changed"] == "2027-01-15T08:00:00.500000+00:00"
    assert mirror.counters.updates == 2
    assert mirror.counters.invalidations == 0
    assert mirror.all_valid()


def test_update_mode_unknown_entity_is_absent_without_fetch() -> None:
    """A complete, connected mirror knows an unknown id does not exist."""
    mirror, _ = make()
    assert mirror.lookup("light.nope") == (Lookup.ABSENT, None)
    assert mirror.counters.hits == 1


def test_removal() -> None:
    """A removal drops the entry in both modes, counted once."""
    for update in (True, False):
        mirror, _ = make(update)
        mirror.set_state("light.a", None)
        mirror.set_state("light.a", None)
        assert "light.a" not in mirror
        assert mirror.counters.updates == 1
        assert mirror.all_valid()  # a removal is authoritative


@pytest.mark.parametrize(
    "bad_diff",
    [
        {"+": {"s": 5}},  # a state is a string
        {"+": {"lc": "yesterday"}},
        {"+": {"lu": 1e300}},  # OverflowError
        {"+": {"lc": -1e18}},
        {"+": {"a": ["not", "a", "dict"]}},
        {"+": {"c": 42}},
        {"-": {"a": 7}},
        {"+": ["s"]},
        "not a diff",
    ],
)
def test_unapplicable_diff_falls_back(bad_diff: Any) -> None:
    """A diff that does not fit drops the entry (a counted fallback)."""
    mirror, _ = make()
    mirror.apply_diffs([{"light.a": bad_diff}])
    assert "light.a" not in mirror
    assert mirror.counters.fallbacks == 1
    assert mirror.counters.invalidations == 1
    assert mirror.lookup("light.a") == (Lookup.MISS, None)
    assert not mirror.all_valid()


@pytest.mark.parametrize("update", [True, False])
def test_diff_batch_notes_its_changes(update: bool) -> None:
    """Each applied diff is noted for the link; filtered ones count for nothing.

    In invalidate mode a diff only drops its entry, and that is no news for a
    listener (it hears the state when the next read fetches it).
    """
    mirror, _ = make(update=update, prefixes=["light."])
    mirror.take_changes()
    assert mirror.states_json(["light"]) is not None  # a cached domain snapshot
    kept = mirror.apply_diffs([{"light.a": diff("off"), "sensor.t": diff("1")}, {}])
    assert kept == 1
    assert mirror.apply_diffs([{"sensor.t": diff("2")}]) == 0
    assert mirror.take_changes() == {"light.a": update}
    assert mirror.take_changes() == {}
    if update:
        assert mirror.get("light.a")["state"] == "off"  # type: ignore[index]
        assert orjson.loads(mirror.states_json(["light"]) or b"")[0]["state"] == "off"
        assert mirror.counters.updates == 1
    else:
        assert "light.a" not in mirror
        assert mirror.counters.invalidations == 1
        assert mirror.states_json(["light"]) is None  # the next read refills


def test_diff_against_missing_entry_falls_back() -> None:
    """A diff for an entity the mirror does not hold cannot be applied."""
    mirror, _ = make()
    mirror.apply_diffs([{"light.new": diff("on")}])
    assert "light.new" not in mirror
    assert mirror.counters.fallbacks == 1
    # Not ABSENT: the remote has it, so the read must go to the remote.
    assert mirror.lookup("light.new") == (Lookup.MISS, None)


def test_malformed_full_state_falls_back() -> None:
    """A state_changed new_state without the shape drops the entry."""
    mirror, _ = make()
    mirror.set_state("light.a", {"entity_id": "light.a", "state": None})
    assert "light.a" not in mirror
    assert mirror.counters.fallbacks == 1
    mirror.invalidate("sensor.t")  # the client could not decode a change
    assert "sensor.t" not in mirror
    assert mirror.counters.fallbacks == 2


# -- invalidate mode ------------------------------------------------------------------


async def test_invalidate_mode_drops_and_refetches() -> None:
    """A change drops the entry; the next read fetches it fresh, then hits."""
    mirror, _ = make(update=False)
    remote = FakeRemote({"light.a": st8("light.a", "off")})
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    mirror.set_state("light.a", st8("light.a", "off"))
    mirror.apply_diffs([{"sensor.t": diff("21")}])
    assert "light.a" not in mirror
    assert "sensor.t" not in mirror
    assert mirror.counters.invalidations == 2
    assert mirror.counters.fallbacks == 0
    assert mirror.counters.updates == 0
    assert await reader.state("light.a") == st8("light.a", "off")
    assert remote.state_fetches == 1
    assert await reader.state("light.a") == st8("light.a", "off")
    assert remote.state_fetches == 1  # the second read was a hit
    assert mirror.counters.misses == 1
    assert mirror.counters.hits == 1
    # An entity the remote does not have: None, and never ABSENT in this mode.
    assert await reader.state("sensor.t") is None
    assert mirror.lookup("light.zzz") == (Lookup.MISS, None)


async def test_reader_filtered_entity_is_none_without_fetch() -> None:
    """A read of a filtered-out entity never reaches the remote."""
    mirror, _ = make(prefixes=["light."])
    remote = FakeRemote()
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    assert await reader.state("sensor.t") is None
    assert remote.state_fetches == 0


# -- snapshots ------------------------------------------------------------------------


def test_states_json_cached_until_change() -> None:
    """Two reads serialize once (same bytes object); a change rebuilds."""
    mirror, _ = make()
    first = mirror.states_json()
    assert first is not None
    assert mirror.states_json() is first
    assert orjson.loads(first) == [st8("light.a"), st8("sensor.t", "20")]
    mirror.set_state("light.a", st8("light.a", "off"))
    second = mirror.states_json()
    assert second is not first
    assert orjson.loads(second or b"")[0]["state"] == "off"


def test_domain_snapshots() -> None:
    """A change invalidates its domain's snapshot only; multi-domain reads work."""
    mirror, _ = make()
    mirror.set_state("switch.s", st8("switch.s"))
    lights = mirror.states_json(["light"])
    sensors = mirror.states_json(["sensor"])
    assert orjson.loads(lights or b"") == [st8("light.a")]
    assert mirror.states_json(["light"]) is lights
    mirror.apply_diffs([{"light.a": diff("off")}])
    assert mirror.states_json(["sensor"]) is sensors  # other domain untouched
    new_lights = mirror.states_json(["light"])
    assert new_lights is not lights
    assert orjson.loads(new_lights or b"")[0]["state"] == "off"
    both = orjson.loads(mirror.states_json(["switch", "light"]) or b"")
    assert {s["entity_id"] for s in both} == {"light.a", "switch.s"}
    assert mirror.states_json([]) == b"[]"
    # A removal invalidates the domain snapshot too.
    mirror.set_state("sensor.t", None)
    assert orjson.loads(mirror.states_json(["sensor"]) or b"") == []
    # So does a snapshot from the remote.
    mirror.replace_all([st8("light.b")])
    assert orjson.loads(mirror.states_json(["light"]) or b"") == [st8("light.b")]


def test_version_changes_on_every_change() -> None:
    """The version number moves on change, invalidation and snapshot."""
    mirror, _ = make()
    seen = {mirror.version}
    mirror.set_state("light.a", st8("light.a", "off"))
    seen.add(mirror.version)
    mirror.invalidate("light.a")
    seen.add(mirror.version)
    mirror.replace_all([])
    seen.add(mirror.version)
    assert len(seen) == 4


async def test_invalidate_mode_all_states_refill_from_rest() -> None:
    """After a change, /states is refilled from REST once, filtered, then cached."""
    mirror, _ = make(update=False, prefixes=["light.", "sensor."])
    truth = {
        "light.a": st8("light.a", "off"),
        "sensor.t": st8("sensor.t", "22"),
        "switch.x": st8("switch.x"),
    }
    remote = FakeRemote(truth)
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    assert orjson.loads(await reader.states_json()) == [
        st8("light.a"),
        st8("sensor.t", "20"),
    ]
    assert remote.all_fetches == 0
    mirror.set_state("light.a", truth["light.a"])
    body = await reader.states_json()
    assert remote.all_fetches == 1
    assert orjson.loads(body) == [truth["light.a"], truth["sensor.t"]]
    assert await reader.states_json() is body
    assert remote.all_fetches == 1
    # A domain read after a change refills too.
    mirror.set_state("sensor.t", st8("sensor.t", "23"))
    truth["sensor.t"] = st8("sensor.t", "23")
    assert orjson.loads(await reader.states_json(["sensor"])) == [truth["sensor.t"]]
    assert remote.all_fetches == 2


async def test_update_mode_rebuilds_from_entries() -> None:
    """In update mode /states never needs the remote while connected."""
    mirror, _ = make()
    remote = FakeRemote()
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    mirror.set_state("light.a", st8("light.a", "off"))
    assert orjson.loads(await reader.states_json())[0]["state"] == "off"
    assert remote.all_fetches == 0


def hold_fetch_states(remote: FakeRemote) -> asyncio.Event:
    """Make ``remote.fetch_states`` wait until the returned event is set."""
    gate = asyncio.Event()
    original = remote.fetch_states

    async def held() -> list[dict[str, Any]]:
        await gate.wait()
        return await original()

    remote.fetch_states = held  # type: ignore[method-assign]
    return gate


async def test_concurrent_refills_share_one_fetch() -> None:
    """A burst of reads after an invalidation costs the remote one request."""
    mirror, _ = make(update=False)
    remote = FakeRemote({"light.a": st8("light.a")})
    gate = hold_fetch_states(remote)
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    mirror.set_state("light.a", st8("light.a"))
    tasks = [asyncio.create_task(reader.states_json()) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    bodies = await asyncio.gather(*tasks)
    assert remote.all_fetches == 1
    assert all(orjson.loads(body) == [st8("light.a")] for body in bodies)


async def test_refill_failure_propagates_to_every_reader() -> None:
    """A failing REST refill raises CannotConnect to all waiting readers."""
    mirror, _ = make(update=False)
    remote = FakeRemote()
    remote.fail = CannotConnect("down")
    gate = hold_fetch_states(remote)
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    mirror.set_state("light.a", st8("light.a"))
    tasks = [asyncio.create_task(reader.states_json()) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, CannotConnect) for result in results)
    assert not reader.fills
    with pytest.raises(CannotConnect):
        await reader.state("light.a")
    assert not reader.fills


async def test_cancelled_refill_cleans_up() -> None:
    """A reader cancelled mid-fetch leaves no fill token behind."""
    mirror, _ = make(update=False)
    remote = FakeRemote()
    never = asyncio.Event()

    async def hang() -> list[dict[str, Any]]:
        await never.wait()
        return []

    remote.fetch_states = hang  # type: ignore[method-assign]
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    mirror.set_state("light.a", st8("light.a"))
    task = asyncio.create_task(reader.states_json())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not reader.fills
    assert not reader.filling_all


# -- services -------------------------------------------------------------------------


async def test_services_cache() -> None:
    """Cached until a service change clears it; then refetched once."""
    mirror, _ = make()
    remote = FakeRemote()
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    reader.set_services([{"domain": "light", "services": {}}])
    assert await reader.services() == [{"domain": "light", "services": {}}]
    assert remote.service_fetches == 0
    reader.set_services(None)  # service_registered / service_removed
    assert reader.cached_services is None
    assert await reader.services() == remote.services_list
    assert await reader.services() == remote.services_list
    assert remote.service_fetches == 1


# -- reconcile ------------------------------------------------------------------------


def test_replace_all_reconciles() -> None:
    """Entities missing from a new snapshot go away; others are replaced."""
    mirror, _ = make()
    mirror.take_changes()
    mirror.ttl.start()
    assert len(mirror) == 2  # nothing dropped because the link went down
    mirror.ttl.stop()
    mirror.replace_all([st8("light.a", "off"), st8("light.b")])
    assert {s["entity_id"] for s in mirror.states()} == {"light.a", "light.b"}
    assert mirror.take_changes() == {"sensor.t": True, "light.a": True, "light.b": True}
    mirror.replace_all([st8("light.a", "off"), st8("light.b")])
    assert mirror.take_changes() == {}  # the same snapshot again changes nothing


def test_changes_tell_invalidations_apart() -> None:
    """Changes and removals are news for listeners; an invalidation is not."""
    mirror, _ = make()
    mirror.take_changes()
    mirror.set_state("light.a", st8("light.a", "off"))
    mirror.apply_diffs([{"sensor.t": {"+": {"s": "5"}}}])
    assert mirror.take_changes() == {"light.a": True, "sensor.t": True}
    mirror.invalidate("light.a")
    mirror.set_state("sensor.t", None)
    assert mirror.take_changes() == {"light.a": False, "sensor.t": True}


# -- TTL while disconnected -----------------------------------------------------------


async def test_ttl_while_disconnected() -> None:
    """Entries are served until cache_ttl after the drop, then reads go to REST."""
    mirror, clock = make(ttl=60)
    remote = FakeRemote(
        {"light.a": st8("light.a", "fresh"), "sensor.t": st8("sensor.t")}
    )
    reader = MirrorReader(remote, mirror, mirror.entity_filter)
    clock.now += 10_000  # connected: entries are authoritative however old
    assert mirror.lookup("light.a")[0] is Lookup.HIT
    mirror.ttl.start()
    assert mirror.ttl.running
    clock.now += 59
    mirror.ttl.start()  # a second report does not restart the clock
    assert mirror.lookup("light.a")[0] is Lookup.HIT
    assert mirror.all_valid()
    clock.now += 1.5
    assert mirror.lookup("light.a") == (Lookup.MISS, None)
    assert mirror.lookup("light.unknown") == (Lookup.MISS, None)  # not ABSENT
    assert mirror.states_json() is None
    assert len(mirror) == 2  # still held, just not served
    # A REST read refreshes that one entity for another TTL.
    assert (await reader.state("light.a"))["state"] == "fresh"  # type: ignore[index]
    assert mirror.lookup("light.a")[0] is Lookup.HIT
    assert mirror.lookup("sensor.t")[0] is Lookup.MISS
    clock.now += 61
    assert mirror.lookup("light.a")[0] is Lookup.MISS
    # A refill of all states refreshes everything.
    await reader.states_json()
    assert remote.all_fetches == 1
    assert mirror.lookup("sensor.t")[0] is Lookup.HIT
    assert mirror.lookup("light.a")[0] is Lookup.HIT
    # Remote unreachable past the TTL: the read raises (the view answers 503).
    clock.now += 61
    remote.fail = CannotConnect("down")
    with pytest.raises(CannotConnect):
        await reader.states_json()
    with pytest.raises(CannotConnect):
        await reader.state("light.a")
    # Back online: entries are authoritative again.
    mirror.ttl.stop()
    assert mirror.lookup("light.a")[0] is Lookup.HIT


def test_counters() -> None:
    """hits, misses, updates, invalidations, fallbacks, entities."""
    mirror, _ = make()
    mirror.lookup("light.a")  # hit
    mirror.states_json()  # hit
    mirror.set_state("light.a", st8("light.a", "x"))  # update
    mirror.apply_diffs([{"light.zz": diff("x")}])  # fallback + invalidation
    mirror.lookup("light.zz")  # miss
    mirror.states_json()  # miss: incomplete
    assert mirror.counters.as_dict() == {
        "hits": 2,
        "misses": 2,
        "updates": 1,
        "invalidations": 1,
        "fallbacks": 1,
    }
    assert len(mirror) == 2
    assert mirror.get("light.a") == st8("light.a", "x")


# -- fill tokens: a change during a REST fetch wins -----------------------------------


@pytest.mark.parametrize("update", [True, False])
def test_change_during_fill_all_wins(update: bool) -> None:
    """A fetch that started before a change must not overwrite it."""
    mirror, _ = make(update=update)
    mirror.set_state("sensor.t", st8("sensor.t", "dirty"))  # makes it incomplete
    fills = FillTracker()
    mirror.take_changes()
    token = fills.begin()
    stale = [st8("light.a", "stale"), st8("sensor.t", "20"), st8("light.new")]
    mirror.set_state("light.a", st8("light.a", "newer"))  # arrives mid-fetch
    fills.mark(mirror.take_changes())  # what the link does after each frame
    mirror.fill_all(stale, fills.finish(token))
    if update:
        assert mirror.get("light.a") == st8("light.a", "newer")
    else:
        assert "light.a" not in mirror  # next read fetches it again
    assert mirror.get("sensor.t") == st8("sensor.t", "20")
    assert mirror.get("light.new") == st8("light.new")
    # The refill is not complete: /states needs another pass.
    assert not mirror.all_valid()


def test_change_during_fill_one_wins() -> None:
    """A single-entity fetch older than a change is dropped."""
    mirror, _ = make(update=False)
    fills = FillTracker()
    token = fills.begin()
    mirror.set_state("light.a", st8("light.a", "changed"))
    fills.mark(mirror.take_changes())
    mirror.fill_one("light.a", st8("light.a", "stale"), fills.finish(token))
    assert "light.a" not in mirror
    token = fills.begin()
    mirror.fill_one("light.a", st8("light.a", "ok"), fills.finish(token))
    assert mirror.get("light.a") == st8("light.a", "ok")
    assert not fills


def test_fill_one_404_and_malformed() -> None:
    """A 404 removes the entry; a malformed answer is ignored."""
    mirror, _ = make()
    mirror.fill_one("light.a", None, dirty=set())
    assert "light.a" not in mirror
    mirror.fill_one("sensor.t", {"entity_id": "sensor.t"}, dirty=set())
    assert mirror.get("sensor.t") == st8("sensor.t", "20")
    fills = FillTracker()
    fills.cancel(fills.begin())
    assert not fills


def test_no_growth_with_events() -> None:
    """Internal structures do not grow with the number of events."""
    mirror, _ = make()
    for number in range(5_000):
        mirror.set_state("light.a", st8("light.a", str(number)))
        mirror.apply_diffs([{"sensor.t": {"+": {"s": str(number)}}}])
        mirror.states_json(["light"])
        assert len(mirror.take_changes()) <= 2
    assert len(mirror) == 2


def test_brief_reads_what_get_reads_without_building_it() -> None:
    """``brief`` (what local entities read) agrees with ``get`` on every entry.

    A folded diff of the state alone is read without formatting the entry.
    """
    mirror, _clock = make()
    mirror.apply_diffs([{"light.a": diff("off")}])
    brief = mirror.brief("light.a")
    assert brief == {"state": "off", "attributes": st8("light.a")["attributes"]}
    mirror.apply_diffs([{"light.a": diff("on")}])
    assert mirror.brief("light.a") == {**brief, "state": "on"}
    full = mirror.get("light.a")
    assert full is not None
    assert (full["state"], full["attributes"]) == ("on", brief["attributes"])
    # Attributes changed, or nothing folded: the full entry.
    mirror.apply_diffs([{"sensor.t": {"+": {"s": "21", "a": {"unit": "C"}}}}])
    assert mirror.brief("sensor.t") == mirror.get("sensor.t")
    assert mirror.brief("light.a") == mirror.get("light.a")
    assert mirror.brief("light.gone") is None
