"""What the glue makes of the link's states: setup errors, reauth, repairs, logs."""

from __future__ import annotations

import logging

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.remote_bridge.const import DOMAIN, ISSUE_UNREACHABLE
from custom_components.remote_bridge.remote import (
    CannotConnect,
    ConnectionState,
    InvalidAuth,
    InvalidCertificate,
    ProtocolError,
    RemoteBridgeError,
)
from custom_components.remote_bridge.repairs import issue_id as repair_issue_id

from .fake_link import REMOTE_TOKEN, FakeLink

LOGGER = "custom_components.remote_bridge"


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """Return the entry ids of the reauth flows in progress."""
    return [
        flow["context"]["entry_id"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


async def test_setup_builds_the_link_from_the_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_link: FakeLink
) -> None:
    """The link gets the entry's url, token and options; unload stops it."""
    assert mock_link.access_token == REMOTE_TOKEN
    assert mock_link.built_with["cache_ttl"] == 300
    assert mock_link.calls == ["connect", "run"]
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert mock_link.calls == ["connect", "run", "stop"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InvalidAuth("refused"), (ConfigEntryState.SETUP_ERROR, True)),
        (CannotConnect("refused"), (ConfigEntryState.SETUP_RETRY, False)),
        (InvalidCertificate("self-signed"), (ConfigEntryState.SETUP_RETRY, False)),
        (ProtocolError("not Home Assistant"), (ConfigEntryState.SETUP_RETRY, False)),
    ],
)
async def test_setup_errors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_link: FakeLink,
    error: RemoteBridgeError,
    expected: tuple[ConfigEntryState, bool],
) -> None:
    """A refused token asks for a new one; anything else retries later.

    Either way the half-built link is stopped, so nothing keeps running.
    """
    state, reauth = expected
    mock_link.connect_error = error
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is state
    assert bool(reauth_flows(hass, mock_config_entry)) is reauth
    assert mock_link.calls[:2] == ["connect", "stop"]
    assert "run" not in mock_link.calls


async def test_auth_failed_while_loaded_starts_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token revoked on a running link starts the reauth flow, once."""
    assert reauth_flows(hass, init_integration) == []
    mock_link.report(ConnectionState.AUTH_FAILED)
    await hass.async_block_till_done()
    assert reauth_flows(hass, init_integration) == [init_integration.entry_id]
    assert "refused the access token" in caplog.text
    assert REMOTE_TOKEN not in caplog.text


async def test_unreachable_issue_only_once_given_up(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Retrying raises no issue; giving up does; the link coming back clears it."""
    issue_id = repair_issue_id(ISSUE_UNREACHABLE, init_integration)
    mock_link.report(ConnectionState.RECONNECTING, reconnect_attempts=3)
    mock_link.report(ConnectionState.DISCONNECTED, reconnect_attempts=3)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    mock_link.report(ConnectionState.DISCONNECTED, reconnect_attempts=5, gave_up=True)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {
        "title": "Garage",
        "url": mock_link.url,
        "attempts": "5",
    }

    mock_link.report(ConnectionState.CONNECTED, reconnect_attempts=0, gave_up=False)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_unload_deletes_the_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    issue_registry: ir.IssueRegistry,
) -> None:
    """An unloaded entry retries nothing: its issue goes with it."""
    mock_link.report(ConnectionState.DISCONNECTED, gave_up=True)
    issue_id = repair_issue_id(ISSUE_UNREACHABLE, init_integration)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_logs_once_down_once_back(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One info line when the remote goes away, one when it is back."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    caplog.clear()
    mock_link.report(ConnectionState.RECONNECTING, last_error="connection reset")
    mock_link.report(ConnectionState.CONNECTING)
    mock_link.report(ConnectionState.RECONNECTING)
    mock_link.report(ConnectionState.CONNECTED)
    mock_link.report(ConnectionState.CONNECTED)
    lines = [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == LOGGER
    ]
    assert lines == [
        (
            logging.INFO,
            (
                f"Remote {mock_link.url} is unavailable (connection reset);"
                " retrying in the background"
            ),
        ),
        (logging.INFO, f"Remote {mock_link.url} is back: the link is up again"),
    ]
