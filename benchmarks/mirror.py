"""Benchmark the StateMirror: ingest rates, /states cost, memory.

    .venv/bin/python benchmarks/mirror.py           # 100k changes, 2,000 entities
    .venv/bin/python benchmarks/mirror.py --quick   # a tiny smoke run

Prints figures; it is not a test. Changes are prepared before the clock starts,
so the figures are the mirror's own cost per change (plus the callback call and,
for full states, the filter decision the subscription decoder makes).
Diffs go in batches of 256, as the client hands over a coalesced frame's, and
the diff figures include one read of every entry at the end (the mirror formats
folded diffs on read).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import random
import sys
import time
import tracemalloc
from typing import TYPE_CHECKING, Any

from core import import_core
import orjson

import_core()  # the pure core alone, as the package ``remote``

if TYPE_CHECKING:
    from custom_components.remote_bridge.remote import EntityFilter, StateMirror
else:
    from remote import EntityFilter, StateMirror

DOMAINS = ("sensor", "light", "switch", "binary_sensor", "climate", "media_player")
BASE_TS = 1_795_000_000.0


def make_state(entity_id: str, number: int) -> dict[str, Any]:
    """Return a realistic state (about 400-500 bytes of JSON)."""
    clock = f"{number % 60:02d}:{number % 59:02d}.{number % 999_999:06d}"
    iso = f"2026-11-26T12:{clock}+00:00"
    return {
        "entity_id": entity_id,
        "state": str(number % 97),
        "attributes": {
            "unit_of_measurement": "°C",
            "device_class": "temperature",
            "state_class": "measurement",
            "friendly_name": f"Sensor {entity_id.split('.')[1].replace('_', ' ')}",
            "icon": "mdi:thermometer",
            "extra": [number % 7, number % 11],
        },
        "last_changed": iso,
        "last_reported": iso,
        "last_updated": iso,
        "context": {"id": f"01JDQ{number:021d}", "parent_id": None, "user_id": None},
    }


def make_diff(number: int) -> dict[str, Any]:
    """Return a subscribe_entities diff as HA sends it (state or attributes)."""
    ts = BASE_TS + number * 0.001_37
    if number % 3:
        return {"+": {"s": str(number % 97), "lc": ts, "c": f"01JDR{number:021d}"}}
    return {
        "+": {"a": {"extra": [number % 5]}, "lu": ts, "c": f"01JDS{number:021d}"},
    }


def timed(label: str, count: int, run: Callable[[], None]) -> float:
    """Run once, print the rate, return seconds."""
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    print(f"  {label:<46} {count / elapsed:>12,.0f} /s   ({elapsed * 1000:,.1f} ms)")
    return elapsed


def main() -> None:
    """Run every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run")
    args = parser.parse_args()
    entities, changes = (200, 2_000) if args.quick else (2_000, 100_000)
    rng = random.Random(42)

    ids = [f"{DOMAINS[n % len(DOMAINS)]}.entity_{n:05d}" for n in range(entities)]
    snapshot_json = orjson.dumps([make_state(e, n) for n, e in enumerate(ids)])
    keep_all = EntityFilter(enabled=False)
    default = EntityFilter()  # media_player excluded: 1/6 of the changes dropped
    picks = [rng.randrange(entities) for _ in range(changes)]
    full_changes = [(ids[i], make_state(ids[i], n)) for n, i in enumerate(picks)]
    diff_changes = [(ids[i], make_diff(n)) for n, i in enumerate(picks)]
    # As the client hands them over: a coalesced frame's diffs together.
    diff_batches = [
        [{entity_id: diff} for entity_id, diff in diff_changes[start : start + 256]]
        for start in range(0, changes, 256)
    ]

    print(
        f"Remote Bridge mirror benchmark: {changes:,} changes"
        f" over {entities:,} entities"
    )
    print(f"Python {sys.version.split()[0]}\n")
    print("Ingest (applies per second):")
    for update in (True, False):
        mode = "update" if update else "invalidate"
        for entity_filter, filter_label in (
            (keep_all, "no filter"),
            (default, "default"),
        ):
            mirror = StateMirror(entity_filter, update_cache=update)
            mirror.replace_all(orjson.loads(snapshot_json))
            set_state = mirror.set_state
            keep = entity_filter.decisions

            def run_full(set_state: Any = set_state, keep: Any = keep) -> None:
                # The subscription decoder decides the filter for full states.
                for entity_id, state in full_changes:
                    if keep[entity_id]:
                        set_state(entity_id, state)

            timed(
                f"{mode:<10} set_state  (full states, {filter_label})",
                changes,
                run_full,
            )
            mirror = StateMirror(entity_filter, update_cache=update)
            mirror.replace_all(orjson.loads(snapshot_json))
            apply = mirror.apply_diffs

            def run_diff(apply: Any = apply, mirror: StateMirror = mirror) -> None:
                for batch in diff_batches:
                    apply(batch)
                mirror.states()  # formats what was folded: counted here

            timed(f"{mode:<10} apply_diffs (diffs, {filter_label})", changes, run_diff)
            if update:
                assert mirror.counters.fallbacks == 0

    print(f"\n/states for {entities:,} entities (update mode, connected):")
    mirror = StateMirror(keep_all)
    mirror.replace_all(orjson.loads(snapshot_json))
    rounds = 20 if args.quick else 50
    cold = 0.0
    for number in range(rounds):
        mirror.set_state(ids[0], make_state(ids[0], number))  # invalidates
        started = time.perf_counter()
        body = mirror.states_json()
        cold += time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(rounds * 100):
        assert mirror.states_json() is body
    cached = (time.perf_counter() - started) / (rounds * 100)
    cold /= rounds
    assert body is not None
    print(f"  cold (build + serialize)  {cold * 1000:>9.3f} ms   ({len(body):,} bytes)")
    print(f"  cached (same bytes)       {cached * 1e6:>9.3f} µs")
    domain_cold = 0.0
    for number in range(rounds):
        mirror.set_state(ids[1], make_state(ids[1], number))
        started = time.perf_counter()
        mirror.states_json(["light"])
        domain_cold += time.perf_counter() - started
    print(f"  cold ?domain=light        {domain_cold / rounds * 1000:>9.3f} ms")

    print(f"\nMemory of a mirror holding {entities:,} states:")
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    mirror = StateMirror(keep_all)
    mirror.replace_all(orjson.loads(snapshot_json))
    held = tracemalloc.get_traced_memory()[0] - before
    mirror.states_json()
    with_json = tracemalloc.get_traced_memory()[0] - before
    # Apply every diff: the footprint must not grow with the number of events.
    for entity_id, diff in diff_changes:
        mirror.apply_diffs([{entity_id: diff}])
    mirror.states_json()
    after_events = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    json_size = len(snapshot_json)
    print(f"  JSON size of the states     {json_size / 1024:>9,.0f} KiB")
    print(
        f"  mirror (parsed states)      {held / 1024:>9,.0f} KiB"
        f"  ({held / json_size:.1f}x JSON)"
    )
    print(f"  + cached /states bytes      {with_json / 1024:>9,.0f} KiB")
    print(
        f"  after {changes:,} diffs      {after_events / 1024:>9,.0f} KiB"
        "  (no growth with events)"
    )


if __name__ == "__main__":
    main()
