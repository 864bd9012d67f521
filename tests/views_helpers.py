"""Helpers of the view tests: a bridge to the test hass, and a remote that dies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time
from typing import Any

from aiohttp import ClientResponse
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.remote_bridge.const import DEFAULT_OPTIONS, DOMAIN

from .conftest import RemoteHass
from .integration_helpers import bridge_of, start_remote, stop_remote

__all__ = ["bridge_of", "start_remote", "stop_remote"]

# Keeps the bridge's own diagnostic entities (it mirrors the hass it runs in)
# out of what the tests compare.
TEST_FILTERS = ["light.", "switch.", "sensor.outside", "media_player."]


async def wait_for(
    condition: Callable[[], object], within: float = 5.0, what: str = ""
) -> None:
    """Poll ``condition`` until it is true, or fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.005)


def seed_remote(hass: HomeAssistant) -> None:
    """Give the remote a few entities of several domains."""
    hass.states.async_set("light.kitchen", "on", {"brightness": 200})
    hass.states.async_set("light.hall", "off", {"friendly_name": "Hall"})
    hass.states.async_set("switch.pump", "on")
    hass.states.async_set("sensor.outside", "3.5", {"unit_of_measurement": "°C"})
    hass.states.async_set("media_player.tv", "playing")  # excluded by default


async def setup_bridge(
    hass: HomeAssistant, remote: RemoteHass, **options: Any
) -> MockConfigEntry:
    """Set up a bridge from the test hass to itself, over 127.0.0.1."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Garage",
        data={"url": remote.url, "access_token": remote.token, "verify_ssl": True},
        options={**DEFAULT_OPTIONS, "entity_filters": TEST_FILTERS, **options},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def unload_all(hass: HomeAssistant) -> None:
    """Unload every loaded bridge."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def next_event(response: ClientResponse, within: float = 5.0) -> tuple[str, Any]:
    """Read the next Server-Sent Event (skipping comments): name and data."""
    async with asyncio.timeout(within):
        while True:
            block = (await response.content.readuntil(b"\n\n")).decode()
            if not block:
                raise EOFError
            fields = dict(
                line.split(": ", 1)
                for line in block.strip("\n").split("\n")
                if not line.startswith(":")
            )
            if fields:
                return fields["event"], orjson.loads(fields["data"])
