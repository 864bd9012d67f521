"""Scenario 3: the remote restarts (gracefully and by SIGKILL), 5 times in a row.

A restart changes the remote's truth by itself: states set through its REST API
are gone, and entities from its configuration come back with fresh values. The
bridge must reconnect with backoff, resync, drop what vanished, take what is new,
and let live changes flow again. While the remote is down, the views serve the
cached entries within ``cache_ttl`` and answer 503 after it.
"""

from __future__ import annotations

from http import HTTPStatus
import time
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.const import DOMAIN
from tests.integration_helpers import current_state
from tests.remote_ha import RemoteHA

from .conftest import (
    Figures,
    StateLog,
    add_bridge,
    bridge_of,
    comparable,
    entity_id_of,
    mirror_view,
    truth,
    wait_converged,
    wait_for,
)

CACHE_TTL = 3
MAX_DELAY = 2
# graceful, kill, graceful, kill, graceful: the TTL is checked in the first two.
RESTARTS = ("stop", "kill", "stop", "kill", "stop")
BULK = 2000  # states before the last restart, all gone after it
BULK_PREFIX = "sensor.rb_restart_bulk_"


def remote_config(cycle: int) -> str:
    """Return configuration entities that differ from one restart to the next."""
    return (
        "input_boolean:\n"
        f"  rb_restart_{cycle}:\n"
        f"    name: Restart {cycle}\n"
        "  rb_restart_flag:\n"
        f"    initial: {'true' if cycle % 2 else 'false'}\n"
    )


def reconfigure(remote: RemoteHA, extra_config: str) -> None:
    """Rewrite the remote's configuration.yaml for its next start.

    ``provision`` also resets ``token`` to the one minted first (which an
    earlier test may have revoked and replaced): keep the current one.
    """
    token = remote.token
    remote.extra_config = extra_config
    remote.provision()
    remote.token = token


async def test_five_restarts_without_divergence(  # noqa: PLR0915
    local: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote_live: RemoteHA,
    figures: Figures,
) -> None:
    """Each restart: reconnect with backoff, resync, mirror == truth, live again."""
    hass = local
    remote = remote_live
    entry = await add_bridge(
        hass, remote, reconnect_max_delay=MAX_DELAY, cache_ttl=CACHE_TTL
    )
    bridge = bridge_of(entry)
    client = await hass_client()
    base = f"/api/remote_bridge/{entry.entry_id}"
    state_id = entity_id_of(hass, entry, "connection_state")
    attempts_id = entity_id_of(hass, entry, "reconnect_attempts")
    connected_id = entity_id_of(hass, entry, "connected")
    log = StateLog(hass, (state_id, attempts_id, connected_id))
    reconnects: list[float] = []
    resyncs: list[float] = []
    try:
        await wait_converged(remote, entry, within=10)
        for cycle, how in enumerate(RESTARTS, start=1):
            # Truth before: states that will not survive the restart.
            gone = [f"sensor.rb_restart_gone_{cycle}_{i}" for i in range(5)]
            for entity_id in gone:
                await remote.set_state(entity_id, "before", {"cycle": cycle})
            if cycle == len(RESTARTS):
                # Many states that the last restart must drop, and the cost of a
                # full resync (the action) with them.
                await remote.bulk_set_states(
                    BULK, prefix=BULK_PREFIX, entities=BULK, yield_every=50
                )
                await wait_converged(remote, entry, within=20)
                started = time.monotonic()
                await hass.services.async_call(
                    DOMAIN, "resync", {"config_entry_id": entry.entry_id}, blocking=True
                )
                figures(
                    f"resync action, {len(bridge.link.mirror)} entities (s)",
                    time.monotonic() - started,
                )
            await wait_converged(remote, entry, within=10)
            cached = mirror_view(entry)

            down_at = time.monotonic()
            if how == "stop":
                await remote.async_stop()
            else:
                await remote.async_kill()
            await wait_for(
                lambda: current_state(hass, state_id).state == "reconnecting",
                within=5,
                what="the bridge to notice the remote is gone",
            )
            # The mirror's TTL clock starts when the bridge notices.
            noticed_at = time.monotonic()
            assert current_state(hass, connected_id).state == "off"
            if cycle <= 2:
                await _check_ttl(client, base, gone[0], cached, noticed_at)

            # Back with a changed configuration (same port, same tokens).
            reconfigure(remote, remote_config(cycle))
            await remote.async_start()
            up_at = time.monotonic()
            reconnects.append(
                await wait_for(
                    lambda: bridge.link.connected,
                    within=3 * MAX_DELAY + 5,
                    what="reconnect",
                )
            )
            resyncs.append(await wait_converged(remote, entry, within=10))

            _check_truth_changed(entry, cycle, gone)
            attempts = _check_sequence(log, entry, hass, down_at)
            label = f"restart {cycle} ({how})"
            figures(f"{label}: remote start-up (s)", remote.startup_seconds)
            figures(f"{label}: remote down (s)", up_at - down_at)
            figures(f"{label}: reconnect attempts", attempts)
            assert mirror_view(entry) == await truth(remote)

            # Live changes flow again.
            live = f"sensor.rb_restart_live_{cycle}"
            await remote.set_state(live, "after", {"cycle": cycle})
            await wait_for(
                lambda: (bridge.link.mirror.get(live) or {}).get("state") == "after",  # noqa: B023
                within=5,
                what="a live change after the restart",
            )
            response = await client.get(f"{base}/states")
            assert response.status == HTTPStatus.OK
            assert comparable(await response.json()) == await truth(remote)
    finally:
        log.close()
        reconfigure(remote, "")  # the next start runs the plain configuration
    figures("reconnect after the remote is up, max (s)", max(reconnects))
    figures("reconnect after the remote is up, mean (s)", sum(reconnects) / 5)
    figures("resync after reconnect (mirror == truth), max (s)", max(resyncs))


async def _check_ttl(
    client: TestClient[web.Request, web.Application],
    base: str,
    entity_id: str,
    cached: dict[str, Any],
    noticed_at: float,
) -> None:
    """While down: cached entries within the TTL, 503 after it."""
    response = await client.get(f"{base}/states")
    assert time.monotonic() - noticed_at < CACHE_TTL, "too slow to check the TTL"
    assert response.status == HTTPStatus.OK
    assert comparable(await response.json()) == cached
    response = await client.get(f"{base}/states/{entity_id}")
    assert response.status == HTTPStatus.OK
    assert (await response.json())["state"] == "before"
    response = await client.get(f"{base}/health")
    assert (await response.json())["websocket"]["connected"] is False

    await wait_for(
        lambda: time.monotonic() - noticed_at > CACHE_TTL + 0.3,
        within=CACHE_TTL + 1,
        what="the TTL to pass",
    )
    urls = ("states", f"states/{entity_id}", "states?domain=sensor")
    for url in (f"{base}/{url}" for url in urls):
        response = await client.get(url)
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE, url
        body = await response.json()
        assert "message" in body


def _check_truth_changed(entry: ConfigEntry, cycle: int, gone: list[str]) -> None:
    """Vanished states are gone; configured entities came back fresh."""
    mirror = bridge_of(entry).link.mirror
    assert not any(mirror.get(entity_id) for entity_id in gone)
    assert not any(s["entity_id"].startswith(BULK_PREFIX) for s in mirror.states())
    new = mirror.get(f"input_boolean.rb_restart_{cycle}")
    assert new is not None
    assert new["state"] == "off"
    if cycle > 1:
        # No longer configured: gone, or restored as unavailable if the remote
        # had saved its entity registry (not after SIGKILL).
        old = mirror.get(f"input_boolean.rb_restart_{cycle - 1}")
        assert old is None or old["state"] == "unavailable"
    flag = mirror.get("input_boolean.rb_restart_flag")
    assert flag is not None
    assert flag["state"] == ("on" if cycle % 2 else "off")


def _check_sequence(
    log: StateLog, entry: ConfigEntry, hass: HomeAssistant, since: float
) -> int:
    """Check what the user saw; return the highest attempt count shown.

    Reconnecting with a growing attempt count, then connected with the count
    back at 0.
    """
    state_id = entity_id_of(hass, entry, "connection_state")
    attempts_id = entity_id_of(hass, entry, "reconnect_attempts")
    connected_id = entity_id_of(hass, entry, "connected")
    states = log.values(state_id, since=since)
    assert states == ["reconnecting", "connected"], states
    attempts = [int(a or "") for a in log.values(attempts_id, since=since)]
    assert attempts[0] == 1, attempts
    assert attempts[-1] == 0, attempts
    assert attempts[:-1] == list(range(1, len(attempts))), attempts
    assert log.values(connected_id, since=since) == ["off", "on"]
    return max(attempts)
