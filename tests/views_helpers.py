"""Helpers of the view tests: a bridge to the test hass, streams, stalled clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
import socket
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientResponse
from homeassistant.core import HomeAssistant
import orjson
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.remote_bridge.views import DATA_STREAMS

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


def set_limits(hass: HomeAssistant, **changes: Any) -> None:
    """Change the stream limits for the streams opened from now on."""
    registry = hass.data[DATA_STREAMS]
    registry.limits = replace(registry.limits, **changes)


def open_streams(hass: HomeAssistant) -> int:
    """Return how many streams are open, over every bridge."""
    return sum(len(hub.streams) for hub in hass.data[DATA_STREAMS].hubs.values())


@asynccontextmanager
async def stalled_client(
    remote: RemoteHass, path: str, token: str
) -> AsyncIterator[socket.socket]:
    """Open ``path`` on a raw socket that never reads, with a tiny receive buffer."""
    loop = asyncio.get_running_loop()
    port = urlsplit(remote.url).port
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(
            sock,
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode(),
        )
        yield sock
    finally:
        sock.close()


async def how_it_ends(sock: socket.socket) -> str:
    """Read ``sock`` to its end: "reset" (the server aborted) or "eof" (closed)."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10):
        while True:
            try:
                data = await loop.sock_recv(sock, 1 << 20)
            except ConnectionResetError:
                return "reset"
            if not data:
                return "eof"
