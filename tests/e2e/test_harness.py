"""Smoke test of the real-remote harness (tests/remote_ha.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.remote_ha import RemoteHA, RemoteHAError


async def test_states_and_config(remote_live: RemoteHA) -> None:
    """REST states round-trip; websocket commands answer."""
    await remote_live.set_state(
        "sensor.rb_smoke", "21.5", {"unit_of_measurement": "°C"}
    )
    states = {s["entity_id"]: s for s in await remote_live.states()}
    assert states["sensor.rb_smoke"]["state"] == "21.5"
    assert states["sensor.rb_smoke"]["attributes"]["unit_of_measurement"] == "°C"
    await remote_live.remove_state("sensor.rb_smoke")
    assert "sensor.rb_smoke" not in {s["entity_id"] for s in await remote_live.states()}

    config = await remote_live.ws_command({"type": "get_config"})
    assert config["location_name"] == "Remote Home"
    user = await remote_live.ws_command({"type": "auth/current_user"})
    assert user["is_owner"]
    assert user["is_admin"]


async def test_services(remote_live: RemoteHA) -> None:
    """Services can be registered and removed on the remote_live."""

    async def smoke_services() -> dict[str, Any]:
        by_domain = {d["domain"]: d["services"] for d in await remote_live.services()}
        services: dict[str, Any] = by_domain.get("rb_smoke", {})
        return services

    await remote_live.register_service("rb_smoke", "ping")
    assert "ping" in await smoke_services()
    await remote_live.remove_service("rb_smoke", "ping")
    assert "ping" not in await smoke_services()


async def test_bulk_set_drops_a_subscriber(remote_live: RemoteHA) -> None:
    """bulk_set sets states without yielding: the remote drops its subscriber."""
    result = await remote_live.bulk_set_states(
        1000, prefix="sensor.rb_bulk_", entities=10
    )
    assert result["count"] == 1000
    states = {s["entity_id"]: s["state"] for s in await remote_live.states()}
    assert states["sensor.rb_bulk_9"] == "999"

    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{remote_live.url}/api/websocket")
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": remote_live.token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        await ws.send_json(
            {"id": 1, "type": "subscribe_events", "event_type": "state_changed"}
        )
        assert (await ws.receive_json())["success"]
        await remote_live.bulk_set_states(10_000, prefix="sensor.rb_bulk_")
        async with asyncio.timeout(10):
            while (msg := await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                pass
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await ws.close()


async def test_revoke_and_create_token(remote_live: RemoteHA) -> None:
    """A revoked token gets auth_invalid; a new one works."""
    old = remote_live.token
    await remote_live.revoke_token()
    assert await remote_live.auth_result(old) == "auth_invalid"
    with pytest.raises(RemoteHAError, match="401"):
        await remote_live.states()
    new = await remote_live.create_token("rb_smoke")
    assert new != old
    assert remote_live.token == new
    assert await remote_live.auth_result() == "auth_ok"
    assert await remote_live.states()


async def test_pause_and_resume(remote_live: RemoteHA) -> None:
    """A paused remote does not answer; resumed, it does again."""
    remote_live.pause()
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await remote_live.states()
    finally:
        remote_live.resume()
    assert await remote_live.states()
