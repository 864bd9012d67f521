"""Helpers of the integration tests: entries against the real remote, outages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import socket
import time
from typing import Any

from aiohttp import web
from freezegun.api import real_monotonic
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.remote_bridge.bridge import RemoteBridge
from custom_components.remote_bridge.const import DEFAULT_OPTIONS, DOMAIN

from .conftest import RemoteHass

# The bridge mirrors the hass it runs in: keep its own diagnostic entities out
# of what the tests count.
TEST_FILTERS = ["light.", "switch."]


def mock_entry(
    remote: RemoteHass | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
    title: str = "Garage",
    entry_id: str | None = None,
    **options: Any,
) -> MockConfigEntry:
    """Return an entry for the remote (not yet added to hass)."""
    assert remote is not None or (url is not None and token is not None)
    base_url = url or (remote.url if remote else "")
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id=entry_id,
        unique_id=base_url,
        data={
            "url": base_url,
            "access_token": token or (remote.token if remote else ""),
            "verify_ssl": True,
        },
        options={**DEFAULT_OPTIONS, "entity_filters": TEST_FILTERS, **options},
    )


async def setup_integration(
    hass: HomeAssistant,
    remote: RemoteHass,
    *,
    entry_id: str | None = None,
    **options: Any,
) -> MockConfigEntry:
    """Add and set up an entry bridging the test hass to itself, over 127.0.0.1."""
    entry = mock_entry(remote, entry_id=entry_id, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


def bridge_of(entry: MockConfigEntry) -> RemoteBridge:
    """Return the entry's bridge."""
    bridge: RemoteBridge = entry.runtime_data
    return bridge


def seed_remote(hass: HomeAssistant) -> None:
    """Give the remote a few entities: two pass the test filter per domain."""
    hass.states.async_set("light.kitchen", "on", {"brightness": 200})
    hass.states.async_set("light.hall", "off", {"friendly_name": "Hall"})
    hass.states.async_set("switch.pump", "on")
    hass.states.async_set("sensor.outside", "3.5", {"unit_of_measurement": "°C"})


async def wait_for(
    condition: Callable[[], object], within: float = 5.0, what: str = ""
) -> None:
    """Run the loop until ``condition`` holds; works with time frozen, too.

    Frozen time stops ``asyncio.sleep``, so this yields with ``sleep(0)``
    (the loop still polls its sockets) and counts real time.
    """
    deadline = real_monotonic() + within
    while not condition():
        if real_monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0)


def closed_port_url() -> str:
    """Return an http URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def stop_remote(remote: RemoteHass) -> None:
    """Make the remote go away: stop listening and drop every open connection."""
    runner = remote.http.server.runner
    assert runner is not None
    for site in list(runner.sites):
        await site.stop()
    assert runner.server is not None
    for handler in list(runner.server.connections):
        if handler.transport is not None:
            handler.transport.close()


async def start_remote(remote: RemoteHass) -> None:
    """Listen again on the remote's old port."""
    runner = remote.http.server.runner
    assert runner is not None
    await web.TCPSite(runner, "127.0.0.1", remote.http.server.port).start()


async def second_address(remote: RemoteHass) -> str:
    """Serve the same remote on a second port too; return that URL."""
    runner = remote.http.server.runner
    assert runner is not None
    before = {tuple(address) for address in runner.addresses}
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    (added,) = {tuple(address) for address in runner.addresses} - before
    return f"http://127.0.0.1:{added[1]}"


def current_state(hass: HomeAssistant, entity_id: str) -> State:
    """Return the entity's state object; fail the test when it has none."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state


def entity_id_of(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    """Return the entity id of one of the bridge's entities, by its key."""
    platform = "binary_sensor" if key == "connected" else "sensor"
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{entry.entry_id}_{key}"
    )
    assert entity_id is not None, key
    return entity_id


def state_of(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    """Return the state of one of the bridge's entities, by its key."""
    state = hass.states.get(entity_id_of(hass, entry, key))
    assert state is not None, key
    return state.state


def expire_cache(bridge: RemoteBridge) -> None:
    """Move the bridge's TTL clock past ``cache_ttl``: entries are stale now."""
    offset = bridge.options["cache_ttl"] + 1.0
    bridge.link.set_timing(clock=lambda: time.monotonic() + offset)


def fast_reconnects(bridge: RemoteBridge) -> list[float]:
    """Make the bridge's backoff waits instant; return the delays it asked for."""
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        await asyncio.sleep(0)

    bridge.link.set_timing(sleep=sleep)
    return delays
