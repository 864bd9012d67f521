"""Two Home Assistants bridging each other both ways, local entities on: no loop.

The test hass ("near", served over 127.0.0.1 as the ``remote`` fixture does)
bridges a real remote process ("far"), and far runs Remote Bridge too, set
up through its own config and options flows, bridging near back. Each side
has one real entity of its own (an ``input_boolean``). Each must become a
local entity on the other side, and nothing more: a local entity of a bridge
is never mirrored again (no ``_2`` ids), and a change crosses once (no
ping-pong). Over 10 quiet seconds the entities of both sides, and the states
of the lamps and their copies, stay as they are.

Near bridges far with the registry readable (far loads ``config``). Far
bridges near both ways a token may find it: with near's registry readable
(``config`` loaded on near), and without (then only the marker attribute
keeps near's copies out). Without the registry, far also mirrors near's own
diagnostic entities (they carry no marker) as plain local sensors, once; they
tick with near's counters (at most every 5 s), which is not an echo of a
change but is why only the lamps' states are compared there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
import pytest_asyncio

from custom_components.remote_bridge.const import (
    ATTR_BRIDGED_FROM,
    DEFAULT_OPTIONS,
    DOMAIN,
)
from tests.conftest import RemoteHass
from tests.remote_ha import HELPER_COMPONENT, INTEGRATION_COMPONENT, RemoteHA

from .conftest import Figures, StateLog, add_bridge, wait_for

QUIET_SECONDS = 10
FAR_CONFIG = """
config:
input_boolean:
  rb_far_lamp:
    name: Far lamp
"""
NEAR_LAMP = "input_boolean.rb_near_lamp"


@dataclass
class Near(RemoteHass):
    """The test hass, served; ``registry``: its registry commands answer."""

    registry: bool = True


FAR_LAMP = "input_boolean.rb_far_lamp"


@pytest_asyncio.fixture(params=[True, False], ids=["registry", "marker"])
async def near(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    socket_enabled: None,
    aiohttp_client: Any,
    remote_token: str,
) -> AsyncGenerator[Near]:
    """Serve the test hass over 127.0.0.1, with or without its registry API.

    As the ``remote`` fixture, plus ``config`` (the registry commands) when
    the parameter says so: it must be set up before the server freezes.
    """
    for component in ("http", "api", "websocket_api", DOMAIN, "input_boolean"):
        assert await async_setup_component(
            hass, component, {"input_boolean": {"rb_near_lamp": {"name": "Lamp"}}}
        )
    if request.param:
        assert await async_setup_component(hass, "config", {})
    client = await aiohttp_client(hass.http.app)
    yield Near(
        hass=hass,
        url=str(client.make_url("")).rstrip("/"),
        token=remote_token,
        http=client,
        registry=request.param,
    )
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest_asyncio.fixture
async def far(near: Near, tmp_path: Path) -> AsyncGenerator[RemoteHA]:
    """Start a remote process that runs Remote Bridge too; stop it before near.

    It depends on ``near`` (near's server) so that it is torn down first:
    its bridge would otherwise keep a socket to a server that is closing.
    """
    process = RemoteHA(
        tmp_path / "far",
        name="Far Home",
        extra_config=FAR_CONFIG,
        components=(HELPER_COMPONENT, INTEGRATION_COMPONENT),
    )
    try:
        await process.async_start()
        yield process
    finally:
        try:
            await process.aclose()
        finally:
            await process.async_kill()


def near_local_ids(hass: HomeAssistant, entry_id: str) -> dict[str, str]:
    """Return near's local entities of the bridge: remote id -> local id."""
    prefix = f"{entry_id}-"
    return {
        entry.unique_id.removeprefix(prefix): entry.entity_id
        for entry in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        if entry.unique_id.startswith(prefix)
    }


def diagnostic_ids(hass: HomeAssistant, entry_id: str) -> set[str]:
    """Return the bridge's own diagnostic entities that have a state."""
    return {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        if not entry.unique_id.startswith(f"{entry_id}-")
        and hass.states.get(entry.entity_id) is not None  # enabled ones
    }


def bridged(states: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return far's states that stand for one of near's entities."""
    return {
        state["entity_id"]: state
        for state in states
        if ATTR_BRIDGED_FROM in state["attributes"]
    }


async def test_two_bridges_both_ways_make_no_loop(
    near: Near, far: RemoteHA, figures: Figures
) -> None:
    """Each side's own entity appears once on the other; nothing echoes."""
    remote = near
    hass = near.hass
    near_entry = await add_bridge(hass, far, create_entities=True)
    await far.add_config_entry(
        DOMAIN,
        {"url": remote.url, "access_token": remote.token, "verify_ssl": True},
        {**DEFAULT_OPTIONS, "create_entities": True},
    )

    async def both_sides_have_the_other() -> bool:
        far_bridged = bridged(await far.states())
        return FAR_LAMP in near_local_ids(hass, near_entry.entry_id) and any(
            state["attributes"][ATTR_BRIDGED_FROM] == NEAR_LAMP
            for state in far_bridged.values()
        )

    await wait_for(both_sides_have_the_other, within=30, what="both local lamps")

    # A change crosses once, each way.
    near_copy = near_local_ids(hass, near_entry.entry_id)[FAR_LAMP]
    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": NEAR_LAMP}, blocking=True
    )
    await far.call_service("input_boolean", "turn_on", {"entity_id": FAR_LAMP})

    async def both_on() -> bool:
        far_copy = [
            state
            for state in bridged(await far.states()).values()
            if state["attributes"][ATTR_BRIDGED_FROM] == NEAR_LAMP
        ]
        near_state = hass.states.get(near_copy)
        return bool(
            far_copy
            and far_copy[0]["state"] == "on"
            and near_state is not None
            and near_state.state == "on"
        )

    await wait_for(both_on, within=10, what="both lamps on, on both sides")
    await asyncio.sleep(1)  # what is in flight lands before the count starts

    near_ids = set(hass.states.async_entity_ids())
    near_watched = {NEAR_LAMP, *near_local_ids(hass, near_entry.entry_id).values()}
    log = StateLog(hass, near_watched)
    # Not asserted: the bridge's own diagnostic sensors, which count what
    # arrives, and so what the other bridge's counters do (at most every 5 s).
    diagnostics = StateLog(hass, diagnostic_ids(hass, near_entry.entry_id))
    far_before = await far.states()
    started = time.monotonic()
    await asyncio.sleep(QUIET_SECONDS)
    log.close()
    diagnostics.close()
    far_after = await far.states()
    figures("quiet seconds", time.monotonic() - started)

    # Near: the same entities, one local entity per far entity, no echo.
    assert set(hass.states.async_entity_ids()) == near_ids
    assert not [eid for eid in near_ids if eid.endswith("_2")]
    near_locals = near_local_ids(hass, near_entry.entry_id)
    assert FAR_LAMP in near_locals
    # Far's copy of near's lamp is a bridge's entity there: never mirrored back.
    assert not [rid for rid in near_locals if rid in bridged(far_after)]
    assert log.log == []
    figures("near: local entities", len(near_locals))
    figures("near: changes in the quiet window", len(log.log))
    figures("near: diagnostic changes in the quiet window", len(diagnostics.log))

    far_copies = far_is_quiet(
        near, near_entry.entry_id, near_copy, far_before, far_after
    )
    figures("far: local entities", far_copies)


def far_is_quiet(
    near: Near,
    near_entry_id: str,
    near_copy: str,
    far_before: list[dict[str, Any]],
    far_after: list[dict[str, Any]],
) -> int:
    """Check far: same entities, one copy of each near entity, no echo.

    Return how many local entities far has.
    """

    def shown(states: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
        return {s["entity_id"]: (s["state"], s["last_updated"]) for s in states}

    far_ids = {state["entity_id"] for state in far_after}
    assert far_ids == {state["entity_id"] for state in far_before}
    assert not [eid for eid in far_ids if eid.endswith("_2")]
    far_bridged = bridged(far_after)
    sources = {
        state["attributes"][ATTR_BRIDGED_FROM]: eid
        for eid, state in far_bridged.items()
    }
    assert len(sources) == len(far_bridged)
    # Near's copy of far's lamp never came back as a far entity.
    assert near_copy not in sources
    assert FAR_LAMP not in sources
    # What far copied is near's own: its lamp and, when near's registry is
    # not readable, its bridge's diagnostic entities (they carry no marker).
    diagnostics = diagnostic_ids(near.hass, near_entry_id)
    assert diagnostics
    if near.registry:
        assert set(sources) == {NEAR_LAMP}
    else:
        assert set(sources) == {NEAR_LAMP} | diagnostics
    watched = [sources[NEAR_LAMP], FAR_LAMP]
    before, after = shown(far_before), shown(far_after)
    assert {eid: after[eid] for eid in watched} == {eid: before[eid] for eid in watched}
    return len(far_bridged)
