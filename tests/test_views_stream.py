"""The Server-Sent Events stream of a bridge."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import logging
from types import SimpleNamespace
from typing import Any

from aiohttp import ClientError, ClientPayloadError, web
from aiohttp.test_utils import TestClient
from homeassistant.auth.models import RefreshToken, User
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.views import hub

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    expire_cache,
    start_remote,
    stop_remote,
    wait_for,
)
from .views_helpers import (
    how_it_ends,
    next_event,
    open_streams,
    seed_remote,
    set_limits,
    setup_bridge,
    stalled_client,
)

# Big enough that a few fill the socket buffers of a client that never reads.
BIG = "x" * (512 * 1024)


@pytest.fixture
async def entry(hass: HomeAssistant, remote: RemoteHass) -> MockConfigEntry:
    """Set up a bridge in update mode, over a remote with a few entities."""
    seed_remote(hass)
    return await setup_bridge(hass, remote)


@pytest.fixture
async def revocable(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_admin_user: User,
    remote: RemoteHass,
) -> tuple[TestClient[web.Request, web.Application], RefreshToken]:
    """Return a client of an admin, and the refresh token the test may revoke.

    Not the default token: that one is also the bridge's token to its remote.
    """
    refresh_token = await hass.auth.async_create_refresh_token(
        hass_admin_user, "https://example.com/app"
    )
    token = hass.auth.async_create_access_token(refresh_token)
    return await hass_client(token), refresh_token


def stream_url(entry: MockConfigEntry, query: str = "") -> str:
    """Return the entry's stream URL."""
    return f"/api/remote_bridge/{entry.entry_id}/stream{query}"


async def test_snapshot_changes_and_connection(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote: RemoteHass,
    entry: MockConfigEntry,
) -> None:
    """A snapshot, then changes of the wanted domains, then the link's changes."""
    client = await hass_client()
    bridge = bridge_of(entry)
    async with client.get(stream_url(entry, "?domain=light")) as response:
        assert response.status == HTTPStatus.OK
        assert response.content_type == "text/event-stream"
        event, data = await next_event(response)
        assert event == "snapshot"
        own = await (await client.get("/api/states")).json()
        assert sorted(data, key=lambda s: s["entity_id"]) == sorted(
            (s for s in own if s["entity_id"].startswith("light.")),
            key=lambda s: s["entity_id"],
        )

        hass.states.async_set("switch.pump", "off")  # another domain: not sent
        hass.states.async_set("light.kitchen", "off", {"brightness": 0})
        event, data = await next_event(response)
        assert event == "state"
        assert data["entity_id"] == "light.kitchen"
        own_one = await (await client.get("/api/states/light.kitchen")).json()
        assert data["state"] == own_one

        hass.states.async_remove("light.hall")
        assert await next_event(response) == (
            "state",
            {"entity_id": "light.hall", "state": None},
        )

        await stop_remote(remote)
        event, data = await next_event(response)
        assert event == "connection"
        assert data["connected"] is False

        await start_remote(remote)
        await bridge.async_reconnect()
        # Reconnecting resends the states it subscribes to, then the link is up.
        up = ("connection", {"connected": True, "state": "connected"})
        while (event, data) != up:
            event, data = await next_event(response, within=10)
            assert event == "connection" or data["entity_id"] == "light.kitchen"


async def test_unload_ends_stream(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """Unloading the entry ends its streams cleanly."""
    client = await hass_client()
    bridge = bridge_of(entry)
    async with client.get(stream_url(entry)) as response:
        assert (await next_event(response))[0] == "snapshot"
        assert await hass.config_entries.async_unload(entry.entry_id)
        async with asyncio.timeout(5):
            assert await response.content.read() == b""
    assert bridge.link.listeners == 0


async def test_client_behind_by_bytes_is_dropped(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """A client too many bytes behind is disconnected, not buffered for."""
    set_limits(hass, max_queued_bytes=1000)
    client = await hass_client()
    link = bridge_of(entry).link
    async with client.get(stream_url(entry)) as response:
        assert (await next_event(response))[0] == "snapshot"
        # A burst with no chance to write in between: the remote sends it as
        # one frame, one batch of ten changed entities, far over the bound.
        for number in range(10):
            hass.states.async_set(f"light.burst_{number}", "on", {"n": "x" * 200})
        with pytest.raises(ClientPayloadError):
            async with asyncio.timeout(5):
                await response.content.read()
    await wait_for(lambda: link.listeners == 0, what="the stream to unsubscribe")


async def test_many_small_events_are_not_dropped(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """The bound is on bytes, not events: a burst of small changes gets through."""
    set_limits(hass, max_queued_bytes=4 * 1024 * 1024)
    client = await hass_client()
    burst = 5000  # more events than any per-event bound would allow
    async with client.get(stream_url(entry)) as response:
        assert (await next_event(response))[0] == "snapshot"
        for number in range(burst):
            hass.states.async_set(f"light.small_{number}", "on")
            if number % 200 == 199:
                await asyncio.sleep(0)  # as a real remote's loop does
        seen = [(await next_event(response))[1]["entity_id"] for _ in range(burst)]
    assert seen == [f"light.small_{number}" for number in range(burst)]


async def test_keepalive_and_client_leaving(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """Idle streams get keep-alive comments; a client leaving unsubscribes."""
    set_limits(hass, keepalive_interval=0.05)
    client = await hass_client()
    link = bridge_of(entry).link
    async with client.get(stream_url(entry)) as response:
        assert (await next_event(response))[0] == "snapshot"
        async with asyncio.timeout(5):
            assert await response.content.readuntil(b"\n\n") == b": keep-alive\n\n"
        assert link.listeners == 1
    await wait_for(lambda: link.listeners == 0, what="the stream to unsubscribe")
    assert open_streams(hass) == 0


async def test_stream_unavailable(
    hass_client: ClientSessionGenerator, remote: RemoteHass, entry: MockConfigEntry
) -> None:
    """No snapshot to give: a 503 JSON answer instead of a stream."""
    bridge = bridge_of(entry)
    await stop_remote(remote)
    await wait_for(lambda: not bridge.link.connected)
    expire_cache(bridge)
    client = await hass_client()
    response = await client.get(stream_url(entry))
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert set(await response.json()) == {"message"}
    assert bridge.link.listeners == 0


async def test_empty_domain_is_a_bad_request(
    hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """``?domain=`` asking for nothing is a 400, not a stream of everything."""
    client = await hass_client()
    for query in ("?domain=", "?domain=light,", "?domain=light&domain="):
        response = await client.get(stream_url(entry, query))
        assert response.status == HTTPStatus.BAD_REQUEST, query
        assert await response.json() == {"message": "Invalid domain."}


async def test_open_streams_bounded_per_bridge(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
    entry: MockConfigEntry,
) -> None:
    """Past the bridge's bound, whoever asks gets a 503 JSON answer."""
    set_limits(hass, per_bridge=2)
    admin = await hass_client()
    reader = await hass_client(hass_read_only_access_token)
    async with admin.get(stream_url(entry)) as first:
        assert (await next_event(first))[0] == "snapshot"
        async with reader.get(stream_url(entry)) as second:
            assert (await next_event(second))[0] == "snapshot"
            for client in (admin, reader):
                response = await client.get(stream_url(entry))
                assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
                assert await response.json() == {"message": "Too many open streams."}
        await wait_for(lambda: open_streams(hass) == 1, what="a stream to close")
        async with admin.get(stream_url(entry)) as again:
            assert again.status == HTTPStatus.OK


async def test_open_streams_bounded_per_user(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
    entry: MockConfigEntry,
) -> None:
    """One user cannot take every stream: past their bound, 503; others still get in."""
    set_limits(hass, per_user=1)
    admin = await hass_client()
    async with admin.get(stream_url(entry)) as first:
        assert (await next_event(first))[0] == "snapshot"
        response = await admin.get(stream_url(entry, "?domain=light"))
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert await response.json() == {"message": "Too many open streams."}
        reader = await hass_client(hass_read_only_access_token)
        async with reader.get(stream_url(entry)) as other:
            assert (await next_event(other))[0] == "snapshot"


async def test_stalled_client_write_times_out(
    hass: HomeAssistant,
    remote: RemoteHass,
    entry: MockConfigEntry,
) -> None:
    """A client that stops reading is cut off (reset) once a write waits too long."""
    set_limits(hass, write_timeout=0.2, max_queued_bytes=1 << 30)
    link = bridge_of(entry).link
    async with stalled_client(remote, stream_url(entry), remote.token) as sock:
        await wait_for(lambda: open_streams(hass) == 1, what="the stream")
        for number in range(64):  # 32 MiB: far past every socket buffer
            if not open_streams(hass):
                break
            hass.states.async_set("light.kitchen", str(number), {"big": BIG})
            await asyncio.sleep(0.01)
        await wait_for(lambda: open_streams(hass) == 0, what="the stall to be noticed")
        assert await how_it_ends(sock) == "reset"
    assert link.listeners == 0


async def test_stalled_client_queued_bytes_abort(
    hass: HomeAssistant,
    remote: RemoteHass,
    entry: MockConfigEntry,
) -> None:
    """Past the queued bytes, a client stuck in a write is aborted at once."""
    set_limits(hass, write_timeout=3600, max_queued_bytes=2 * len(BIG))
    async with stalled_client(remote, stream_url(entry), remote.token) as sock:
        await wait_for(lambda: open_streams(hass) == 1, what="the stream")
        for number in range(64):
            if not open_streams(hass):
                break
            hass.states.async_set("light.kitchen", str(number), {"big": BIG})
            await asyncio.sleep(0.01)
        await wait_for(lambda: open_streams(hass) == 0, what="the stall to be noticed")
        assert await how_it_ends(sock) == "reset"


async def test_stalled_client_during_snapshot(
    hass: HomeAssistant,
    remote: RemoteHass,
    entry: MockConfigEntry,
) -> None:
    """The snapshot's write is guarded too: a client that never reads it is cut off."""
    set_limits(hass, write_timeout=0.2)
    link = bridge_of(entry).link
    for number in range(16):  # an 8 MiB snapshot
        hass.states.async_set(f"light.big_{number}", "on", {"big": BIG})
    await wait_for(
        lambda: link.mirror.get("light.big_15") is not None, what="the big states"
    )
    async with stalled_client(remote, stream_url(entry), remote.token) as sock:
        await wait_for(lambda: open_streams(hass) == 1, what="the stream")
        await wait_for(lambda: open_streams(hass) == 0, what="the stall to be noticed")
        assert await how_it_ends(sock) == "reset"
    assert link.listeners == 0


async def test_revoked_token_ends_stream(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    revocable: tuple[TestClient[web.Request, web.Application], RefreshToken],
    entry: MockConfigEntry,
) -> None:
    """Revoking the refresh token behind a stream ends it, and only it."""
    doomed, refresh_token = revocable
    other = await hass_client()
    async with (
        doomed.get(stream_url(entry)) as revoked,
        other.get(stream_url(entry)) as kept,
    ):
        assert (await next_event(revoked))[0] == "snapshot"
        assert (await next_event(kept))[0] == "snapshot"
        hass.auth.async_remove_refresh_token(refresh_token)
        with pytest.raises((ClientPayloadError, EOFError)):
            await next_event(revoked)
        hass.states.async_set("light.kitchen", "revoked")
        event, data = await next_event(kept)
        assert (event, data["state"]["state"]) == ("state", "revoked")


async def test_home_assistant_stop_with_streams_logs_no_error(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Streams open at stop end without an error about an unknown listener."""
    client = await hass_client()
    async with (
        client.get(stream_url(entry)) as first,
        client.get(stream_url(entry, "?domain=light")) as second,
    ):
        for response in (first, second):
            assert (await next_event(response))[0] == "snapshot"
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
        async with asyncio.timeout(5):
            for response in (first, second):
                assert await response.content.read() == b""
    await wait_for(lambda: open_streams(hass) == 0, what="the streams to close")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


async def test_each_change_serialised_once(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """However many streams are open, a change is serialised once."""
    client = await hass_client()
    queries = ("", "", "?domain=light", "?domain=light,switch")
    async with (
        client.get(stream_url(entry, queries[0])) as one,
        client.get(stream_url(entry, queries[1])) as two,
        client.get(stream_url(entry, queries[2])) as three,
        client.get(stream_url(entry, queries[3])) as four,
    ):
        streams = (one, two, three, four)
        for response in streams:
            assert (await next_event(response))[0] == "snapshot"
        dumped: list[Any] = []

        def dumps(data: Any) -> bytes:
            dumped.append(data)
            return orjson.dumps(data)

        monkeypatch.setattr(hub, "orjson", SimpleNamespace(dumps=dumps))
        hass.states.async_set("light.kitchen", "once")
        for response in streams:
            event, data = await next_event(response)
            assert (event, data["state"]["state"]) == ("state", "once")
    assert len(dumped) == 1


async def test_stop_cuts_off_a_client_stuck_in_a_write(
    hass: HomeAssistant, remote: RemoteHass, entry: MockConfigEntry
) -> None:
    """Ending the streams does not wait for a stalled client's write to time out."""
    set_limits(hass, write_timeout=3600, max_queued_bytes=1 << 30)
    async with stalled_client(remote, stream_url(entry), remote.token) as sock:
        await wait_for(lambda: open_streams(hass) == 1, what="the stream")
        for number in range(16):  # 8 MiB: more than the socket buffers hold
            hass.states.async_set("light.kitchen", str(number), {"big": BIG})
            await asyncio.sleep(0.01)
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
        await wait_for(lambda: open_streams(hass) == 0, what="the stream to end")
        assert await how_it_ends(sock) == "reset"


async def test_revoked_during_snapshot(
    hass: HomeAssistant,
    revocable: tuple[TestClient[web.Request, web.Application], RefreshToken],
    entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token revoked while the snapshot is fetched ends the stream quietly."""
    client, refresh_token = revocable
    reader = bridge_of(entry).link.reader
    release = asyncio.Event()
    states_json = reader.states_json

    async def slow_states_json(domains: Any = None) -> bytes:
        await release.wait()
        return await states_json(domains)

    async def read_to_end() -> None:
        async with client.get(stream_url(entry)) as response:
            await response.content.read()

    monkeypatch.setattr(reader, "states_json", slow_states_json)
    reading = hass.async_create_task(read_to_end())
    await wait_for(lambda: open_streams(hass) == 1, what="the stream")
    hass.auth.async_remove_refresh_token(refresh_token)
    release.set()
    with pytest.raises(ClientError):
        await asyncio.wait_for(reading, 5)
    await wait_for(lambda: open_streams(hass) == 0, what="the stream to end")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


async def test_state_bytes_are_the_mirrors_states(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entry: MockConfigEntry,
) -> None:
    """Each state event carries the bytes of the mirror's state, whatever changed.

    Changes of the state alone alternate with changes of the attributes: a
    stream that kept an entity's attributes (or their JSON) between frames
    would send stale ones.
    """
    client = await hass_client()
    mirror = bridge_of(entry).link.mirror
    expected: list[bytes] = []

    def record(changes: Any) -> None:
        state = mirror.get("light.kitchen")
        data = orjson.dumps({"entity_id": "light.kitchen", "state": state})
        expected.append(b"event: state\ndata: " + data + b"\n\n")

    async with client.get(stream_url(entry, "?domain=light")) as response:
        assert (await next_event(response))[0] == "snapshot"
        unsubscribe = bridge_of(entry).link.add_listener(record)
        changes: list[tuple[str, dict[str, Any]]] = [
            ("off", {"brightness": 200}),
            ("on", {"brightness": 200}),
            ("on", {"brightness": 10, "effect": "x"}),
            ("off", {"brightness": 10, "effect": "x"}),
            ("on", {"brightness": 10}),
            ("off", {"brightness": 10}),
        ]
        for state, attributes in changes:
            hass.states.async_set("light.kitchen", state, attributes)
            raw = await response.content.readuntil(b"\n\n")
            assert raw == expected[-1]
            assert orjson.loads(raw.split(b"data: ", 1)[1])["state"]["attributes"] == (
                attributes
            )
        unsubscribe()
