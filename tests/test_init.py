"""Setup, unload, reload, and what happens when the remote goes and comes back."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
)

import custom_components.remote_bridge as integration
from custom_components.remote_bridge.const import DOMAIN
from custom_components.remote_bridge.remote import ConnectionState

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    closed_port_url,
    fast_reconnects,
    mock_entry,
    second_address,
    seed_remote,
    setup_integration,
    start_remote,
    state_of,
    stop_remote,
    wait_for,
)

LOGGER_NAME = "custom_components.remote_bridge"
# The test hass is the remote too; its websocket_api logs what it receives.
REMOTE_SIDE_LOGGER = "homeassistant.components.websocket_api"


def bridge_records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """Return the messages the integration logged at exactly ``level``."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(LOGGER_NAME) and record.levelno == level
    ]


def assert_token_not_logged(caplog: pytest.LogCaptureFixture, token: str) -> None:
    """Check this side's log lines (the remote's own debug log echoes its input)."""
    local = [
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(REMOTE_SIDE_LOGGER)
    ]
    assert any(LOGGER_NAME in record.name for record in caplog.records)
    assert not [line for line in local if token in line]


# -- setup, unload, reload ---------------------------------------------------------


async def test_setup_and_unload(hass: HomeAssistant, remote: RemoteHass) -> None:
    """The entry connects to the real remote; unloading stops everything."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    assert bridge.link.connected
    assert sorted(state["entity_id"] for state in bridge.link.mirror.states()) == [
        "light.hall",
        "light.kitchen",
        "switch.pump",
    ]
    assert state_of(hass, entry, "connected") == "on"

    # A change on the remote arrives through the live subscription.
    hass.states.async_set("light.kitchen", "off")
    await wait_for(
        lambda: (bridge.link.mirror.get("light.kitchen") or {}).get("state") == "off"
    )

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert bridge.link.link_state is ConnectionState.STOPPED
    assert state_of(hass, entry, "connected") == "unavailable"


async def test_setup_not_ready_when_unreachable(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Nothing listening: HA retries the setup later, with a translated reason."""
    entry = mock_entry(url=closed_port_url(), token=remote.token)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert entry.reason.startswith("Could not connect to the remote Home Assistant")
    assert entry.data["url"] in entry.reason


async def test_setup_not_ready_on_tls_failure(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """A TLS failure is retried too, and says it is about the certificate."""
    entry = mock_entry(
        url=remote.url.replace("http://", "https://"), token=remote.token
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "certificate" in entry.reason


async def test_setup_auth_failed_starts_reauth(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """A refused token fails the setup and asks the user for a new one."""
    entry = mock_entry(remote, token="expired")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def test_reload_after_options_changes(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Every options change reloads a fresh bridge and stops the old one."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridges = [bridge_of(entry)]
    for filters in (["light."], ["switch."], ["light.kitchen"], []):
        hass.config_entries.async_update_entry(
            entry, options={**entry.options, "entity_filters": filters}
        )
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        bridge = bridge_of(entry)
        assert bridge is not bridges[-1]
        assert bridges[-1].link.link_state is ConnectionState.STOPPED
        assert bridge.link.connected
        bridges.append(bridge)
    assert "light.kitchen" in bridges[3].link.mirror
    assert "light.hall" not in bridges[3].link.mirror
    # Nothing left behind: one set of entities, one link.
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert len(entities) == 10


async def test_two_entries_are_independent(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Two remotes (here: two addresses) each have their bridge and entities."""
    seed_remote(hass)
    first = await setup_integration(hass, remote, entity_filters=["light."])
    second = mock_entry(
        url=await second_address(remote),
        token=remote.token,
        title="Barn",
        entity_filters=["switch."],
    )
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()

    assert len(bridge_of(first).link.mirror) == 2
    assert len(bridge_of(second).link.mirror) == 1
    registry = er.async_get(hass)
    assert len(er.async_entries_for_config_entry(registry, first.entry_id)) == 10
    assert len(er.async_entries_for_config_entry(registry, second.entry_id)) == 10

    assert await hass.config_entries.async_unload(first.entry_id)
    await hass.async_block_till_done()
    assert second.state is ConfigEntryState.LOADED
    assert bridge_of(second).link.connected
    hass.states.async_set("switch.pump", "off")
    await wait_for(
        lambda: (
            (bridge_of(second).link.mirror.get("switch.pump") or {}).get("state")
            == "off"
        )
    )


async def test_home_assistant_stop_closes_the_link(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """When this Home Assistant stops, the link closes; unload still works."""
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert bridge.link.link_state is ConnectionState.STOPPED
    assert await hass.config_entries.async_unload(entry.entry_id)


# -- the remote goes away and comes back ----------------------------------------------


async def test_outage_logs_once_and_recovers(
    hass: HomeAssistant, remote: RemoteHass, caplog: pytest.LogCaptureFixture
) -> None:
    """One info line when down however many retries, one when back; no token."""
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    seed_remote(hass)
    entry = await setup_integration(hass, remote, reconnect_max_delay=4)
    bridge = bridge_of(entry)
    delays = fast_reconnects(bridge)

    await stop_remote(remote)
    await wait_for(lambda: bridge.link.stats().reconnect_attempts >= 5, what="retries")
    assert not bridge.link.connected
    assert state_of(hass, entry, "connected") == "off"
    assert state_of(hass, entry, "connection_state") == "reconnecting"
    # The backoff starts at 2 s and doubles up to the cap (plus 0-10 % jitter).
    assert 2 <= delays[0] <= 2.2
    assert 4 <= delays[1] <= 4.4
    assert all(delay <= 4.4 for delay in delays)
    # The mirror keeps serving what it had.
    assert "light.kitchen" in bridge.link.mirror
    down = bridge_records(caplog, logging.INFO)
    assert len(down) == 1
    assert remote.url in down[0]
    assert "unavailable" in down[0]
    assert bridge_records(caplog, logging.WARNING) == []

    await start_remote(remote)
    await wait_for(lambda: bridge.link.connected, what="reconnected")
    await hass.async_block_till_done()
    assert state_of(hass, entry, "connected") == "on"
    assert state_of(hass, entry, "connection_state") == "connected"
    assert state_of(hass, entry, "reconnect_attempts") == "0"
    infos = bridge_records(caplog, logging.INFO)
    assert len(infos) == 2
    assert "is back" in infos[1]
    assert bridge_records(caplog, logging.WARNING) == []

    # A second outage is reported again, once down and once back.
    await stop_remote(remote)
    await wait_for(lambda: bridge.link.stats().reconnect_attempts >= 2, what="retries")
    assert len(bridge_records(caplog, logging.INFO)) == 3
    await start_remote(remote)
    await wait_for(lambda: bridge.link.connected, what="reconnected")
    assert len(bridge_records(caplog, logging.INFO)) == 4

    assert_token_not_logged(caplog, remote.token)


async def test_gave_up_raises_repair_issue_and_reconnect_clears_it(
    hass: HomeAssistant,
    remote: RemoteHass,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After the last attempt: state disconnected and a repair issue."""
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    entry = await setup_integration(hass, remote, reconnect_max_attempts=3)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    issue_id = f"remote_unreachable_{entry.entry_id}"

    await stop_remote(remote)
    await wait_for(lambda: bridge.link.stats().gave_up, what="giving up")
    await hass.async_block_till_done()
    assert bridge.link.stats().reconnect_attempts == 3
    assert state_of(hass, entry, "connection_state") == "disconnected"
    assert state_of(hass, entry, "connected") == "off"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "remote_unreachable"
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {
        "title": "Garage",
        "url": remote.url,
        "attempts": "3",
    }
    assert len(bridge_records(caplog, logging.INFO)) == 1  # "unavailable", once

    # The remote is back, but the bridge gave up: the action brings it back.
    await start_remote(remote)
    await hass.services.async_call(
        DOMAIN, "reconnect", {"config_entry_id": entry.entry_id}, blocking=True
    )
    await wait_for(lambda: bridge.link.connected, what="reconnected")
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert state_of(hass, entry, "connection_state") == "connected"
    assert_token_not_logged(caplog, remote.token)


async def _gave_up(
    hass: HomeAssistant, remote: RemoteHass, issue_registry: ir.IssueRegistry
) -> MockConfigEntry:
    """Set up an entry whose remote went away until it gave up (issue raised)."""
    entry = await setup_integration(hass, remote, reconnect_max_attempts=1)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    await stop_remote(remote)
    await wait_for(lambda: bridge.link.stats().gave_up, what="giving up")
    await hass.async_block_till_done()
    issue_id = f"remote_unreachable_{entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    return entry


async def test_unload_deletes_the_unreachable_issue(
    hass: HomeAssistant, remote: RemoteHass, issue_registry: ir.IssueRegistry
) -> None:
    """An unloaded entry retries nothing: its repair issue would only mislead."""
    entry = await _gave_up(hass, remote, issue_registry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"remote_unreachable_{entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    await start_remote(remote)


async def test_remove_deletes_the_unreachable_issue(
    hass: HomeAssistant, remote: RemoteHass, issue_registry: ir.IssueRegistry
) -> None:
    """Removing an entry (even one already unloaded) removes its issue."""
    entry = await _gave_up(hass, remote, issue_registry)
    issue_id = f"remote_unreachable_{entry.entry_id}"
    assert await hass.config_entries.async_unload(entry.entry_id)
    # As if it came back while unloaded (a restart before the removal, say).
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="remote_unreachable",
    )
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    await start_remote(remote)


def test_setup_entry_raises_setup_errors_directly() -> None:
    """Setup errors are raised in async_setup_entry itself, where hassfest looks."""
    source = Path(integration.__file__).read_text()
    tree = ast.parse(source)
    (setup,) = (
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "async_setup_entry"
    )
    raised = {
        node.exc.func.id
        for node in ast.walk(setup)
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and isinstance(node.exc.func, ast.Name)
    }
    assert {"ConfigEntryNotReady", "ConfigEntryAuthFailed"} <= raised


async def test_token_revoked_while_running_starts_reauth(
    hass: HomeAssistant,
    remote: RemoteHass,
    caplog: pytest.LogCaptureFixture,
    hass_admin_user: MockUser,
) -> None:
    """The remote refusing the token on a reconnect: reauth, and no more retries."""
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    delays = fast_reconnects(bridge)

    # Revoking the token on the remote closes its connections, too.
    refresh_token = hass.auth.async_validate_access_token(remote.token)
    assert refresh_token is not None
    hass.auth.async_remove_refresh_token(refresh_token)

    await wait_for(
        lambda: bridge.link.link_state is ConnectionState.AUTH_FAILED, what="auth"
    )
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert state_of(hass, entry, "connection_state") == "auth_failed"
    assert state_of(hass, entry, "connected") == "off"

    attempts = bridge.link.stats().reconnect_attempts
    asked = len(delays)
    for _ in range(50):
        await hass.async_block_till_done()
    assert bridge.link.stats().reconnect_attempts == attempts
    assert len(delays) == asked
    # A reconnect action does not loop on a refused token either: it says so.
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "reconnect", {"config_entry_id": entry.entry_id}, blocking=True
        )
    assert bridge.link.link_state is ConnectionState.AUTH_FAILED
    assert_token_not_logged(caplog, remote.token)

    # The user pastes a new token: the entry reloads and connects again.
    new_token = hass.auth.async_create_access_token(
        await hass.auth.async_create_refresh_token(hass_admin_user, CLIENT_ID)
    )
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"access_token": new_token}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert entry.state is ConfigEntryState.LOADED
    assert bridge_of(entry).link.connected
    assert state_of(hass, entry, "connected") == "on"


async def test_data_update_does_not_reload(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Only changed options reload; a data update (e.g. discovery) does not."""
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "instance_id": "remote-uuid"}
    )
    await hass.async_block_till_done()
    assert bridge_of(entry) is bridge
    assert bridge.link.connected
