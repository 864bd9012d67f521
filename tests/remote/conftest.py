"""Fixtures of the remote/ core tests: the scripted server and client helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
import time

import aiohttp
import pytest

from .scripted_server import ScriptedServer


async def wait_for(
    condition: Callable[[], object], within: float = 5.0, what: str = ""
) -> None:
    """Poll ``condition`` until it is true, or fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.005)


@pytest.fixture
async def scripted(socket_enabled: None) -> AsyncGenerator[ScriptedServer]:
    """Serve a scripted remote on 127.0.0.1."""
    server = ScriptedServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def own_session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """Open an aiohttp session the test owns (no hass needed)."""
    async with aiohttp.ClientSession() as session:
        yield session
