"""RemoteLink against a real remote: batch listeners, counting, figures."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

from homeassistant.core import HomeAssistant
import orjson
import pytest

from custom_components.remote_bridge.remote import EntityFilter, LinkStats
from tests.conftest import RemoteHass

from .conftest import wait_for
from .helpers import Wired

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


def api_state(hass: HomeAssistant, entity_id: str) -> dict[str, Any] | None:
    """Return the remote's own /api/states shape of one entity."""
    state = hass.states.get(entity_id)
    return None if state is None else orjson.loads(orjson.dumps(state.as_dict()))


async def test_listener_hears_each_batch_with_api_states(
    remote: RemoteHass, wired: Factory
) -> None:
    """One call per frame; every value is exactly the remote's /api/states entry."""
    hass = remote.hass
    hass.states.async_set("light.a", "on", {"brightness": 1})
    hass.states.async_set("light.b", "off")
    item = wired(entity_filter=EntityFilter(prefixes=["light."]))
    await item.link.connect()
    item.start()
    batches: list[dict[str, Any]] = []
    jsons: list[bytes] = []

    def listener(changes: Mapping[str, Any]) -> None:
        # The JSON first, so it builds the states itself instead of reusing those read.
        jsons.append(changes.json())  # type: ignore[attr-defined]
        batches.append(dict(changes))

    unsubscribe = item.link.add_listener(listener)
    assert item.link.listeners == 2  # the helper's own recorder too
    # Set in one go: the remote coalesces them into one frame.
    for number in range(5):
        hass.states.async_set("light.a", "on", {"brightness": number + 2})
    hass.states.async_set("light.b", "on", {"rgb": [1, 2, 3]})
    hass.states.async_set("sensor.outside", "3")  # filtered out
    hass.states.async_remove("light.b")
    hass.states.async_set("light.c", "on")
    await wait_for(lambda: "light.c" in item.mirror, what="the burst")
    heard = {entity_id for batch in batches for entity_id in batch}
    assert heard == {"light.a", "light.b", "light.c"}
    assert len(batches) < 9  # batched, not one call per change
    last = {}
    for batch in batches:
        last.update(batch)
    assert last["light.a"] == api_state(hass, "light.a")
    assert last["light.b"] is None  # removed
    assert last["light.c"] == api_state(hass, "light.c")
    assert jsons == [orjson.dumps(batch) for batch in batches]
    unsubscribe()
    unsubscribe()  # twice is harmless
    calls = len(batches)
    hass.states.async_set("light.a", "off")
    await wait_for(lambda: item.mirror.get("light.a")["state"] == "off")  # type: ignore[index]
    assert len(batches) == calls
    assert item.link.listeners == 1


async def test_listener_hears_snapshots_and_not_invalidations(
    remote: RemoteHass, wired: Factory
) -> None:
    """A resync that changes entries is news; a change in invalidate mode is not."""
    hass = remote.hass
    hass.states.async_set("light.a", "on")
    item = wired(entity_filter=EntityFilter(prefixes=["light."]), update_cache=False)
    await item.link.connect()
    item.start()
    heard = len(item.states)
    hass.states.async_set("light.a", "off")
    await wait_for(lambda: "light.a" not in item.mirror, what="the invalidation")
    assert len(item.states) == heard
    await item.link.resync()
    assert item.states[-1] == ("light.a", api_state(hass, "light.a"))


async def test_link_counts_what_arrives(remote: RemoteHass, wired: Factory) -> None:
    """Events, bytes and the last event time are the link's figures."""
    hass = remote.hass
    item = wired(entity_filter=EntityFilter(prefixes=["light."]))
    await item.link.connect()
    item.start()
    before: LinkStats = item.link.stats()
    assert before.events_received == 0  # the initial dump is not an event
    assert before.last_event_time is None
    assert before.snapshots == 1
    hass.states.async_set("light.a", "on")
    hass.states.async_set("light.a", "off")
    await wait_for(lambda: item.link.events_received == 2, what="two events")
    after = item.link.stats()
    assert after.last_event_time is not None
    assert after.bytes_received > before.bytes_received
    assert after.connected
    assert after.mirrored_entities == 1
    assert after.listeners == 1


async def test_a_failing_listener_harms_nobody(
    remote: RemoteHass, wired: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """A listener that raises is logged; the link and the other listeners go on."""
    hass = remote.hass
    item = wired(entity_filter=EntityFilter(prefixes=["light."]))
    await item.link.connect()
    item.start()

    def broken(_changes: Mapping[str, Any]) -> None:
        raise RuntimeError("boom")

    item.link.add_listener(broken)
    hass.states.async_set("light.a", "on")
    await wait_for(lambda: ("light.a", api_state(hass, "light.a")) in item.states)
    hass.states.async_set("light.a", "off")
    await wait_for(lambda: item.states[-1] == ("light.a", api_state(hass, "light.a")))
    assert item.client.connected
    assert "A listener of" in caplog.text


async def test_subscribed_events_arrive_and_survive_a_reconnect(
    remote: RemoteHass, wired: Factory
) -> None:
    """An extra event type is subscribed on every link, before and after a drop."""
    hass = remote.hass
    item = wired(entity_filter=EntityFilter(prefixes=["light."]))
    heard: list[dict[str, Any]] = []
    item.link.subscribe_events("rb_custom_event", heard.append)
    await item.link.connect()
    item.start()
    subscriptions = item.link.stats().subscriptions
    hass.bus.async_fire("rb_custom_event", {"n": 1})
    hass.bus.async_fire("rb_other_event", {"n": 2})
    await wait_for(lambda: len(heard) == 1)
    assert heard[0]["event_type"] == "rb_custom_event"
    assert heard[0]["data"] == {"n": 1}
    assert heard[0]["origin"] == "LOCAL"

    await item.link.reconnect()
    await wait_for(lambda: item.link.connected and item.link.stats().snapshots == 2)
    assert item.link.stats().subscriptions == subscriptions
    hass.bus.async_fire("rb_custom_event", {"n": 3})
    await wait_for(lambda: len(heard) == 2)
    assert heard[1]["data"] == {"n": 3}
