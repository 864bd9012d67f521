"""Real TLS: the remote behind a self-signed certificate.

The remote is the test hass itself, served over HTTPS on 127.0.0.1 with a
certificate from a throwaway CA that nothing trusts (trustme). Verification on
must refuse it; off must work; and turning it off for one entry must weaken
neither another entry nor Home Assistant's shared client session.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import socket
import ssl
from typing import Any

import aiohttp
from aiohttp import web
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
import trustme

from custom_components.remote_bridge.const import DOMAIN

from .conftest import RemoteHass
from .integration_helpers import mock_entry, seed_remote

type ServeHttps = Callable[[], Awaitable[str]]


@pytest.fixture
async def serve_https(remote: RemoteHass) -> AsyncGenerator[ServeHttps]:
    """Serve the remote over HTTPS on a new port per call, with an untrusted cert."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    runner = remote.http.server.runner
    assert runner is not None
    sites: list[web.SockSite] = []
    # The remote's side of a refused handshake (the bridge hangs up on the
    # untrusted certificate) reaches the loop's handler: it is no failure here.
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()

    def ignore_refused_handshakes(
        loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        if str(context.get("message", "")).startswith(
            "Error on transport creation for incoming connection"
        ):
            return
        if handler is not None:
            handler(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(ignore_refused_handshakes)

    async def serve() -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(runner, sock, ssl_context=context)
        await site.start()
        sites.append(site)
        return f"https://127.0.0.1:{sock.getsockname()[1]}"

    yield serve
    for site in sites:
        await site.stop()
    loop.set_exception_handler(handler)


@pytest.fixture
async def https_url(serve_https: ServeHttps) -> str:
    """Return the remote's HTTPS address."""
    return await serve_https()


def https_entry(remote: RemoteHass, url: str, *, verify_ssl: bool) -> str:
    """Add an entry for the HTTPS remote; return its id."""
    entry = mock_entry(url=url, token=remote.token)
    entry.add_to_hass(remote.hass)
    remote.hass.config_entries.async_update_entry(
        entry, data={**entry.data, "verify_ssl": verify_ssl}
    )
    entry_id: str = entry.entry_id
    return entry_id


async def test_flow_refuses_an_untrusted_certificate(
    hass: HomeAssistant, remote: RemoteHass, https_url: str
) -> None:
    """Verification on: ssl_error in the form; off: the entry is created."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"url": https_url, "access_token": remote.token, "verify_ssl": True},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "ssl_error"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"url": https_url, "access_token": remote.token, "verify_ssl": False},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["url"] == https_url
    assert result["result"].state is ConfigEntryState.LOADED


async def test_setup_with_verification_is_not_ready(
    hass: HomeAssistant, remote: RemoteHass, https_url: str
) -> None:
    """A stored entry whose remote's certificate fails is retried, not loaded."""
    entry_id = https_entry(remote, https_url, verify_ssl=True)
    assert not await hass.config_entries.async_setup(entry_id)
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "certificate" in entry.reason


async def test_verification_off_stays_with_its_entry(
    hass: HomeAssistant, remote: RemoteHass, https_url: str, serve_https: ServeHttps
) -> None:
    """One entry without verification mirrors; others still verify."""
    seed_remote(hass)
    trusting = https_entry(remote, https_url, verify_ssl=False)
    assert await hass.config_entries.async_setup(trusting)
    await hass.async_block_till_done()
    entry = hass.config_entries.async_get_entry(trusting)
    assert entry is not None
    assert entry.state is ConfigEntryState.LOADED
    bridge = entry.runtime_data
    assert bridge.link.connected
    assert bridge.link.mirror.get("light.kitchen") is not None

    # Home Assistant's shared session still refuses the certificate...
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        async with async_get_clientsession(hass).get(f"{https_url}/api/"):
            pass
    # ...and so does another entry that keeps verification on.
    checking = https_entry(remote, await serve_https(), verify_ssl=True)
    assert not await hass.config_entries.async_setup(checking)
    other = hass.config_entries.async_get_entry(checking)
    assert other is not None
    assert other.state is ConfigEntryState.SETUP_RETRY
