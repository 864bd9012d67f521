"""Scenario 5: the remote revokes the bridge's token.

The next connect gets ``auth_invalid``: the entry goes to reauth, no further
connection attempts are made, and reauth with a new token restores everything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import time

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.remote_bridge.const import DOMAIN
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

MAX_DELAY = 2


async def test_revoked_token_goes_to_reauth_and_stops(  # noqa: PLR0915
    local: HomeAssistant, remote_live: RemoteHA, figures: Figures
) -> None:
    """auth_invalid never loops: one reauth flow, no retries, a new token heals."""
    hass = local
    entry = await add_bridge(hass, remote_live, reconnect_max_delay=MAX_DELAY)
    bridge = bridge_of(entry)
    await wait_converged(remote_live, entry, within=10)
    state_id = entity_id_of(hass, entry, "connection_state")
    attempts_id = entity_id_of(hass, entry, "reconnect_attempts")
    log = StateLog(hass, [state_id, entity_id_of(hass, entry, "connected")])

    # Count every connection attempt the client makes from now on.
    connects = 0
    connect: Callable[[], Awaitable[None]] = bridge.link.client.connect

    async def counting_connect() -> None:
        nonlocal connects
        connects += 1
        await connect()

    bridge.link.client.connect = counting_connect  # type: ignore[method-assign]
    old_token = remote_live.token
    try:
        revoked_at = time.monotonic()
        # The remote also closes the sockets that logged in with that token.
        await remote_live.revoke_token()
        await wait_for(
            lambda: current_state(hass, state_id).state == "auth_failed",
            within=3 * MAX_DELAY + 5,
            what="auth_failed",
        )
        figures("revoked to auth_failed (s)", time.monotonic() - revoked_at)
        await hass.async_block_till_done()
        flows = hass.config_entries.flow.async_progress_by_handler(
            DOMAIN, match_context={"source": SOURCE_REAUTH}
        )
        assert len(flows) == 1
        assert flows[0]["context"]["entry_id"] == entry.entry_id
        assert entry.state is ConfigEntryState.LOADED
        assert (
            current_state(hass, entity_id_of(hass, entry, "connected")).state == "off"
        )

        # A forced reconnect does not retry the refused token either: it says so.
        with pytest.raises(ServiceValidationError):
            await hass.services.async_call(
                DOMAIN, "reconnect", {"config_entry_id": entry.entry_id}, blocking=True
            )
        attempts_shown = current_state(hass, attempts_id).state
        counted = connects
        assert counted >= 1
        await asyncio.sleep(2 * MAX_DELAY + 1.5)  # several backoff periods
        assert connects == counted, "the client kept knocking with a refused token"
        assert current_state(hass, attempts_id).state == attempts_shown
        assert current_state(hass, state_id).state == "auth_failed"
        figures("connection attempts after the revocation", connects)
        states = log.values(state_id, since=revoked_at)
        assert states[-1] == "auth_failed"
        assert set(states) <= {"reconnecting", "auth_failed"}, states
        assert (
            len(
                hass.config_entries.flow.async_progress_by_handler(
                    DOMAIN, match_context={"source": SOURCE_REAUTH}
                )
            )
            == 1
        )

        # The user pastes a new token into the reauth flow.
        new_token = await remote_live.create_token("rb_reauth")
        assert new_token != old_token
        healed_at = time.monotonic()
        result = await hass.config_entries.flow.async_configure(
            flows[0]["flow_id"], {"access_token": new_token}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_successful"
        await hass.async_block_till_done()
    finally:
        log.close()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["access_token"] == new_token
    # Read the bridge afresh each time: the entry is reloaded with the new token.
    await wait_for(
        lambda: (
            entry.state is ConfigEntryState.LOADED and bridge_of(entry).link.connected
        ),
        within=10,
        what="connected again",
    )
    bridge = bridge_of(entry)
    await wait_converged(remote_live, entry, within=10)
    figures("reauth to converged (s)", time.monotonic() - healed_at)
    assert current_state(hass, state_id).state == "connected"
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)

    await remote_live.set_state("sensor.rb_auth_after", "healed")
    await wait_for(
        lambda: (
            (bridge.link.mirror.get("sensor.rb_auth_after") or {}).get("state")
            == "healed"
        ),
        within=5,
        what="a live change after reauth",
    )
