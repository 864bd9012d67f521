"""The Server-Sent Events stream of a bridge."""

from __future__ import annotations

import asyncio
from http import HTTPStatus

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge import views

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    expire_cache,
    start_remote,
    stop_remote,
    wait_for,
)
from .views_helpers import next_event, seed_remote, setup_bridge


@pytest.fixture
async def entry(hass: HomeAssistant, remote: RemoteHass) -> MockConfigEntry:
    """Set up a bridge in update mode, over a remote with a few entities."""
    seed_remote(hass)
    return await setup_bridge(hass, remote)


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


async def test_home_assistant_stop_ends_stream(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    """Home Assistant stopping ends every stream."""
    client = await hass_client()
    async with client.get(stream_url(entry)) as response:
        assert (await next_event(response))[0] == "snapshot"
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
        async with asyncio.timeout(5):
            assert await response.content.read() == b""


async def test_slow_client_is_dropped(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client that falls too far behind is disconnected, not buffered for."""
    monkeypatch.setattr(views, "MAX_PENDING_EVENTS", 3)
    client = await hass_client()
    link = bridge_of(entry).link
    async with client.get(stream_url(entry)) as response:
        assert (await next_event(response))[0] == "snapshot"
        # A burst with no chance to write in between: the remote sends it as
        # one frame, one batch of ten changed entities.
        for number in range(10):
            hass.states.async_set(f"light.burst_{number}", "on")
        async with asyncio.timeout(5):
            rest = await response.content.read()
    assert rest == b""
    assert link.listeners == 0


async def test_keepalive_and_client_leaving(
    hass_client: ClientSessionGenerator,
    entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Idle streams get keep-alive comments; a client leaving unsubscribes."""
    monkeypatch.setattr(views, "KEEPALIVE_INTERVAL", 0.05)
    client = await hass_client()
    link = bridge_of(entry).link
    async with client.get(stream_url(entry)) as response:
        assert (await next_event(response))[0] == "snapshot"
        async with asyncio.timeout(5):
            assert await response.content.readuntil(b"\n\n") == b": keep-alive\n\n"
        assert link.listeners == 1
    await wait_for(lambda: link.listeners == 0, what="the stream to unsubscribe")


async def test_stream_unavailable(
    hass_client: ClientSessionGenerator, remote: RemoteHass, entry: MockConfigEntry
) -> None:
    """No snapshot to give: a 503 JSON answer instead of a stream."""
    bridge = bridge_of(entry)
    await stop_remote(remote)
    await wait_for(lambda: not bridge.connected)
    expire_cache(bridge)
    client = await hass_client()
    response = await client.get(stream_url(entry))
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert set(await response.json()) == {"message"}
    assert bridge.link.listeners == 0
