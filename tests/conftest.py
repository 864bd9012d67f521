"""Fixtures shared by every test: a real Home Assistant as the remote."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient
from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

# Import the integration before the test hass puts its own testing_config
# `custom_components` package on sys.path.
from custom_components.remote_bridge.const import (
    CONF_ACCESS_TOKEN,
    CONF_URL,
    CONF_VERIFY_SSL,
    DEFAULT_OPTIONS,
    DOMAIN,
)

from .unit.fake_link import REMOTE_TOKEN, REMOTE_URL, FakeLink

pytest_plugins = ["pytest_homeassistant_custom_component"]

__all__ = ["DOMAIN"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Load custom_components/remote_bridge in every test that has a hass.

    Tests of the pure core have none, and should not pay for creating one.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def expected_lingering_timers(request: pytest.FixtureRequest) -> bool:
    """Tolerate the remote side's websocket heartbeat timer, nothing else.

    Where the test hass is also the remote (the ``remote`` fixture), newer
    aiohttp leaves the server-side heartbeat of a closed websocket scheduled.
    Lingering *tasks* stay fatal everywhere.
    """
    return "remote" in request.fixturenames


@dataclass(slots=True)
class RemoteHass:
    """The test hass serving its own WebSocket and REST APIs on 127.0.0.1."""

    hass: HomeAssistant
    url: str
    token: str
    http: TestClient[web.Request, web.Application]


@pytest.fixture
async def remote_token(hass: HomeAssistant, hass_admin_user: MockUser) -> str:
    """Return a long-lived token of the remote, distinct from the local one.

    The test hass is both sides, so this is a second admin token: a leak test
    can tell the remote's token (which must never appear) from the local one
    the HTTP client sends.
    """
    refresh_token = await hass.auth.async_create_refresh_token(
        hass_admin_user,
        client_name="the remote's token for Remote Bridge",
        token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
        access_token_expiration=timedelta(days=3650),
    )
    return hass.auth.async_create_access_token(refresh_token)


@pytest.fixture
async def remote(
    hass: HomeAssistant,
    socket_enabled: None,
    aiohttp_client: Any,
    hass_access_token: str,
    remote_token: str,
) -> AsyncGenerator[RemoteHass]:
    """Serve the test hass's http, api and websocket_api over real TCP.

    ``hass_access_token`` is the local user's token (``hass_client`` sends it);
    the bridge authenticates with ``remote_token``.
    """
    assert await async_setup_component(hass, "http", {})
    assert await async_setup_component(hass, "api", {})
    assert await async_setup_component(hass, "websocket_api", {})
    # The test hass is also the local HA: register Remote Bridge's views
    # before the server starts and freezes the router.
    assert await async_setup_component(hass, DOMAIN, {})
    client: TestClient[web.Request, web.Application] = await aiohttp_client(
        hass.http.app
    )
    url = str(client.make_url("")).rstrip("/")
    assert remote_token != hass_access_token
    yield RemoteHass(hass=hass, url=url, token=remote_token, http=client)
    # Unload the bridges before the test server shuts down: it would wait for
    # their websockets until the heartbeat gave up.
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_RETRY):
            assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def session(hass: HomeAssistant) -> ClientSession:
    """HA's shared client session, as the integration uses it."""
    return async_get_clientsession(hass)


@pytest.fixture(name="snapshot")
def ha_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Syrupy with Home Assistant's serializer, in ``tests/snapshots``.

    The plugin defines the same fixture, but syrupy's own one wins here.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


# -- the glue's fast tier: a fake core, as the anchors (peblar, wled) mock theirs


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return an entry for the garage remote, default options (not yet added)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Garage",
        unique_id=REMOTE_URL,
        data={
            CONF_URL: REMOTE_URL,
            CONF_ACCESS_TOKEN: REMOTE_TOKEN,
            CONF_VERIFY_SSL: True,
        },
        options=dict(DEFAULT_OPTIONS),
    )


@pytest.fixture
def mock_link() -> Generator[FakeLink]:
    """Build every bridge on a fake link: no socket, figures set by the test."""
    link = FakeLink()
    with patch("custom_components.remote_bridge.bridge.RemoteLink", link.bind):
        yield link


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_link: FakeLink
) -> MockConfigEntry:
    """Set up the garage entry on the fake link; return the loaded entry."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    return mock_config_entry
