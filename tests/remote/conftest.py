"""Fixtures of the remote/ core tests: the scripted server and client helpers."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
import pytest

from tests.integration_helpers import wait_for

from .scripted_server import ScriptedServer


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--soak``: the hostile remote's long run (100,000 sequences)."""
    parser.addoption(
        "--soak",
        action="store_true",
        default=False,
        help="run the hostile remote's 100,000 sequences instead of 2,000",
    )


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


__all__ = ["wait_for"]
