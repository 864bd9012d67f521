"""Scenario 4: the remote sets 20,000 states without yielding.

Home Assistant drops a websocket client that falls 4,096 messages behind
("Client unable to keep up with pending messages"). The burst is sized so the
remote really drops the bridge; afterwards the bridge is back by itself and the
mirror equals the remote's truth.
"""

from __future__ import annotations

import asyncio
import secrets
import time

from homeassistant.core import HomeAssistant

from tests.remote_ha import RemoteHA

from .conftest import (
    Figures,
    StateLog,
    add_bridge,
    bridge_of,
    entity_id_of,
    truth,
    wait_converged,
    wait_for,
)

COUNT = 20_000
ENTITIES = 200


async def test_overflow_then_converge(
    local: HomeAssistant, remote_live: RemoteHA, figures: Figures
) -> None:
    """20,000 changes in one go: the bridge is dropped, comes back, ends equal."""
    hass = local
    entry = await add_bridge(hass, remote_live, reconnect_max_delay=2)
    bridge = bridge_of(entry)
    await wait_converged(remote_live, entry, within=10)
    log = StateLog(hass, [entity_id_of(hass, entry, "connection_state")])
    tag = f"sensor.rb_overflow_{secrets.token_hex(3)}_"
    connected_since = bridge.link.client.connected_since
    try:
        started = time.monotonic()
        async with asyncio.timeout(60):
            result = await remote_live.bulk_set_states(
                COUNT, prefix=tag, entities=ENTITIES, yield_every=None
            )
        done = time.monotonic()
        settle = await wait_converged(remote_live, entry, within=60)
        # Dropped late, the bridge may still be on its way back: it must get there.
        await wait_for(lambda: bridge.link.connected, within=30, what="reconnected")
        settle = max(settle, await wait_converged(remote_live, entry, within=60))
    finally:
        log.close()
    want = await truth(remote_live)
    assert sum(1 for k in want if k.startswith(tag)) == ENTITIES
    assert bridge.link.connected
    assert want[f"{tag}{ENTITIES - 1}"][0] == str(COUNT - 1)
    # The scenario happened: the remote dropped the bridge, which came back.
    assert bridge.link.client.connected_since != connected_since
    states = log.values(entity_id_of(hass, entry, "connection_state"))
    assert states == ["reconnecting", "connected"], states
    figures("remote set 20,000 states in (s)", result["seconds"])
    figures("converged after the burst (s)", settle)
    figures("burst start to converged (s)", done - started + settle)
    figures("entities compared", len(want))
