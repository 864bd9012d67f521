"""The HTTP views, against a bridge connected to the test hass over 127.0.0.1."""

from __future__ import annotations

import asyncio
from functools import partial
from http import HTTPStatus
from typing import Any

from homeassistant import const
from homeassistant.core import HomeAssistant, ServiceCall
from prometheus_client.parser import text_string_to_metric_families
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.remote import MirrorReader

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    expire_cache,
    start_remote,
    stop_remote,
    wait_for,
)
from .remote.helpers import RemoteCalls
from .views_helpers import TEST_FILTERS, seed_remote, setup_bridge

VIEWS = ["states", "states/light.kitchen", "services", "health", "status", "metrics"]


def base(entry: MockConfigEntry) -> str:
    """Return the URL prefix of the entry's views."""
    return f"/api/remote_bridge/{entry.entry_id}"


def mirrored(
    states: list[dict[str, Any]], domains: set[str] | None = None
) -> list[Any]:
    """Return what the bridge should serve of HA's own ``/api/states``, sorted."""
    kept = [
        state
        for state in states
        if state["entity_id"].startswith(tuple(TEST_FILTERS))
        and not state["entity_id"].startswith("media_player.")
        and (domains is None or state["entity_id"].split(".")[0] in domains)
    ]
    return sorted(kept, key=lambda state: state["entity_id"])


def by_id(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort states by entity id."""
    return sorted(states, key=lambda state: state["entity_id"])


@pytest.fixture
async def entry(hass: HomeAssistant, remote: RemoteHass) -> MockConfigEntry:
    """Set up a bridge in update mode, over a remote with a few entities."""
    seed_remote(hass)
    return await setup_bridge(hass, remote)


async def test_list(
    hass_client: ClientSessionGenerator, remote: RemoteHass, entry: MockConfigEntry
) -> None:
    """The list names every bridge with its remote url and link state."""
    client = await hass_client()
    response = await client.get("/api/remote_bridge")
    assert response.status == HTTPStatus.OK
    assert await response.json() == [
        {
            "entry_id": entry.entry_id,
            "title": "Garage",
            "url": remote.url,
            "connected": True,
        }
    ]


async def test_list_for_non_admins_has_no_address(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
    remote: RemoteHass,
    entry: MockConfigEntry,
) -> None:
    """Users who are not admins see the bridges, not where the remotes are."""
    # Titled after the url, as the config flow does when the remote has no name.
    hass.config_entries.async_update_entry(entry, title=remote.url)
    reader = await hass_client(hass_read_only_access_token)
    response = await reader.get("/api/remote_bridge")
    assert response.status == HTTPStatus.OK
    assert await response.json() == [
        {"entry_id": entry.entry_id, "title": "**REDACTED**", "connected": True}
    ]
    address = remote.url.removeprefix("http://").encode()
    assert address not in await response.read()


@pytest.mark.parametrize("update_cache", [True, False])
async def test_states_equal_has_own(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote: RemoteHass,
    update_cache: bool,
) -> None:
    """The states answer is HA's own ``/api/states`` for the mirrored entities."""
    seed_remote(hass)
    entry = await setup_bridge(hass, remote, update_cache=update_cache)
    hass.states.async_set("light.kitchen", "off", {"brightness": 0})
    bridge = bridge_of(entry)
    await wait_for(
        lambda: (
            bridge.link.mirror.counters.updates
            + bridge.link.mirror.counters.invalidations
        )
    )
    client = await hass_client()

    own = await (await client.get("/api/states")).json()
    response = await client.get(f"{base(entry)}/states")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "application/json"
    ours = await response.json()
    assert by_id(ours) == mirrored(own)
    assert {state["entity_id"] for state in ours} == {
        "light.kitchen",
        "light.hall",
        "switch.pump",
        "sensor.outside",
    }

    for entity_id in ("light.kitchen", "sensor.outside"):
        own_one = await (await client.get(f"/api/states/{entity_id}")).json()
        response = await client.get(f"{base(entry)}/states/{entity_id}")
        assert response.status == HTTPStatus.OK
        assert await response.json() == own_one


@pytest.mark.parametrize(
    ("query", "domains"),
    [
        ("?domain=light", {"light"}),
        ("?domain=light,switch", {"light", "switch"}),
        ("?domain=light&domain=sensor", {"light", "sensor"}),
        ("?domain=climate", {"climate"}),
    ],
)
async def test_states_domain_narrowing(
    hass_client: ClientSessionGenerator,
    entry: MockConfigEntry,
    query: str,
    domains: set[str],
) -> None:
    """``?domain=`` (repeated or comma separated) narrows the answer."""
    client = await hass_client()
    own = await (await client.get("/api/states")).json()
    response = await client.get(f"{base(entry)}/states{query}")
    assert response.status == HTTPStatus.OK
    assert by_id(await response.json()) == mirrored(own, domains)


@pytest.mark.parametrize(
    "query", ['?domain=Li"ght', "?domain=", "?domain=light,", "?domain=light&domain="]
)
async def test_states_bad_domain(
    hass_client: ClientSessionGenerator, entry: MockConfigEntry, query: str
) -> None:
    """A domain that cannot exist, or an empty one, is a 400."""
    client = await hass_client()
    response = await client.get(f"{base(entry)}/states{query}")
    assert response.status == HTTPStatus.BAD_REQUEST
    assert await response.json() == {"message": "Invalid domain."}


async def status(client: Any, entry: MockConfigEntry) -> dict[str, Any]:
    """Return the entry's status answer."""
    response = await client.get(f"{base(entry)}/status")
    assert response.status == HTTPStatus.OK
    body: dict[str, Any] = await response.json()
    return body


async def test_hits_in_update_mode(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """Update mode: reads are hits, and changes land in the mirror."""
    client = await hass_client()
    before = (await status(client, entry))["cache"]
    for _ in range(3):
        assert (await client.get(f"{base(entry)}/states/light.kitchen")).status == 200
    assert (await client.get(f"{base(entry)}/states")).status == 200
    after = (await status(client, entry))["cache"]
    assert after["hits"] - before["hits"] == 4
    assert after["misses"] == before["misses"]

    hass.states.async_set("light.kitchen", "off")
    bridge = bridge_of(entry)
    await wait_for(
        lambda: (bridge.link.mirror.get("light.kitchen") or {}).get("state") == "off"
    )
    response = await client.get(f"{base(entry)}/states/light.kitchen")
    assert (await response.json())["state"] == "off"
    final = (await status(client, entry))["cache"]
    assert final["misses"] == before["misses"]
    assert final["updates"] > before["updates"]
    assert final["entities"] == 4


async def test_misses_in_invalidate_mode(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, remote: RemoteHass
) -> None:
    """Invalidate mode: a change drops the entry, the next read fetches it."""
    seed_remote(hass)
    entry = await setup_bridge(hass, remote, update_cache=False)
    bridge = bridge_of(entry)
    client = await hass_client()
    before = (await status(client, entry))["cache"]

    hass.states.async_set("light.kitchen", "off", {"brightness": 0})
    await wait_for(lambda: "light.kitchen" not in bridge.link.mirror)
    response = await client.get(f"{base(entry)}/states/light.kitchen")
    assert (await response.json())["state"] == "off"
    middle = (await status(client, entry))["cache"]
    assert middle["misses"] == before["misses"] + 1
    assert middle["invalidations"] > before["invalidations"]
    assert middle["updates"] == before["updates"]

    # Now stored: the second read is a hit.
    response = await client.get(f"{base(entry)}/states/light.kitchen")
    assert (await response.json())["state"] == "off"
    assert (await status(client, entry))["cache"]["hits"] == middle["hits"] + 1

    # All states: a miss refilled from the remote's REST API, then a hit.
    hass.states.async_set("switch.pump", "off")
    await wait_for(lambda: "switch.pump" not in bridge.link.mirror)
    for _ in range(2):
        states = await (await client.get(f"{base(entry)}/states")).json()
        assert {s["entity_id"]: s["state"] for s in states}["switch.pump"] == "off"
    # A refilled read counts one miss; the read after it one hit.
    final = (await status(client, entry))["cache"]
    assert final["misses"] == middle["misses"] + 1
    assert final["hits"] == middle["hits"] + 1 + 1


@pytest.mark.parametrize(
    ("entity_id", "status_code"),
    [
        ("light.nowhere", HTTPStatus.NOT_FOUND),
        ("media_player.tv", HTTPStatus.NOT_FOUND),  # on the remote, filtered out
        ("binary_sensor.garage_connected", HTTPStatus.NOT_FOUND),  # filtered
        ("not_an_entity_id", HTTPStatus.BAD_REQUEST),
        ("light.Kitchen", HTTPStatus.BAD_REQUEST),
    ],
)
@pytest.mark.parametrize("update_cache", [True, False])
async def test_entity_not_found_and_malformed(
    hass_client: ClientSessionGenerator,
    remote: RemoteHass,
    entity_id: str,
    status_code: HTTPStatus,
    update_cache: bool,
) -> None:
    """Unknown or filtered entities are 404, malformed ids 400, in both modes."""
    seed_remote(remote.hass)
    entry = await setup_bridge(remote.hass, remote, update_cache=update_cache)
    client = await hass_client()
    response = await client.get(f"{base(entry)}/states/{entity_id}")
    assert response.status == status_code
    assert set(await response.json()) == {"message"}


async def test_unavailable_after_ttl(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote: RemoteHass,
    entry: MockConfigEntry,
) -> None:
    """The remote gone: served within the TTL, 503 past it, back after reconnect."""
    bridge = bridge_of(entry)
    client = await hass_client()
    await stop_remote(remote)
    await wait_for(lambda: not bridge.link.connected)

    response = await client.get(f"{base(entry)}/states/light.kitchen")
    assert response.status == HTTPStatus.OK
    assert (await client.get(f"{base(entry)}/states")).status == HTTPStatus.OK
    health = await (await client.get(f"{base(entry)}/health")).json()
    assert health["websocket"]["connected"] is False
    assert health["state"] in ("reconnecting", "connecting")

    expire_cache(bridge)  # the TTL runs out
    for path in ("states/light.kitchen", "states", "states?domain=light"):
        response = await client.get(f"{base(entry)}/{path}")
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        body = await response.json()
        assert set(body) == {"message"}
        assert "unavailable" in body["message"]

    await start_remote(remote)
    await bridge.async_reconnect()
    await wait_for(lambda: bridge.link.connected, within=10)
    response = await client.get(f"{base(entry)}/states/light.kitchen")
    assert response.status == HTTPStatus.OK


async def test_unavailable_names_the_address_to_admins_only(
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
    remote: RemoteHass,
    entry: MockConfigEntry,
) -> None:
    """A 503 names the remote's address to admins, and to nobody else."""
    bridge = bridge_of(entry)
    await stop_remote(remote)
    await wait_for(lambda: not bridge.link.connected)
    expire_cache(bridge)
    address = remote.url.removeprefix("http://")
    admin = await hass_client()
    reader = await hass_client(hass_read_only_access_token)
    for path in ("states/light.kitchen", "states", "services"):
        bridge.link.reader.set_services(None)
        response = await admin.get(f"{base(entry)}/{path}")
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert address in (await response.json())["message"]
        response = await reader.get(f"{base(entry)}/{path}")
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert await response.json() == {"message": "Remote is unavailable."}
    async with reader.get(f"{base(entry)}/stream") as response:
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert address not in (await response.json())["message"]


async def test_services_refetched_after_registration(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """The services answer is HA's own, and follows a newly registered service."""
    client = await hass_client()
    response = await client.get(f"{base(entry)}/services")
    assert response.status == HTTPStatus.OK
    assert "rb_test" not in {item["domain"] for item in await response.json()}

    async def ping(_call: ServiceCall) -> None:
        """Do nothing."""

    hass.services.async_register("rb_test", "ping", ping)
    bridge = bridge_of(entry)
    await wait_for(lambda: bridge.link.reader.cached_services is None)
    ours = await (await client.get(f"{base(entry)}/services")).json()
    own = await (await client.get("/api/services")).json()
    assert "rb_test" in {item["domain"] for item in ours}
    key = lambda item: item["domain"]  # noqa: E731
    assert sorted(ours, key=key) == sorted(own, key=key)


async def test_health(
    hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """Health is the contract's small shape."""
    client = await hass_client()
    response = await client.get(f"{base(entry)}/health")
    assert response.status == HTTPStatus.OK
    assert await response.json() == {
        "websocket": {"connected": True, "reconnect_attempts": 0, "subscriptions": 4},
        "state": "connected",
    }


async def test_status(
    hass_client: ClientSessionGenerator, remote: RemoteHass, entry: MockConfigEntry
) -> None:
    """Status shows options, the connection and the counters."""
    client = await hass_client()
    body = await status(client, entry)
    assert body["options"] == entry.options
    connection = body["connection"]
    assert connection["url"] == remote.url
    assert connection["state"] == "connected"
    assert connection["remote_version"] == const.__version__
    assert connection["connected_since"] is not None
    assert connection["last_error"] is None
    assert set(body["cache"]) >= {
        "hits",
        "misses",
        "updates",
        "invalidations",
        "entities",
        "events_received",
        "last_event_time",
    }
    assert body["cache"]["entities"] == 4


async def test_metrics(
    hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """Metrics are valid Prometheus text, labelled by entry."""
    client = await hass_client()
    await client.get(f"{base(entry)}/states/light.kitchen")
    response = await client.get(f"{base(entry)}/metrics")
    assert response.status == HTTPStatus.OK
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await response.text()
    samples = {}
    for family in text_string_to_metric_families(text):
        assert family.documentation
        for sample in family.samples:
            assert sample.labels == {"entry_id": entry.entry_id}
            samples[sample.name] = sample.value
    assert samples["remote_bridge_connected"] == 1
    assert samples["remote_bridge_mirrored_entities"] == 4
    assert samples["remote_bridge_subscriptions"] == 4
    assert samples["remote_bridge_cache_hits_total"] >= 1
    assert {
        "remote_bridge_reconnect_attempts",
        "remote_bridge_events_received_total",
        "remote_bridge_cache_misses_total",
        "remote_bridge_cache_updates_total",
        "remote_bridge_cache_invalidations_total",
    } <= set(samples)


async def test_etag(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """A matching If-None-Match is a 304; a change gives a new ETag."""
    client = await hass_client()
    bridge = bridge_of(entry)
    for path in ("states", "states?domain=light", "states/light.kitchen"):
        response = await client.get(f"{base(entry)}/{path}")
        etag = response.headers["ETag"]
        response = await client.get(
            f"{base(entry)}/{path}", headers={"If-None-Match": etag}
        )
        assert response.status == HTTPStatus.NOT_MODIFIED
        assert await response.read() == b""
        response = await client.get(
            f"{base(entry)}/{path}", headers={"If-None-Match": '"other"'}
        )
        assert response.status == HTTPStatus.OK

        hass.states.async_set("light.kitchen", f"changed for {path}")

        def changed(text: str = f"changed for {path}") -> bool:
            return (bridge.link.mirror.get("light.kitchen") or {}).get("state") == text

        await wait_for(changed)
        response = await client.get(
            f"{base(entry)}/{path}", headers={"If-None-Match": etag}
        )
        assert response.status == HTTPStatus.OK
        assert response.headers["ETag"] != etag

    domain_tags = {
        (await client.get(f"{base(entry)}/states{query}")).headers["ETag"]
        for query in ("", "?domain=light", "?domain=switch")
    }
    assert len(domain_tags) == 3


async def test_unknown_and_unloaded_entry(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """An unknown or unloaded entry is a 404 on every view."""
    client = await hass_client()
    other = MockConfigEntry(domain="other_domain")
    other.add_to_hass(hass)
    for entry_id in ("no_such_entry", other.entry_id):
        for view in [*VIEWS, "stream"]:
            response = await client.get(f"/api/remote_bridge/{entry_id}/{view}")
            assert response.status == HTTPStatus.NOT_FOUND, view
            assert await response.json() == {"message": "Remote bridge not found."}

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    for view in [*VIEWS, "stream"]:
        response = await client.get(f"{base(entry)}/{view}")
        assert response.status == HTTPStatus.NOT_FOUND, view
    listing = await (await client.get("/api/remote_bridge")).json()
    assert listing[0]["connected"] is False


async def test_auth(
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hass_read_only_access_token: str,
    entry: MockConfigEntry,
) -> None:
    """Every view needs a token; status needs an admin."""
    anonymous = await hass_client_no_auth()
    for path in ["/api/remote_bridge"] + [
        f"{base(entry)}/{view}" for view in [*VIEWS, "stream"]
    ]:
        response = await anonymous.get(path)
        assert response.status == HTTPStatus.UNAUTHORIZED, path

    reader = await hass_client(hass_read_only_access_token)
    response = await reader.get(f"{base(entry)}/status")
    assert response.status == HTTPStatus.FORBIDDEN
    assert await response.json() == {"message": "Admin access required."}
    for view in ("states", "health", "metrics"):
        assert (await reader.get(f"{base(entry)}/{view}")).status == HTTPStatus.OK

    admin = await hass_client()
    assert (await admin.get(f"{base(entry)}/status")).status == HTTPStatus.OK


async def test_token_never_answered(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote: RemoteHass,
    entry: MockConfigEntry,
) -> None:
    """The remote's access token is in no answer, up or down, found or not."""
    client = await hass_client()
    token = remote.token.encode()
    paths = ["/api/remote_bridge"] + [f"{base(entry)}/{view}" for view in VIEWS]
    paths += [f"{base(entry)}/states/light.nowhere", f"{base(entry)}/states/bad"]

    async def bodies() -> list[bytes]:
        answers = [await (await client.get(path)).read() for path in paths]
        async with client.get(f"{base(entry)}/stream") as response:
            answers.append(await response.content.readuntil(b"\n\n"))
        return answers

    answers = await bodies()
    bridge = bridge_of(entry)
    await stop_remote(remote)
    await wait_for(lambda: not bridge.link.connected)
    expire_cache(bridge)
    answers += await bodies()
    assert b"unavailable" in b"".join(answers)
    for answer in answers:
        assert answer
        assert token not in answer


@pytest.fixture
async def frozen_entry(hass: HomeAssistant, remote: RemoteHass) -> MockConfigEntry:
    """Set up a bridge in invalidate mode whose clock stands still: no refills."""
    seed_remote(hass)
    entry = await setup_bridge(hass, remote, update_cache=False)
    bridge_of(entry).link.set_timing(clock=lambda: 1000.0)
    return entry


def all_waiting(reader: MirrorReader, entity_id: str | None) -> bool:
    """Return True once 20 reads wait on the one fetch of ``entity_id``."""
    return reader.fetch_waiters(entity_id) == 20


async def test_reads_past_the_budget_answer_503_with_retry_after(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
    remote: RemoteHass,
    frozen_entry: MockConfigEntry,
) -> None:
    """Reads of made-up ids reach the remote 20 times; then 503 and Retry-After."""
    calls = RemoteCalls(remote.hass.http.app, "/api/states/{entity_id}")
    try:
        client = await hass_client()
        statuses = [
            (await client.get(f"{base(frozen_entry)}/states/light.made_up_{n}")).status
            for n in range(100)
        ]
    finally:
        calls.restore()
    assert calls.count == 20
    assert (
        statuses == [HTTPStatus.NOT_FOUND] * 20 + [HTTPStatus.SERVICE_UNAVAILABLE] * 80
    )

    # Every read that needs the remote is refused now, each with the same answer.
    hass.states.async_set("switch.pump", "off")  # invalidates the states snapshot
    bridge = bridge_of(frozen_entry)
    await wait_for(lambda: not bridge.link.mirror.all_valid())
    bridge.link.reader.set_services(None)
    address = remote.url.removeprefix("http://")
    reader = await hass_client(hass_read_only_access_token)
    for path in ("states/light.made_up_x", "states", "states?domain=light", "services"):
        response = await client.get(f"{base(frozen_entry)}/{path}")
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE, path
        assert response.headers["Retry-After"] == "1"
        assert await response.json() == {
            "message": f"Too many reads of remote {remote.url}; retry in 1 s."
        }
        response = await reader.get(f"{base(frozen_entry)}/{path}")
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert response.headers["Retry-After"] == "1"
        assert await response.json() == {
            "message": "Too many reads of the remote; retry in 1 s."
        }
        assert address not in await response.text()
    async with reader.get(f"{base(frozen_entry)}/stream") as response:
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert response.headers["Retry-After"] == "1"
    # Reads the mirror answers cost the remote nothing and still pass.
    response = await client.get(f"{base(frozen_entry)}/states/light.hall")
    assert response.status == HTTPStatus.OK


async def test_concurrent_reads_share_one_remote_call(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote: RemoteHass,
    frozen_entry: MockConfigEntry,
) -> None:
    """20 clients reading one entity, or the services, cost the remote one call."""
    bridge = bridge_of(frozen_entry)
    hass.states.async_set("light.kitchen", "off")
    await wait_for(lambda: "light.kitchen" not in bridge.link.mirror)
    bridge.link.reader.set_services(None)
    client = await hass_client()
    reader = bridge.link.reader
    cases = [
        ("states/light.kitchen", HTTPStatus.OK, "light.kitchen"),
        ("states/light.made_up", HTTPStatus.NOT_FOUND, "light.made_up"),
        ("services", HTTPStatus.OK, None),
    ]
    for path, expected, key in cases:
        canonical = "/api/services" if key is None else "/api/states/{entity_id}"
        calls = RemoteCalls(remote.hass.http.app, canonical)
        calls.open.clear()  # hold the remote until every client has asked
        try:
            requests = [
                asyncio.create_task(client.get(f"{base(frozen_entry)}/{path}"))
                for _ in range(20)
            ]
            await wait_for(partial(all_waiting, reader, key))
            calls.open.set()
            responses = await asyncio.gather(*requests)
        finally:
            calls.restore()
        assert {response.status for response in responses} == {expected}, path
        assert calls.count == 1, path
