"""Scenario 6: the remote freezes (SIGSTOP): its socket stays open, no pong comes.

With a short heartbeat the bridge declares the link dead within the heartbeat
interval plus the 10 s pong timeout, and recovers once the remote continues.
"""

from __future__ import annotations

import time

from homeassistant.core import HomeAssistant

from tests.integration_helpers import current_state
from tests.remote_ha import RemoteHA

from .conftest import (
    Figures,
    StateLog,
    add_bridge,
    bridge_of,
    entity_id_of,
    wait_converged,
    wait_for,
)

# Below the options flow's minimum (5 s): set on the entry directly.
HEARTBEAT = 1
PONG_TIMEOUT = 10
MAX_DELAY = 2
SLACK = 1.0  # event-loop scheduling on a loaded 2-core machine


async def test_frozen_remote_detected_and_recovered(
    local: HomeAssistant, remote_live: RemoteHA, figures: Figures
) -> None:
    """No pong within heartbeat + 10 s: reconnecting; SIGCONT: connected again."""
    hass = local
    entry = await add_bridge(
        hass, remote_live, heartbeat_interval=HEARTBEAT, reconnect_max_delay=MAX_DELAY
    )
    bridge = bridge_of(entry)
    await wait_converged(remote_live, entry, within=10)
    await wait_for(
        lambda: bridge.link.client.heartbeat.latency_ms is not None,
        within=5,
        what="a first pong",
    )
    state_id = entity_id_of(hass, entry, "connection_state")
    log = StateLog(hass, [state_id])
    paused_at = time.monotonic()
    remote_live.pause()
    try:
        detected = await wait_for(
            lambda: current_state(hass, state_id).state != "connected",
            within=HEARTBEAT + PONG_TIMEOUT + 5,
            what="the dead link to be noticed",
        )
        assert current_state(hass, state_id).state == "reconnecting"
        assert (
            current_state(hass, entity_id_of(hass, entry, "connected")).state == "off"
        )
    finally:
        remote_live.resume()
        resumed_at = time.monotonic()
    try:
        recovered = await wait_for(
            lambda: bridge.link.connected, within=20, what="the link to come back"
        )
        await wait_converged(remote_live, entry, within=10)
    finally:
        log.close()
    figures("frozen to noticed (s)", detected)
    figures("resumed to connected (s)", recovered)
    assert log.values(state_id, since=paused_at) == ["reconnecting", "connected"]
    # The contract: a missing pong within 10 s after a ping means a dead link.
    # The first ping after the freeze goes out within one interval, and the
    # link is declared dead no sooner than the pong timeout after it.
    assert PONG_TIMEOUT - SLACK <= detected <= HEARTBEAT + PONG_TIMEOUT + SLACK, (
        detected
    )
    figures("resumed to converged (s)", time.monotonic() - resumed_at)

    await remote_live.set_state("sensor.rb_silent_after", "awake")
    await wait_for(
        lambda: (
            (bridge.link.mirror.get("sensor.rb_silent_after") or {}).get("state")
            == "awake"
        ),
        within=5,
        what="a live change after the freeze",
    )
