"""RemoteClient against a REAL Home Assistant: the test hass over 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant, ServiceCall
import orjson
import pytest

from custom_components.remote_bridge.remote import (
    CannotConnect,
    EntityFilter,
    InvalidAuth,
)
from custom_components.remote_bridge.remote.subscriptions import SubscriptionKind
from tests.conftest import RemoteHass

from .conftest import wait_for
from .helpers import Wired

type Factory = Callable[..., Wired]


@pytest.fixture
async def wired(remote: RemoteHass, session: Any) -> AsyncGenerator[Factory]:
    """Build clients against the test hass; stop them all at teardown."""
    made: list[Wired] = []

    def factory(token: str | None = None, **kwargs: Any) -> Wired:
        item = Wired(session, remote.url, token or remote.token, **kwargs)
        made.append(item)
        return item

    yield factory
    for item in made:
        await item.close()


def hass_truth(hass: HomeAssistant, entity_filter: EntityFilter) -> dict[str, Any]:
    """Return the remote's states, filtered, in /api/states shape."""
    return {
        state.entity_id: orjson.loads(orjson.dumps(state.as_dict()))
        for state in hass.states.async_all()
        if entity_filter(state.entity_id)
    }


def mirrored(item: Wired) -> dict[str, Any]:
    return {state["entity_id"]: state for state in item.mirror.states()}


async def test_handshake(remote: RemoteHass, wired: Factory) -> None:
    """auth_ok, three subscriptions, the snapshot and the remote's config."""
    remote.hass.states.async_set("light.kitchen", "on", {"brightness": 100})
    item = wired()
    await item.client.connect()
    client = item.client
    assert client.connected
    assert item.connection_states == ["connecting", "connected"]
    assert client.remote_version == ha_version
    assert client.subscription_kind is SubscriptionKind.ENTITIES
    assert client.subscriptions == 3
    assert item.link.snapshots == 1
    assert item.mirror.get("light.kitchen")["attributes"] == {"brightness": 100}  # type: ignore[index]
    assert client.remote_config["version"] == ha_version
    assert client.remote_config["location_name"] == remote.hass.config.location_name
    services = item.link.reader.cached_services
    assert isinstance(services, list)
    # get_services over the socket has /api/services' shape and content.
    assert services == await client.rest.fetch_services()
    assert client.base_url == remote.url
    assert client.ws_url == remote.url.replace("http", "ws") + "/api/websocket"


async def test_wrong_token(remote: RemoteHass, wired: Factory) -> None:
    """auth_invalid: InvalidAuth, state auth_failed, and run() never retries."""
    item = wired(token="not-the-token")
    with pytest.raises(InvalidAuth):
        await item.client.connect()
    assert item.client.link_state == "auth_failed"
    await item.client.run()  # returns at once: nothing to retry
    assert item.delays == []
    assert item.connection_states == ["connecting", "auth_failed"]
    await item.client.reconnect()  # a no-op after an auth failure
    assert item.client.link_state == "auth_failed"


@pytest.mark.parametrize(
    "entities", [True, False], ids=["subscribe_entities", "state_changed"]
)
async def test_states_arrive_with_full_attributes(
    remote: RemoteHass, wired: Factory, entities: bool
) -> None:
    """Set, change (attributes added/removed), remove: the mirror follows."""
    hass = remote.hass
    hass.states.async_set("sensor.gone", "1")
    item = wired(subscribe_entities=entities)
    await item.client.connect()
    item.start()
    kind = SubscriptionKind.ENTITIES if entities else SubscriptionKind.STATE_CHANGED
    assert item.client.subscription_kind is kind
    attributes = {"unit_of_measurement": "°C", "nested": {"a": [1, 2]}, "x": None}
    hass.states.async_set("sensor.temperature", "21.5", attributes)
    hass.states.async_set("light.a", "on", {"brightness": 10, "rgb": [1, 2, 3]})
    hass.states.async_set("light.a", "on", {"brightness": 20})  # rgb removed
    hass.states.async_set("light.a", "off", {"brightness": 20})
    hass.states.async_set("switch.s", "on", force_update=True)
    hass.states.async_set("switch.s", "on", force_update=True)  # last_updated only
    hass.states.async_remove("sensor.gone")
    truth = hass_truth(hass, item.filter)
    await wait_for(lambda: mirrored(item) == truth, what="the mirror equals hass")
    assert mirrored(item)["sensor.temperature"]["attributes"] == attributes
    assert ("sensor.gone", None) in item.states
    assert item.link.events_received >= 6
    assert item.link.last_event_time is not None


@pytest.mark.parametrize("update_cache", [True, False])
async def test_mirror_equals_filtered_hass(
    remote: RemoteHass, wired: Factory, update_cache: bool
) -> None:
    """Issue 3's integration test: several domains, set/change/remove."""
    hass = remote.hass
    for number in range(5):
        hass.states.async_set(f"light.l{number}", "off", {"n": number})
        hass.states.async_set(f"media_player.m{number}", "idle")
        hass.states.async_set(f"sensor.temperature_{number}", str(number))
        hass.states.async_set(f"sensor.other_{number}", str(number))
    entity_filter = EntityFilter(prefixes=["light.", "sensor.temperature", "media"])
    item = wired(entity_filter=entity_filter, update_cache=update_cache)
    await item.client.connect()
    item.start()
    for number in range(5):
        hass.states.async_set(f"light.l{number}", "on", {"n": number + 1})
        hass.states.async_set(f"sensor.temperature_{number}", "99", {"u": "C"})
        hass.states.async_set(f"media_player.m{number}", "playing")
    hass.states.async_remove("light.l0")
    hass.states.async_set("light.new", "on")
    truth = hass_truth(hass, entity_filter)
    assert not any(e.startswith(("media_player.", "sensor.other")) for e in truth)
    if update_cache:
        await wait_for(lambda: mirrored(item) == truth, what="mirror == hass")
    else:
        # Entries left are right; a read through the REST API fills the rest.
        await wait_for(
            lambda: "light.new" not in item.mirror and item.link.events_received >= 12
        )
        reader = item.link.reader
        body = await reader.states_json()
        assert {s["entity_id"]: s for s in orjson.loads(body)} == truth
        assert mirrored(item) == truth
        assert await reader.state("light.l0") is None


async def test_services_registered_and_removed(
    remote: RemoteHass, wired: Factory
) -> None:
    """service_registered / service_removed clear the services (callback None)."""
    hass = remote.hass
    item = wired()
    await item.client.connect()
    item.start()
    reader = item.link.reader
    assert reader.cached_services is not None

    async def handler(call: ServiceCall) -> None:
        """Do nothing."""

    hass.services.async_register("bridge_test", "ping", handler)
    await wait_for(lambda: reader.cached_services is None, what="service_registered")
    fetched = await item.client.rest.fetch_services()
    assert {
        "domain": "bridge_test",
        "services": {"ping": fetched[-1]["services"]["ping"]},
    } in fetched
    reader.set_services([])
    hass.services.async_remove("bridge_test", "ping")
    await wait_for(lambda: reader.cached_services is None, what="service_removed")


async def test_server_side_filtering(remote: RemoteHass, wired: Factory) -> None:
    """Excluded domains never cross the wire with subscribe_entities."""
    hass = remote.hass
    item = wired()  # default: media_player, camera, automation excluded
    await item.client.connect()
    item.start()
    hass.states.async_set("light.marker", "0")
    await wait_for(lambda: "light.marker" in item.mirror)
    before_bytes, before_events = item.link.bytes_received, item.link.events_received
    for number in range(300):
        hass.states.async_set(
            f"media_player.tv_{number}", "playing", {"media_title": "x" * 200}
        )
    hass.states.async_set("light.marker", "1")  # sent after all of them
    await wait_for(lambda: item.mirror.get("light.marker")["state"] == "1")  # type: ignore[index]
    # 300 states of ~300 bytes each would be ~90 kB; only the marker's diff came.
    assert item.link.bytes_received - before_bytes < 500
    assert item.link.events_received - before_events == 1
    assert not any(e.startswith("media_player.") for e, _ in item.states)


async def test_client_filter_applies_with_state_changed(
    remote: RemoteHass, wired: Factory
) -> None:
    """With state_changed the remote sends everything; the client still filters."""
    hass = remote.hass
    item = wired(subscribe_entities=False)
    await item.client.connect()
    item.start()
    hass.states.async_set("media_player.tv", "on")
    hass.states.async_set("light.marker", "1")
    await wait_for(lambda: "light.marker" in item.mirror)
    assert "media_player.tv" not in item.mirror
    assert item.link.events_received == 1


async def test_rest_fetches(remote: RemoteHass, wired: Factory) -> None:
    """fetch_state / fetch_states / fetch_services over REST; 404 is None."""
    hass = remote.hass
    hass.states.async_set("light.a", "on", {"b": 1})
    item = wired()
    state = await item.client.rest.fetch_state("light.a")
    assert state == orjson.loads(orjson.dumps(hass.states.get("light.a").as_dict()))  # type: ignore[union-attr]
    assert await item.client.rest.fetch_state("light.missing") is None
    states = await item.client.rest.fetch_states()
    assert "light.a" in {s["entity_id"] for s in states}

    async def handler(call: ServiceCall) -> None:
        """Do nothing."""

    hass.services.async_register("bridge_test", "ping", handler)
    services = await item.client.rest.fetch_services()
    assert any(s["domain"] == "bridge_test" for s in services)
    bad = wired(token="wrong")
    with pytest.raises(InvalidAuth):
        await bad.client.rest.fetch_states()


async def test_resync_and_reconnect(remote: RemoteHass, wired: Factory) -> None:
    """resync() takes a new snapshot; reconnect() drops and re-subscribes."""
    hass = remote.hass
    item = wired()
    with pytest.raises(CannotConnect):
        await item.client.resync()  # not connected yet
    await item.client.connect()
    item.start()
    await item.client.resync()
    assert item.link.snapshots == 2
    await item.client.reconnect()
    await wait_for(lambda: item.link.snapshots == 3 and item.client.connected)
    assert "reconnecting" in item.connection_states
    assert item.client.subscriptions == 3
    assert item.link.stats().reconnect_attempts == 0
    assert item.delays == []  # reconnect() does not wait for a backoff
    hass.states.async_set("light.after", "on")
    await wait_for(lambda: "light.after" in item.mirror)


async def test_send_command_and_stop(remote: RemoteHass, wired: Factory) -> None:
    """Commands get increasing ids and results; an error becomes CommandFailed."""
    from custom_components.remote_bridge.remote import CommandFailed  # noqa: PLC0415

    item = wired(heartbeat_interval=0.05)
    await item.client.connect()
    item.start()
    assert await item.client.send_command({"type": "ping"}) is None
    with pytest.raises(CommandFailed) as err:
        await item.client.send_command({"type": "no_such_command"})
    assert err.value.code == "unknown_command"
    await wait_for(lambda: item.client.heartbeat.latency_ms is not None, what="a pong")
    await item.close()
    assert item.client.link_state == "stopped"
    assert item.connection_states[-1] == "stopped"
    with pytest.raises(CannotConnect):
        await item.client.connect()
    with pytest.raises(CannotConnect):
        await item.client.send_command({"type": "ping"})


async def test_concurrent_resyncs_share_one_snapshot(
    remote: RemoteHass, wired: Factory
) -> None:
    """A resync asked for while one runs waits for it: one get_states, not two."""
    import asyncio  # noqa: PLC0415

    remote.hass.states.async_set("light.a", "on")
    item = wired()
    await item.link.connect()
    item.start()
    assert item.link.snapshots == 1
    remote.hass.states.async_set("light.a", "off")
    await asyncio.gather(item.link.resync(), item.link.resync())
    assert item.link.snapshots == 2
    assert item.mirror.get("light.a")["state"] == "off"  # type: ignore[index]
    await item.link.resync()  # a later call takes a new one
    assert item.link.snapshots == 3
