"""Scenario 7: two remotes at once, one of them down.

The other keeps working, and the views keep the two apart.
"""

from __future__ import annotations

from http import HTTPStatus
import time
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.integration_helpers import current_state
from tests.remote_ha import RemoteHA

from .conftest import (
    Figures,
    add_bridge,
    bridge_of,
    comparable,
    entity_id_of,
    truth,
    wait_converged,
    wait_for,
)

# Long enough that a loaded 2-core machine reads B's cache well within it.
CACHE_TTL = 8


async def test_two_remotes_one_down(  # noqa: PLR0915
    local: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote_live: RemoteHA,
    second_remote: RemoteHA,
    figures: Figures,
) -> None:
    """Remote B dies; bridge A is untouched and each view shows its own remote."""
    hass = local
    figures("second remote start-up (s)", second_remote.startup_seconds)
    await remote_live.set_state("sensor.rb_multi_a", "from A")
    await second_remote.set_state("sensor.rb_multi_b", "from B")
    await second_remote.set_state("light.rb_multi_b", "on", {"brightness": 3})
    entry_a = await add_bridge(hass, remote_live, reconnect_max_delay=2)
    entry_b = await add_bridge(
        hass, second_remote, reconnect_max_delay=2, cache_ttl=CACHE_TTL
    )
    bridge_a, bridge_b = bridge_of(entry_a), bridge_of(entry_b)
    await wait_converged(remote_live, entry_a, within=10)
    await wait_converged(second_remote, entry_b, within=10)
    # Two devices, each named after its remote.
    assert entity_id_of(hass, entry_a, "connected").endswith(".remote_home_connected")
    assert entity_id_of(hass, entry_b, "connected").endswith(".second_home_connected")

    client = await hass_client()
    base_a = f"/api/remote_bridge/{entry_a.entry_id}"
    base_b = f"/api/remote_bridge/{entry_b.entry_id}"

    async def served(base: str) -> tuple[int, dict[str, Any]]:
        response = await client.get(f"{base}/states")
        body = await response.json()
        return response.status, comparable(body) if response.status == 200 else body

    status, states_a = await served(base_a)
    assert status == HTTPStatus.OK
    assert states_a == await truth(remote_live)
    assert "sensor.rb_multi_a" in states_a
    assert "sensor.rb_multi_b" not in states_a
    status, states_b = await served(base_b)
    assert status == HTTPStatus.OK
    assert states_b == await truth(second_remote)
    assert "sensor.rb_multi_b" in states_b
    assert "sensor.rb_multi_a" not in states_b

    # B goes down hard.
    await second_remote.async_kill()
    await wait_for(lambda: not bridge_b.link.connected, within=5, what="B noticed down")
    down_at = time.monotonic()  # B's TTL clock starts when its bridge notices
    assert bridge_a.link.connected
    response = await client.get("/api/remote_bridge")
    listing = {b["entry_id"]: b for b in await response.json()}
    assert listing[entry_a.entry_id]["connected"] is True
    assert listing[entry_b.entry_id]["connected"] is False
    assert listing[entry_b.entry_id]["url"] == second_remote.url
    assert current_state(hass, entity_id_of(hass, entry_a, "connected")).state == "on"
    assert current_state(hass, entity_id_of(hass, entry_b, "connected")).state == "off"
    # Within B's TTL its cached states are still served, apart from A's.
    status, cached_b = await served(base_b)
    assert time.monotonic() - down_at < CACHE_TTL, "too slow to check the TTL"
    assert status == HTTPStatus.OK
    assert cached_b == states_b

    # A keeps mirroring live changes while B is down.
    await remote_live.set_state("sensor.rb_multi_a", "still from A")
    await wait_for(
        lambda: (
            (bridge_a.link.mirror.get("sensor.rb_multi_a") or {}).get("state")
            == "still from A"
        ),
        within=5,
        what="A's live change",
    )
    await wait_for(
        lambda: time.monotonic() - down_at > CACHE_TTL + 0.3,
        within=CACHE_TTL + 1,
        what="B's TTL to pass",
    )
    status, body = await served(base_b)
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert second_remote.url in body["message"]
    response = await client.get(f"{base_b}/states/sensor.rb_multi_b")
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    status, states_a = await served(base_a)
    assert status == HTTPStatus.OK
    assert states_a == await truth(remote_live)
    assert states_a["sensor.rb_multi_a"][0] == "still from A"
    response = await client.get(f"{base_a}/states/sensor.rb_multi_b")
    assert response.status == HTTPStatus.NOT_FOUND
    response = await client.get(f"{base_a}/health")
    assert (await response.json())["websocket"]["connected"] is True
    response = await client.get(f"{base_b}/health")
    assert (await response.json())["websocket"]["connected"] is False
    assert (
        current_state(hass, entity_id_of(hass, entry_a, "connection_state")).state
        == "connected"
    )
    assert (
        current_state(hass, entity_id_of(hass, entry_b, "connection_state")).state
        == "reconnecting"
    )
