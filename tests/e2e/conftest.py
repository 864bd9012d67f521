"""Fixtures of the end-to-end suite: a real Home Assistant as the remote."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from pathlib import Path
import secrets
import sys

import pytest
import pytest_asyncio
import pytest_socket  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from remote_ha import RemoteHA


@pytest.fixture(scope="session")
def remote_ha(tmp_path_factory: pytest.TempPathFactory) -> Generator[RemoteHA]:
    """Start one real remote HA for the session; always stop it."""
    pytest_socket.enable_socket()  # session fixtures run while sockets are blocked
    remote = RemoteHA(tmp_path_factory.mktemp("remote_ha"))
    try:
        remote.start()
        yield remote
    finally:
        remote.stop()


@pytest_asyncio.fixture
async def remote_live(
    remote_ha: RemoteHA, socket_enabled: None
) -> AsyncGenerator[RemoteHA]:
    """Return the session's remote, running and with a valid `token`.

    Closes the HTTP session of this test's event loop afterwards.
    """
    try:
        if remote_ha.running:
            remote_ha.resume()  # in case a test left it paused
        else:
            await remote_ha.async_start()  # a test stopped or killed it
        if await remote_ha.auth_result() != "auth_ok":
            await remote_ha.create_token(f"rb_test_{secrets.token_hex(4)}")
        yield remote_ha
    finally:
        await remote_ha.aclose()
