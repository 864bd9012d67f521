"""MirrorReader: shared fetches in their own tasks, and what reads may cost the remote.

The pure rules run against ``FakeRemote``; what the remote is really asked is
counted on a REAL remote (the test hass over 127.0.0.1), on its own side.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

import orjson
import pytest

from custom_components.remote_bridge.remote import (
    CannotConnect,
    EntityFilter,
    MirrorReader,
    ReadsThrottled,
    StateMirror,
)
from custom_components.remote_bridge.remote.fills import (
    FetchBudget,
    FillTracker,
    SharedFetches,
)
from custom_components.remote_bridge.remote.reader import (
    NOT_FOUND_SECONDS,
    READ_FETCH_BURST,
)
from tests.conftest import RemoteHass

from .conftest import wait_for
from .helpers import FakeClock, FakeRemote, RemoteCalls, Wired, st8

KEEP_ALL = EntityFilter(enabled=False)


def make(
    truth: dict[str, Any] | None = None, *, update: bool = False
) -> tuple[MirrorReader, FakeRemote, StateMirror, FakeClock]:
    """Return a reader over a fake remote; invalidate mode, nothing cached yet."""
    clock = FakeClock()
    mirror = StateMirror(KEEP_ALL, update_cache=update, clock=clock)
    remote = FakeRemote(truth if truth is not None else {"light.a": st8("light.a")})
    reader = MirrorReader(remote, mirror, KEEP_ALL)
    return reader, remote, mirror, clock


def hold(remote: FakeRemote, name: str) -> asyncio.Event:
    """Make ``remote.<name>`` wait until the returned event is set."""
    gate = asyncio.Event()
    original = getattr(remote, name)

    async def held(*args: Any) -> Any:
        await gate.wait()
        return await original(*args)

    setattr(remote, name, held)
    return gate


async def settle() -> None:
    """Let every ready task run a few steps."""
    for _ in range(5):
        await asyncio.sleep(0)


# -- a reader that hangs up cancels only its own wait ----------------------------------


async def test_cancelled_reader_leaves_the_refill_to_the_others() -> None:
    """Two readers of a slow refill of all states: one hangs up, the other gets it."""
    reader, remote, _, _ = make()
    gate = hold(remote, "fetch_states")
    first = asyncio.create_task(reader.states_json())
    second = asyncio.create_task(reader.states_json())
    await settle()
    first.cancel()
    await settle()
    assert reader.filling_all  # the fetch goes on for the second reader
    gate.set()
    assert orjson.loads(await second) == [st8("light.a")]
    assert first.cancelled()
    assert remote.all_fetches == 1
    assert not reader.fills


async def test_cancelled_reader_leaves_the_entity_fetch_to_the_others() -> None:
    """The same for one entity: the second reader gets the state, one fetch."""
    reader, remote, mirror, _ = make()
    gate = hold(remote, "fetch_state")
    first = asyncio.create_task(reader.state("light.a"))
    second = asyncio.create_task(reader.state("light.a"))
    await settle()
    first.cancel()
    await settle()
    gate.set()
    assert await second == st8("light.a")
    assert first.cancelled()
    assert remote.state_fetches == 1
    assert mirror.get("light.a") == st8("light.a")


async def test_last_reader_gone_cancels_the_fetch() -> None:
    """Nobody waits any more: the fetch is cancelled, no task or fill token is left."""
    reader, remote, _, _ = make()
    gate = hold(remote, "fetch_states")
    hold(remote, "fetch_state")
    readers = [
        asyncio.create_task(read)
        for read in (reader.states_json(), reader.states_json(), reader.state("x.y"))
    ]
    await settle()
    for task in readers:
        task.cancel()
    await settle()
    assert not reader.filling_all
    assert not reader.fills
    gate.set()
    await settle()
    assert remote.all_fetches == 0  # the held fetch never reached the remote
    # A reader after that starts afresh.
    assert orjson.loads(await reader.states_json()) == [st8("light.a")]


async def test_a_failed_shared_fetch_reaches_every_reader() -> None:
    """Each reader of a failing one-entity fetch gets the error; one fetch."""
    reader, remote, _, _ = make()
    remote.fail = CannotConnect("down")
    gate = hold(remote, "fetch_state")
    tasks = [asyncio.create_task(reader.state("light.a")) for _ in range(3)]
    await settle()
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, CannotConnect) for result in results)
    assert remote.state_fetches == 1
    assert not reader.fills


# -- coalescing, and the memory of 404s ------------------------------------------------


async def test_concurrent_reads_of_one_id_share_one_fetch() -> None:
    """A burst of reads of one entity (known or not) costs one fetch each."""
    reader, remote, _, _ = make()
    gate = hold(remote, "fetch_state")
    known = [asyncio.create_task(reader.state("light.a")) for _ in range(200)]
    unknown = [asyncio.create_task(reader.state("light.made_up")) for _ in range(200)]
    await settle()
    gate.set()
    assert await asyncio.gather(*known) == [st8("light.a")] * 200
    assert await asyncio.gather(*unknown) == [None] * 200
    assert remote.state_fetches == 2


async def test_not_found_is_remembered_briefly() -> None:
    """Reads of a made-up id ask the remote once per few seconds, not each time."""
    reader, remote, _, clock = make()
    for _ in range(2000):
        assert await reader.state("light.made_up") is None
    assert remote.state_fetches == 1
    clock.now += NOT_FOUND_SECONDS
    assert await reader.state("light.made_up") is None
    assert remote.state_fetches == 2


async def test_a_change_ends_the_memory_of_a_404() -> None:
    """An entity that appears (a change over the link) is read at once."""
    reader, remote, _, _ = make()
    assert await reader.state("light.new") is None
    remote.truth["light.new"] = st8("light.new")
    reader.fills.mark(["light.new"])  # what the link does for every change
    assert await reader.state("light.new") == st8("light.new")
    assert remote.state_fetches == 2
    assert not reader.fills  # nothing held: the link stops marking


def test_the_memory_of_404s_is_bounded() -> None:
    """Past the bound the oldest 404 is forgotten; expired ones go on their own."""
    clock = FakeClock()
    fills = FillTracker(clock, absent_for=5.0, max_absent=3)
    for name in "abcd":
        fills.note_absent(f"light.{name}")
    assert [fills.known_absent(f"light.{name}") for name in "abcd"] == [
        False,
        True,
        True,
        True,
    ]
    assert fills
    clock.now += 5.0
    assert not fills  # all expired: changes need no marking any more


async def test_a_change_during_a_fetch_starts_a_new_one_for_later_readers() -> None:
    """A reader that comes after a change never gets the older fetch's answer."""
    reader, remote, _, _ = make({"light.a": st8("light.a", "on")})
    gate = hold(remote, "fetch_state")
    early = asyncio.create_task(reader.state("light.a"))
    await settle()
    remote.truth["light.a"] = st8("light.a", "off")
    reader.fills.mark(["light.a"])  # the change arrived over the link
    late = asyncio.create_task(reader.state("light.a"))
    await settle()
    gate.set()
    assert (await late)["state"] == "off"  # type: ignore[index]
    await early
    assert remote.state_fetches == 2


# -- the budget of REST fetches --------------------------------------------------------


def test_fetch_budget() -> None:
    """A burst at once, then the rate; a refusal says when to come back."""
    clock = FakeClock()
    budget = FetchBudget(20.0, 20, clock)
    assert [budget.take() for _ in range(20)] == [0.0] * 20
    assert budget.take() == pytest.approx(0.05)
    clock.now += 0.5
    assert [budget.take() for _ in range(10)] == [0.0] * 10
    assert budget.take() > 0
    clock.now += 3600
    assert sum(budget.take() == 0.0 for _ in range(100)) == 20  # never above burst
    clock.now -= 10  # a clock set back refills nothing
    assert budget.take() > 0


async def test_reads_of_made_up_ids_are_throttled() -> None:
    """2,000 reads of made-up ids at one instant: 20 reach the remote, then 503s."""
    reader, remote, _, clock = make()
    throttled: list[float] = []
    for number in range(2000):
        try:
            assert await reader.state(f"light.made_up_{number}") is None
        except ReadsThrottled as err:
            throttled.append(err.retry_after)
    assert remote.state_fetches == READ_FETCH_BURST
    assert len(throttled) == 2000 - READ_FETCH_BURST
    assert all(0 < wait <= 1 for wait in throttled)
    # Reads the mirror or the 404 memory answer cost nothing and pass.
    assert await reader.state("light.made_up_0") is None
    clock.now += 1.0  # a second later: 20 more
    for number in range(2000, 2020):
        await reader.state(f"light.made_up_{number}")
    assert remote.state_fetches == 2 * READ_FETCH_BURST
    with pytest.raises(ReadsThrottled):
        await reader.states_json()
    with pytest.raises(ReadsThrottled):
        await reader.services()


# -- services --------------------------------------------------------------------------


async def test_services_refill_is_shared() -> None:
    """Concurrent reads after a service change cost one fetch."""
    reader, remote, _, _ = make()
    gate = hold(remote, "fetch_services")
    tasks = [asyncio.create_task(reader.services()) for _ in range(50)]
    await settle()
    gate.set()
    assert await asyncio.gather(*tasks) == [remote.services_list] * 50
    assert remote.service_fetches == 1


async def test_services_changed_during_a_fetch_are_not_overwritten() -> None:
    """A service change while a fetch runs: that fetch's answer is not cached."""
    reader, remote, _, _ = make()
    gate = hold(remote, "fetch_services")
    early = asyncio.create_task(reader.services())
    await settle()
    reader.set_services(None)  # service_registered arrived meanwhile
    late = asyncio.create_task(reader.services())
    await settle()
    gate.set()
    await asyncio.gather(early, late)
    assert remote.service_fetches == 2


# -- the per-domain snapshots ----------------------------------------------------------


def test_domain_snapshots_are_bounded() -> None:
    """Any domain name can be asked for: the 64 read last are kept."""
    mirror = StateMirror(KEEP_ALL)
    mirror.replace_all([st8("light.a")])
    lights = mirror.states_json(["light"])
    made_up = []
    for number in range(1000):
        made_up.append(mirror.states_json([f"made_up_{number}"]))
        assert made_up[-1] == b"[]"
        assert mirror.states_json(["light"]) is lights  # read often: kept
    # A kept snapshot is answered as the same bytes; a dropped one is rebuilt.
    # Kept: light and the 63 made-up domains read last, 64 in all.
    for number in range(937, 1000):
        assert mirror.states_json([f"made_up_{number}"]) is made_up[number]
    assert mirror.states_json(["light"]) is lights
    assert mirror.states_json(["made_up_936"]) is not made_up[936]
    assert mirror.states_json(["made_up_0"]) is not made_up[0]


async def test_shared_fetches_forget_a_detached_fetch() -> None:
    """A detached fetch still answers its readers; the next reader starts anew."""
    fetches: SharedFetches[str, int] = SharedFetches("test")
    gate = asyncio.Event()
    started = 0

    async def fetch() -> int:
        nonlocal started
        started += 1
        number = started
        await gate.wait()
        return number

    first = asyncio.create_task(fetches.run("k", fetch))
    await settle()
    fetches.detach("k")
    second = asyncio.create_task(fetches.run("k", fetch))
    await settle()
    gate.set()
    assert (await first, await second) == (1, 2)
    assert len(fetches) == 0


# -- against a real remote: what it is really asked ------------------------------------

type Factory = Callable[..., Wired]


@pytest.fixture
async def wired(remote: RemoteHass, session: Any) -> AsyncGenerator[Factory]:
    """Build links to the test hass; stop them all at teardown."""
    made: list[Wired] = []

    def factory(**kwargs: Any) -> Wired:
        item = Wired(session, remote.url, remote.token, **kwargs)
        made.append(item)
        return item

    yield factory
    for item in made:
        await item.close()


@pytest.fixture
def one_state_calls(remote: RemoteHass) -> Any:
    """Count the remote's answers to ``GET /api/states/{entity_id}``."""
    calls = RemoteCalls(remote.hass.http.app, "/api/states/{entity_id}")
    yield calls
    calls.restore()


async def linked(wired: Factory, clock: FakeClock) -> Wired:
    """Connect a link in invalidate mode whose clock stands still."""
    item = wired(update_cache=False)
    item.link.set_timing(clock=clock)
    await item.link.connect()
    return item


async def test_real_remote_reads_of_made_up_ids(
    remote: RemoteHass, wired: Factory, one_state_calls: RemoteCalls
) -> None:
    """2,000 reads of made-up ids: the remote is asked 20 times, not 2,000."""
    item = await linked(wired, FakeClock())
    reader = item.link.reader
    answered = throttled = 0
    for number in range(2000):
        try:
            assert await reader.state(f"light.made_up_{number}") is None
            answered += 1
        except ReadsThrottled:
            throttled += 1
    assert one_state_calls.count == READ_FETCH_BURST
    assert (answered, throttled) == (READ_FETCH_BURST, 2000 - READ_FETCH_BURST)


async def test_real_remote_burst_of_reads_of_one_id(
    remote: RemoteHass, wired: Factory, one_state_calls: RemoteCalls
) -> None:
    """500 concurrent reads of one id ask the remote once, known or made up."""
    remote.hass.states.async_set("light.kitchen", "on")
    item = await linked(wired, FakeClock())
    remote.hass.states.async_set("light.kitchen", "off")  # invalidates the entry
    await wait_for(lambda: "light.kitchen" not in item.mirror)
    reader = item.link.reader
    for entity_id, expected in (("light.kitchen", "off"), ("light.made_up", None)):
        one_state_calls.count = 0
        reads = [asyncio.create_task(reader.state(entity_id)) for _ in range(500)]
        states = await asyncio.gather(*reads)
        assert {None if s is None else s["state"] for s in states} == {expected}
        assert one_state_calls.count == 1
    # Sequential reads of the made-up id: the 404 answers them.
    for _ in range(2000):
        assert await reader.state("light.made_up") is None
    assert one_state_calls.count == 1


async def test_real_remote_entity_appearing_after_a_404(
    remote: RemoteHass, wired: Factory, one_state_calls: RemoteCalls
) -> None:
    """The 404 memory never hides an entity the remote creates meanwhile."""
    item = await linked(wired, FakeClock())
    reader = item.link.reader
    assert await reader.state("light.new") is None
    remote.hass.states.async_set("light.new", "on")
    await wait_for(lambda: not reader.fills.known_absent("light.new"))
    state = await reader.state("light.new")
    assert state is not None
    assert state["state"] == "on"
    assert one_state_calls.count == 2


async def test_real_remote_reader_hanging_up_during_a_refill(
    remote: RemoteHass, wired: Factory
) -> None:
    """A slow /api/states: the first reader hangs up, the second gets the states."""
    remote.hass.states.async_set("light.kitchen", "on")
    item = await linked(wired, FakeClock())
    remote.hass.states.async_set("light.kitchen", "off")  # invalidates /states
    await wait_for(lambda: not item.mirror.all_valid())
    calls = RemoteCalls(remote.hass.http.app, "/api/states")
    try:
        calls.open.clear()
        reader = item.link.reader
        first = asyncio.create_task(reader.states_json())
        second = asyncio.create_task(reader.states_json())
        async with asyncio.timeout(5):
            await calls.arrived.wait()
        first.cancel()
        await settle()
        calls.open.set()
        states = {s["entity_id"]: s["state"] for s in orjson.loads(await second)}
    finally:
        calls.restore()
    assert states["light.kitchen"] == "off"
    assert first.cancelled()
    assert calls.count == 1
