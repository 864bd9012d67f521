"""Scenario 2: 1,000 live changes on the remote; the mirror ends equal to it."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import secrets
import time
from typing import Any

from homeassistant.core import HomeAssistant
import orjson
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.remote_ha import RemoteHA

from .conftest import (
    Figures,
    add_bridge,
    bridge_of,
    comparable,
    truth,
    wait_converged,
    wait_for,
)

# (domain, changes, entities): 1,000 changes, 200 of them in excluded domains.
BURST = (
    ("sensor", 300, 30),
    ("light", 300, 30),
    ("switch", 200, 20),
    ("media_player", 150, 15),
    ("camera", 50, 5),
)
KEPT_CHANGES = 800


@pytest.mark.parametrize("update_cache", [True, False], ids=["update", "invalidate"])
async def test_live_changes_converge(
    local: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote_live: RemoteHA,
    update_cache: bool,
    figures: Figures,
) -> None:
    """After 1,000 changes across domains, the bridge serves the remote's truth."""
    hass = local
    entry = await add_bridge(hass, remote_live, update_cache=update_cache)
    bridge = bridge_of(entry)
    client = await hass_client()
    states_url = f"/api/remote_bridge/{entry.entry_id}/states"

    async def served() -> dict[str, Any]:
        """Read what a user reads: the states view."""
        response = await client.get(states_url)
        assert response.status == HTTPStatus.OK
        return comparable(await response.json())

    async def read() -> dict[str, Any]:
        """Read the reader directly (no HTTP), as the views do."""
        return comparable(orjson.loads(await bridge.link.reader.states_json()))

    await wait_converged(remote_live, entry, within=10, read=read)
    tag = f"live_{secrets.token_hex(3)}"
    before = bridge.link.events_received

    started = time.monotonic()
    async with asyncio.timeout(60):
        results = await asyncio.gather(
            *(
                remote_live.bulk_set_states(
                    count, prefix=f"{domain}.{tag}_", entities=entities, yield_every=10
                )
                for domain, count, entities in BURST
            )
        )
    sent_at = time.monotonic()
    assert sum(r["count"] for r in results) == 1000

    # Every kept change arrives, and nothing of an excluded domain is counted.
    await wait_for(
        lambda: bridge.link.events_received - before >= KEPT_CHANGES,
        within=30,
        what="the kept changes to arrive",
    )
    await wait_converged(remote_live, entry, within=30, read=read)
    figures("1,000 changes sent (s)", sent_at - started)
    figures("settled after the burst (s)", time.monotonic() - sent_at)
    assert bridge.link.events_received - before == KEPT_CHANGES
    assert bridge.link.connected
    want = await truth(remote_live)
    assert await served() == want
    assert sum(1 for k in want if tag in k) == 80  # 30 + 30 + 20 entities
    figures("entities compared", len(want))
    if update_cache:
        # Update mode: the mirror itself is the full, filtered copy.
        assert comparable(bridge.link.mirror.states()) == want
    assert not any(
        s["entity_id"].startswith(("media_player.", "camera."))
        for s in bridge.link.mirror.states()
    )

    # One entity, read the way a script does, is the remote's current value.
    entity_id = f"light.{tag}_7"
    response = await client.get(f"{states_url}/{entity_id}")
    assert response.status == HTTPStatus.OK
    assert comparable([await response.json()]) == {entity_id: want[entity_id]}

    # Changes of excluded domains only: nothing counted, nothing mirrored.
    before = bridge.link.events_received
    await remote_live.bulk_set_states(
        200, prefix=f"media_player.{tag}_x", entities=10, yield_every=10
    )
    await remote_live.set_state("automation.rb_live_excluded", "on")
    await remote_live.set_state(f"sensor.{tag}_sentinel", "done")
    await wait_for(
        lambda: (
            bridge.link.mirror.get(f"sensor.{tag}_sentinel") is not None
            or bridge.link.events_received > before
        ),
        within=10,
        what="the sentinel change",
    )
    await asyncio.sleep(0.2)  # anything behind the sentinel would have come by now
    assert bridge.link.events_received - before == 1
    await wait_converged(remote_live, entry, within=10, read=read)
