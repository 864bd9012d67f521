"""Fixtures of the end-to-end suite: a real Home Assistant as the remote."""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Mapping,
)
from datetime import datetime
import inspect
from pathlib import Path
import secrets
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
import pytest_asyncio
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.remote_bridge.bridge import RemoteBridge
from custom_components.remote_bridge.const import DEFAULT_OPTIONS, DOMAIN
from tests.remote_ha import RemoteHA


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


# -- the local side: Remote Bridge set up in the test hass against a real remote ------

# The contract's filter defaults; the e2e tests keep them unless a test is about it.
EXCLUDED = ("media_player", "camera", "automation")
KEY_PLATFORMS = {
    "connected": "binary_sensor",
    "connection_state": "sensor",
    "reconnect_attempts": "sensor",
    "subscriptions": "sensor",
    "mirrored_entities": "sensor",
    "events_received": "sensor",
    "last_event": "sensor",
    "latency": "sensor",
    "bytes_received": "sensor",
    "bytes_per_minute": "sensor",
}
type Figures = Callable[[str, object], None]
# Every figure a test records with `figures`; printed at the end of the run.
FIGURES: list[tuple[str, str, str]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures the end-to-end scenarios measured."""
    if not FIGURES:
        return
    terminalreporter.section("remote bridge e2e figures")
    for test, name, value in FIGURES:
        terminalreporter.write_line(f"{test}: {name} = {value}")


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """Record a measured figure of this test (see the terminal summary)."""

    def record(name: str, value: object) -> None:
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        FIGURES.append((request.node.name, name, shown))

    return record


async def wait_for(
    condition: Callable[[], object],
    *,
    within: float,
    what: str,
    interval: float = 0.05,
) -> float:
    """Poll ``condition`` (sync or async) until true; return the seconds taken."""
    started = time.monotonic()
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            pytest.fail(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(interval)


def kept(entity_id: str, options: Mapping[str, Any] | None = None) -> bool:
    """Apply the contract's filter rule (written apart from the integration's)."""
    opts = {**DEFAULT_OPTIONS, **(options or {})}
    if not opts["filter_enabled"]:
        return True
    if entity_id.partition(".")[0] in opts["exclude_domains"]:
        return False
    prefixes = opts["entity_filters"]
    return not prefixes or entity_id.startswith(tuple(prefixes))


def comparable(
    states: Iterable[Mapping[str, Any]], options: Mapping[str, Any] | None = None
) -> dict[str, tuple[Any, ...]]:
    """Return ``{entity_id: (state, attributes, last_changed, last_updated)}``.

    Filtered by the contract's rule; the timestamps are compared as instants.
    """
    return {
        s["entity_id"]: (
            s["state"],
            s["attributes"],
            datetime.fromisoformat(s["last_changed"]),
            datetime.fromisoformat(s["last_updated"]),
        )
        for s in states
        if kept(s["entity_id"], options)
    }


def divergence(
    have: Mapping[str, tuple[Any, ...]], want: Mapping[str, tuple[Any, ...]]
) -> dict[str, list[str]]:
    """Describe how ``have`` differs from ``want`` (empty: equal)."""
    wrong = [k for k in want.keys() & have.keys() if have[k] != want[k]]
    return {
        "missing": sorted(want.keys() - have.keys())[:10],
        "extra": sorted(have.keys() - want.keys())[:10],
        "wrong": sorted(wrong)[:10],
    }


async def truth(
    remote: RemoteHA, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the remote's own ``/api/states``, filtered and comparable."""
    return comparable(await remote.states(), options)


def bridge_of(entry: ConfigEntry) -> RemoteBridge:
    """Return the entry's bridge."""
    bridge: RemoteBridge = entry.runtime_data
    return bridge


def mirror_view(entry: ConfigEntry) -> dict[str, tuple[Any, ...]]:
    """Return the mirror's entries, comparable (the update-mode truth)."""
    return comparable(bridge_of(entry).link.mirror.states(), bridge_of(entry).options)


async def wait_converged(
    remote: RemoteHA,
    entry: ConfigEntry,
    *,
    within: float = 30,
    read: Callable[[], Awaitable[dict[str, tuple[Any, ...]]]] | None = None,
) -> float:
    """Wait until the bridge (mirror, or ``read``) equals the remote's truth.

    Returns the seconds it took; fails with the divergence after ``within``.
    """
    options = bridge_of(entry).options
    last: dict[str, list[str]] = {}

    async def equal() -> bool:
        nonlocal last
        want = await truth(remote, options)
        have = await read() if read is not None else mirror_view(entry)
        last = divergence(have, want)
        return have == want

    started = time.monotonic()
    try:
        return await wait_for(equal, within=within, what="mirror == remote truth")
    except pytest.fail.Exception:
        pytest.fail(f"no convergence in {time.monotonic() - started:.1f} s: {last}")


def entity_id_of(hass: HomeAssistant, entry: ConfigEntry, key: str) -> str:
    """Return the entity id of one of the bridge's diagnostic entities."""
    entity_id = er.async_get(hass).async_get_entity_id(
        KEY_PLATFORMS[key], DOMAIN, f"{entry.entry_id}_{key}"
    )
    assert entity_id is not None, key
    return entity_id


class StateLog:
    """Record the states of some entities of the local hass as they change."""

    def __init__(self, hass: HomeAssistant, entity_ids: Iterable[str]) -> None:
        """Start listening (``close`` stops)."""
        self.entity_ids = set(entity_ids)
        self.log: list[tuple[float, str, str | None]] = []

        @callback
        def on_change(event: Event[EventStateChangedData]) -> None:
            if event.data["entity_id"] in self.entity_ids:
                new = event.data["new_state"]
                self.log.append(
                    (
                        time.monotonic(),
                        event.data["entity_id"],
                        new.state if new else None,
                    )
                )

        self.close = hass.bus.async_listen(EVENT_STATE_CHANGED, on_change)

    def values(self, entity_id: str, since: float = 0.0) -> list[str | None]:
        """Return the states of `entity_id` since `since`, repeats collapsed."""
        seen: list[str | None] = []
        for at, eid, state in self.log:
            if eid == entity_id and at >= since and (not seen or seen[-1] != state):
                seen.append(state)
        return seen

    def first(self, entity_id: str, state: str, since: float = 0.0) -> float | None:
        """Return when `entity_id` first became `state` after `since`."""
        for at, eid, value in self.log:
            if eid == entity_id and value == state and at >= since:
                return at
        return None


async def add_bridge(
    hass: HomeAssistant, remote: RemoteHA, **options: Any
) -> MockConfigEntry:
    """Set up a bridge entry to `remote` (contract defaults plus `options`)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=remote.name,
        unique_id=remote.url,
        data={"url": remote.url, "access_token": remote.token, "verify_ssl": True},
        options={**DEFAULT_OPTIONS, **options},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
async def local(hass: HomeAssistant, socket_enabled: None) -> HomeAssistant:
    """Set up the local HA: ``http`` and Remote Bridge (views), no entry yet.

    Create the ``hass_client()`` only after this: the router freezes then.
    """
    assert await async_setup_component(hass, "http", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    return hass


@pytest_asyncio.fixture
async def second_remote(
    tmp_path: Path, socket_enabled: None
) -> AsyncGenerator[RemoteHA]:
    """Start a second real remote for this test only; always stop it."""
    remote = RemoteHA(tmp_path / "second_remote", name="Second Home")
    try:
        await remote.async_start()
        yield remote
    finally:
        try:
            await remote.aclose()
        finally:
            await remote.async_kill()
