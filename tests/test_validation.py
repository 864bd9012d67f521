"""Validating a remote (user, reauth, reconfigure steps): a probe, nothing more."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
import pytest

from custom_components.remote_bridge.config_flow import async_validate_remote
from custom_components.remote_bridge.remote import InvalidAuth

from .conftest import RemoteHass

# The test hass is the remote too; its websocket_api logs every command it gets.
REMOTE_SIDE_LOGGER = "homeassistant.components.websocket_api"


def received_commands(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return what the remote's websocket_api logged as received."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(REMOTE_SIDE_LOGGER)
        and "Received" in record.getMessage()
    ]


async def test_validation_reads_the_config_only(
    hass: HomeAssistant, remote: RemoteHass, caplog: pytest.LogCaptureFixture
) -> None:
    """The remote sees get_config: no subscription, no get_states/get_services."""
    caplog.set_level(logging.DEBUG, logger=REMOTE_SIDE_LOGGER)
    hass.states.async_set("light.kitchen", "on")
    address = remote.url.replace("http://", "ws://")
    base_url, config = await async_validate_remote(
        hass, address, remote.token, verify_ssl=True
    )
    assert base_url == remote.url
    assert config["location_name"] == hass.config.location_name
    received = received_commands(caplog)
    assert any("'get_config'" in line for line in received), received
    for command in ("get_states", "get_services", "subscribe"):
        assert not any(command in line for line in received), received


async def test_validation_refused_token(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """A wrong token is the core's InvalidAuth (the form shows invalid_auth)."""
    with pytest.raises(InvalidAuth):
        await async_validate_remote(hass, remote.url, "wrong", verify_ssl=True)
