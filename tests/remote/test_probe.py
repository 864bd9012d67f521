"""probe(): the config flow's check of an address and a token, and nothing more."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.remote_bridge.remote import (
    CannotConnect,
    CommandFailed,
    InvalidAuth,
    InvalidUrl,
    ProtocolError,
    probe,
)

from .conftest import wait_for
from .scripted_server import GOOD_TOKEN, Connection, ScriptedServer


async def test_probe_reads_config_only(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> None:
    """Authenticate, get_config, close: no subscription, no states, no services."""
    scripted.config = {"location_name": "Garage", "version": "2025.4.4"}
    address = scripted.url.replace("http://", "ws://") + "/api/websocket"
    result = await probe(own_session, address, GOOD_TOKEN, verify_ssl=True)
    assert result.base_url == scripted.url
    assert result.config == {"location_name": "Garage", "version": "2025.4.4"}
    assert result.version == "2025.4.4"
    (connection,) = scripted.connections
    assert connection.types() == ["get_config"]
    await wait_for(lambda: connection.ws.closed, what="the probe to hang up")


async def test_probe_errors(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> None:
    """Each failure is the core's own error, as the config flow maps them."""
    with pytest.raises(InvalidUrl):
        await probe(own_session, "ftp://x", GOOD_TOKEN, verify_ssl=True)
    with pytest.raises(InvalidAuth):
        await probe(own_session, scripted.url, "wrong", verify_ssl=True)
    scripted.refuse_connections = True
    with pytest.raises(CannotConnect):
        await probe(own_session, scripted.url, GOOD_TOKEN, verify_ssl=True)
    scripted.refuse_connections = False
    refuse = False

    async def fail(connection: Connection, message: dict[str, Any]) -> bool:
        answer: dict[str, Any] = {"id": message["id"], "type": "result"}
        if refuse:
            answer |= {"success": False, "error": {"code": "unauthorized"}}
        else:
            answer |= {"success": True, "result": ["not", "an", "object"]}
        await connection.send(answer)
        return True

    scripted.hook = fail
    with pytest.raises(ProtocolError):
        await probe(own_session, scripted.url, GOOD_TOKEN, verify_ssl=True)
    refuse = True
    with pytest.raises(CommandFailed) as err:
        await probe(own_session, scripted.url, GOOD_TOKEN, verify_ssl=True)
    assert err.value.code == "unauthorized"


async def test_probe_times_out(
    scripted: ScriptedServer, own_session: aiohttp.ClientSession
) -> None:
    """A remote that never answers get_config: CannotConnect, socket closed."""

    async def ignore(_connection: Connection, _message: dict[str, Any]) -> bool:
        return True

    scripted.hook = ignore
    with pytest.raises(CannotConnect, match="get_config"):
        await probe(
            own_session, scripted.url, GOOD_TOKEN, verify_ssl=True, answer_within=0.2
        )
    await wait_for(lambda: scripted.connections[0].ws.closed, what="the hang-up")
