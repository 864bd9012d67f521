"""Helpers of the view tests: a bridge to the test hass, and its event stream."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import ClientResponse
from homeassistant.core import HomeAssistant
import orjson
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import RemoteHass
from .integration_helpers import (
    seed_remote as seed_integration_remote,
    setup_integration,
)

# Keeps the bridge's own diagnostic entities (it mirrors the hass it runs in)
# out of what the tests compare.
TEST_FILTERS = ["light.", "switch.", "sensor.outside", "media_player."]


def seed_remote(hass: HomeAssistant) -> None:
    """Give the remote a few entities of several domains."""
    seed_integration_remote(hass)
    hass.states.async_set("media_player.tv", "playing")  # excluded by default


async def setup_bridge(
    hass: HomeAssistant, remote: RemoteHass, **options: Any
) -> MockConfigEntry:
    """Set up a bridge from the test hass to itself, over 127.0.0.1."""
    return await setup_integration(
        hass, remote, **{"entity_filters": TEST_FILTERS, **options}
    )


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
