"""The config flow: user, zeroconf, reauth, reconfigure and options steps."""

from __future__ import annotations

import asyncio
from ipaddress import ip_address
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import instance_id
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.remote_bridge.const import DEFAULT_OPTIONS, DOMAIN
from custom_components.remote_bridge.remote import InvalidCertificate, ProtocolError

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    closed_port_url,
    mock_entry,
    second_address,
    seed_remote,
    setup_integration,
    wait_for,
)

VALIDATE = "custom_components.remote_bridge.config_flow.async_validate_remote"
REMOTE_NAME = "Holiday house"


@pytest.fixture(autouse=True)
def remote_name(hass: HomeAssistant) -> None:
    """Name the remote (the test hass) so titles are recognisable."""
    hass.config.location_name = REMOTE_NAME


def user_input(url: str, token: str, verify_ssl: bool = True) -> dict[str, Any]:
    """Return what a user types into the user step."""
    return {"url": url, "access_token": token, "verify_ssl": verify_ssl}


async def start_user_flow(hass: HomeAssistant) -> dict[str, Any]:
    """Open the user step and check it shows an empty form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return dict(result)


# -- user step -----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "{url}",
        "{url}/",
        "{hostport}",
        "ws://{hostport}/api/websocket",
        "  ws://{hostport}/api/websocket/  ",
    ],
)
async def test_user_creates_entry(
    hass: HomeAssistant, remote: RemoteHass, typed: str
) -> None:
    """Any way of writing the address connects and stores the normalised url."""
    hostport = remote.url.removeprefix("http://")
    flow = await start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        user_input(typed.format(url=remote.url, hostport=hostport), remote.token),
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == REMOTE_NAME
    assert result["data"] == {
        "url": remote.url,
        "access_token": remote.token,
        "verify_ssl": True,
    }
    entry = result["result"]
    assert entry.unique_id == remote.url
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("ftp://127.0.0.1:8123", "url"),
        ("http://", "url"),
        ("127.0.0.1:notaport", "url"),
        ("http://user:pw@127.0.0.1:8123", "url"),
        ("http://127.0.0.1 :8123", "url"),
    ],
)
async def test_user_invalid_url(
    hass: HomeAssistant, remote: RemoteHass, typed: str, field: str
) -> None:
    """An address that cannot be a Home Assistant URL is refused on its field."""
    flow = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], user_input(typed, remote.token)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "invalid_url"}


async def test_user_invalid_auth_then_recovers(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """The real remote refuses a wrong token; the right one then succeeds."""
    flow = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], user_input(remote.url, "not-a-token")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"access_token": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], user_input(remote.url, remote.token)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_cannot_connect(hass: HomeAssistant, remote: RemoteHass) -> None:
    """Nothing listening at the address: cannot_connect."""
    flow = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], user_input(closed_port_url(), remote.token)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_tls_to_plain_http_is_ssl_error(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Speaking TLS to a plain-http port fails the TLS handshake: ssl_error."""
    flow = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        user_input(remote.url.replace("http://", "https://"), remote.token),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "ssl_error"}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InvalidCertificate("self-signed"), "ssl_error"),
        (ProtocolError("not a Home Assistant"), "cannot_connect"),
        (RuntimeError("boom"), "unknown"),
    ],
)
async def test_user_other_errors(
    hass: HomeAssistant, remote: RemoteHass, error: Exception, expected: str
) -> None:
    """Certificate, protocol and unexpected errors each have their message."""
    flow = await start_user_flow(hass)
    with patch(VALIDATE, side_effect=error):
        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], user_input(remote.url, remote.token)
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": expected}


async def test_user_already_configured(hass: HomeAssistant, remote: RemoteHass) -> None:
    """The same remote, however written, is bridged once."""
    mock_entry(remote).add_to_hass(hass)
    flow = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        user_input(f"ws://{remote.url.removeprefix('http://')}", remote.token),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# -- zeroconf ------------------------------------------------------------------


def zeroconf_info(port: int, **properties: str | None) -> ZeroconfServiceInfo:
    """Return what zeroconf announces for a Home Assistant."""
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        hostname="garage.local.",
        name="Garage._home-assistant._tcp.local.",
        port=port,
        type="_home-assistant._tcp.local.",
        properties={
            key: value for key, value in properties.items() if value is not None
        },
    )


async def test_zeroconf_self_discovery(hass: HomeAssistant) -> None:
    """This Home Assistant announcing itself is never offered."""
    uuid = await instance_id.async_get(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=zeroconf_info(8123, uuid=uuid, base_url="http://127.0.0.1:8123"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "self_discovery"


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        ({"base_url": "http://127.0.0.1:8123"}, "not_home_assistant"),
        ({"uuid": "abc", "internal_url": "ftp://127.0.0.1"}, "invalid_url"),
    ],
)
async def test_zeroconf_refused(
    hass: HomeAssistant, properties: dict[str, str], reason: str
) -> None:
    """Announcements without an instance id or with a bad address abort."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=zeroconf_info(8123, **properties),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


@pytest.mark.parametrize("announce_url", [True, False])
async def test_zeroconf_new_remote(
    hass: HomeAssistant, remote: RemoteHass, announce_url: bool
) -> None:
    """A new remote is offered by name and needs only a token."""
    # A bridge to some other remote does not stand in the way.
    mock_entry(url="http://127.0.0.1:1", token="x").add_to_hass(hass)
    port = remote.http.server.port
    assert port is not None
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=zeroconf_info(
            port,
            uuid="remote-uuid",
            location_name="Garage",
            base_url=f"{remote.url}/" if announce_url else None,
        ),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"] == {"name": "Garage", "url": remote.url}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows[0]["context"]["title_placeholders"] == {"name": "Garage"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"access_token": "wrong", "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"access_token": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"access_token": remote.token, "verify_ssl": True}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == REMOTE_NAME
    assert result["data"] == {
        "url": remote.url,
        "access_token": remote.token,
        "verify_ssl": True,
    }


async def _announce(hass: HomeAssistant, **properties: str) -> dict[str, Any]:
    """Let an unauthenticated mDNS announcement reach the flow."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(1, **properties)
    )
    await hass.async_block_till_done()
    return dict(result)


async def test_zeroconf_cannot_move_an_entry(
    hass: HomeAssistant, remote: RemoteHass, socket_enabled: None
) -> None:
    """Two forged announcements neither move the entry nor reach its token.

    The attack this guards against: first the entry's own address under a
    made-up instance id, then that id at the attacker's host. The entry must
    keep its url, learn nothing, stay loaded without a reload, and the
    attacker's host must never see a connection.
    """
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    data_before = dict(entry.data)
    attacker_connections = 0

    def count_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal attacker_connections
        attacker_connections += 1
        writer.close()

    attacker = await asyncio.start_server(count_connection, "127.0.0.1", 0)
    attacker_url = f"http://127.0.0.1:{attacker.sockets[0].getsockname()[1]}"
    try:
        first = await _announce(hass, uuid="forged-uuid", base_url=remote.url)
        second = await _announce(hass, uuid="forged-uuid", internal_url=attacker_url)
        await asyncio.sleep(0.2)  # a reload would have connected by now
    finally:
        attacker.close()
        await attacker.wait_closed()

    assert first["type"] is FlowResultType.ABORT
    assert first["reason"] == "already_configured"
    # The second is just a new Home Assistant on offer: it needs its own token.
    assert second["type"] is FlowResultType.FORM
    assert second["step_id"] == "zeroconf_confirm"
    assert dict(entry.data) == data_before
    assert entry.unique_id == remote.url
    assert bridge_of(entry) is bridge
    assert bridge.link.connected
    assert attacker_connections == 0


async def test_zeroconf_keeps_the_users_choice(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """An https entry is not downgraded, and a reconfigured url is not undone."""
    https_url = remote.url.replace("http://", "https://")
    entry = mock_entry(url=https_url, token=remote.token)
    entry.add_to_hass(hass)

    # The same host and port announced over plain http is another address.
    result = await _announce(hass, uuid="remote-uuid", base_url=remote.url)
    assert result["type"] is FlowResultType.FORM
    assert entry.data["url"] == https_url

    # The entry's own address announced again: nothing to do.
    result = await _announce(hass, uuid="remote-uuid", base_url=https_url)
    assert result["reason"] == "already_configured"
    assert entry.data == {
        "url": https_url,
        "access_token": remote.token,
        "verify_ssl": True,
    }


# -- reauth --------------------------------------------------------------------


async def test_reauth(hass: HomeAssistant, remote: RemoteHass) -> None:
    """A refused token leads to reauth; a new valid token reloads the entry."""
    entry = mock_entry(remote, token="expired")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    flow = flows[0]
    assert flow["step_id"] == "reauth_confirm"
    assert flow["context"]["source"] == "reauth"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"access_token": "still-wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"access_token": "invalid_auth"}
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["title"] == "Garage"
    assert placeholders["url"] == remote.url

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"access_token": remote.token}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["access_token"] == remote.token
    # Read afresh: the type checker still holds the state asserted above.
    reloaded = hass.config_entries.async_get_entry(entry.entry_id)
    assert reloaded is not None
    assert reloaded.state is ConfigEntryState.LOADED


# -- reconfigure -----------------------------------------------------------------


async def reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, url: str, token: str
) -> dict[str, Any]:
    """Run the reconfigure step with new values."""
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(url, token)
    )
    await hass.async_block_till_done()
    return dict(result)


async def test_reconfigure_same_address_new_form(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """The same remote written differently keeps the url normalised."""
    entry = await setup_integration(hass, remote)
    hostport = remote.url.removeprefix("http://")
    result = await reconfigure(
        hass, entry, f"ws://{hostport}/api/websocket", remote.token
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["url"] == remote.url
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_same_remote_new_address(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """The same remote reached at a new address: the entry follows it."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    new_url = await second_address(remote)
    result = await reconfigure(hass, entry, new_url, remote.token)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["url"] == new_url
    assert entry.unique_id == new_url
    assert entry.state is ConfigEntryState.LOADED
    assert bridge_of(entry).link.client.base_url == new_url
    assert "light.kitchen" in bridge_of(entry).link.mirror


async def test_reconfigure_unloaded_entry_compares_with_old_remote(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Not loaded: the old address is asked who it is before switching."""
    old_url = await second_address(remote)
    entry = mock_entry(url=old_url, token=remote.token)
    entry.add_to_hass(hass)
    hass.config.location_name = REMOTE_NAME
    result = await reconfigure(hass, entry, remote.url, remote.token)
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["url"] == remote.url


async def test_reconfigure_old_remote_gone(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """An old address that no longer answers cannot object to the switch."""
    entry = mock_entry(url=closed_port_url(), token=remote.token)
    entry.add_to_hass(hass)
    result = await reconfigure(hass, entry, remote.url, remote.token)
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["url"] == remote.url


async def test_reconfigure_to_a_different_remote(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """An address that leads to another Home Assistant is refused."""
    entry = await setup_integration(hass, remote)
    new_url = await second_address(remote)
    # The remote behind the new address says it is somewhere else.
    hass.config.location_name = "Production"
    result = await reconfigure(hass, entry, new_url, remote.token)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_remote"
    assert entry.data["url"] == remote.url


async def test_reconfigure_to_an_address_already_bridged(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Two entries cannot end up on the same remote address."""
    other_url = await second_address(remote)
    mock_entry(remote).add_to_hass(hass)
    entry = mock_entry(url=other_url, token=remote.token)
    entry.add_to_hass(hass)
    result = await reconfigure(hass, entry, remote.url, remote.token)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["url"] == other_url


async def test_reconfigure_errors(hass: HomeAssistant, remote: RemoteHass) -> None:
    """Validation errors show on the form, pre-filled with what was typed."""
    entry = mock_entry(remote)
    entry.add_to_hass(hass)
    result = await reconfigure(hass, entry, remote.url, "wrong")
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"access_token": "invalid_auth"}
    assert entry.data["access_token"] == remote.token


# -- options -----------------------------------------------------------------------


def suggested(result: dict[str, Any]) -> dict[str, Any]:
    """Return the values the options form shows."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def test_options_defaults_shown(hass: HomeAssistant) -> None:
    """An entry without options shows the contract's defaults."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"url": "http://127.0.0.1:1", "access_token": "x", "verify_ssl": True},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert suggested(dict(result)) == DEFAULT_OPTIONS
    assert DEFAULT_OPTIONS == {
        "filter_enabled": True,
        "entity_filters": [],
        "exclude_domains": ["media_player", "camera", "automation"],
        "update_cache": True,
        "cache_ttl": 300,
        "reconnect_max_attempts": 0,
        "reconnect_max_delay": 60,
        "heartbeat_interval": 30,
        "exclude_entities": [],
        "allowed_action_domains": [],
        "create_entities": False,
        "entity_prefix": "",
        "forward_events": [],
        "forward_events_rate": 100,
        "include_labels": [],
        "include_areas": [],
        "include_integrations": [],
        "skip_hidden": True,
    }


def options_input(**changes: Any) -> dict[str, Any]:
    """Return a full options form submission."""
    return {**DEFAULT_OPTIONS, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "key", "value"),
    [
        ({"entity_filters": [" "]}, "entity_filters", "empty_prefix", " "),
        ({"entity_filters": ["Light."]}, "entity_filters", "invalid_prefix", "Light."),
        (
            {"entity_filters": ["light.", " light."]},
            "entity_filters",
            "duplicate_prefix",
            "light.",
        ),
        ({"exclude_domains": [""]}, "exclude_domains", "empty_domain", ""),
        (
            {"exclude_domains": ["media player"]},
            "exclude_domains",
            "invalid_domain",
            "media player",
        ),
        (
            {"exclude_domains": ["camera", "camera"]},
            "exclude_domains",
            "duplicate_domain",
            "camera",
        ),
        (
            {"entity_filters": ["camera.", "media_player.tv"]},
            "entity_filters",
            "filter_matches_nothing",
            "camera., media_player.tv",
        ),
        (
            {"allowed_action_domains": ["light", "Notify"]},
            "allowed_action_domains",
            "invalid_domain",
            "Notify",
        ),
        (
            {"allowed_action_domains": ["light", " light"]},
            "allowed_action_domains",
            "duplicate_domain",
            "light",
        ),
        (
            {"allowed_action_domains": [" "]},
            "allowed_action_domains",
            "empty_domain",
            " ",
        ),
        (
            {"entity_filters": ["camera.*_door"]},
            "entity_filters",
            "filter_matches_nothing",
            "camera.*_door",
        ),
        (
            {"entity_filters": ["sensor.[*"]},
            "entity_filters",
            "invalid_prefix",
            "sensor.[*",
        ),
        ({"exclude_entities": [" "]}, "exclude_entities", "empty_entity", " "),
        (
            {"exclude_entities": ["sensor"]},
            "exclude_entities",
            "invalid_entity",
            "sensor",
        ),
        (
            {"exclude_entities": ["Sensor.Kitchen"]},
            "exclude_entities",
            "invalid_entity",
            "Sensor.Kitchen",
        ),
        (
            {"exclude_entities": ["sensor.a.b"]},
            "exclude_entities",
            "invalid_entity",
            "sensor.a.b",
        ),
        (
            {"exclude_entities": ["sensor.[ab"]},
            "exclude_entities",
            "invalid_entity",
            "sensor.[ab",
        ),
        (
            {"exclude_entities": ["sensor.*_power", "sensor.*_power "]},
            "exclude_entities",
            "duplicate_entity",
            "sensor.*_power",
        ),
    ],
)
async def test_options_filter_errors(
    hass: HomeAssistant,
    changes: dict[str, Any],
    field: str,
    key: str,
    value: str,
) -> None:
    """Each filter mistake is shown on its field with the offending value."""
    entry = mock_entry(url="http://127.0.0.1:1", token="x")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], options_input(**changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: key}
    assert result["description_placeholders"] == {"value": value}
    # The form keeps what the user typed.
    assert suggested(dict(result))[field] == changes[field]


@pytest.mark.parametrize(
    "changes",
    [
        {"cache_ttl": -1},
        {"cache_ttl": 86_401},
        {"reconnect_max_attempts": -1},
        {"reconnect_max_attempts": 1_001},
        {"reconnect_max_delay": 0},
        {"reconnect_max_delay": 3_601},
        {"heartbeat_interval": 4},
        {"heartbeat_interval": 3_601},
    ],
)
async def test_options_number_ranges(
    hass: HomeAssistant, changes: dict[str, Any]
) -> None:
    """Numbers outside their sane range are refused by the form."""
    entry = mock_entry(url="http://127.0.0.1:1", token="x")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], options_input(**changes)
        )


@pytest.mark.parametrize(
    "changes",
    [
        {"cache_ttl": 0},
        {"cache_ttl": 86_400},
        {"reconnect_max_attempts": 0},
        {"reconnect_max_attempts": 1_000},
        {"reconnect_max_delay": 1},
        {"reconnect_max_delay": 3_600},
        {"heartbeat_interval": 5},
        {"heartbeat_interval": 3_600},
    ],
)
async def test_options_number_edges_accepted(
    hass: HomeAssistant, changes: dict[str, Any]
) -> None:
    """Each number's minimum and maximum are saved, as whole numbers."""
    entry = mock_entry(url="http://127.0.0.1:1", token="x")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    as_typed = {key: float(value) for key, value in changes.items()}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], options_input(**as_typed)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    for key, value in changes.items():
        assert entry.options[key] == value
        assert isinstance(entry.options[key], int)


@pytest.mark.parametrize(
    ("changes", "saved"),
    [
        # Empty lists: keep everything, drop nothing, allow every domain.
        (
            {
                "entity_filters": [],
                "exclude_domains": [],
                "exclude_entities": [],
                "allowed_action_domains": [],
            },
            {
                "entity_filters": [],
                "exclude_domains": [],
                "exclude_entities": [],
                "allowed_action_domains": [],
            },
        ),
        # A bare domain, a full id, a glob; spaces around are dropped.
        (
            {"entity_filters": ["light", " sensor.temperature ", "binary_sensor.*"]},
            {"entity_filters": ["light", "sensor.temperature", "binary_sensor.*"]},
        ),
        # The shortest domain; the domain of a kept prefix is not excluded.
        (
            {"exclude_domains": ["a", "media_player"]},
            {"exclude_domains": ["a", "media_player"]},
        ),
        (
            {"exclude_entities": ["sensor.a", " sensor.[ab]*_power "]},
            {"exclude_entities": ["sensor.a", "sensor.[ab]*_power"]},
        ),
        (
            {"allowed_action_domains": [" notify ", "light"]},
            {"allowed_action_domains": ["notify", "light"]},
        ),
        ({"entity_prefix": ""}, {"entity_prefix": ""}),
        ({"entity_prefix": "a"}, {"entity_prefix": "a"}),
        ({"entity_prefix": "garage_"}, {"entity_prefix": "garage_"}),
    ],
)
async def test_options_list_edges_accepted(
    hass: HomeAssistant, changes: dict[str, Any], saved: dict[str, Any]
) -> None:
    """The edge values of the list and text options are saved, cleaned."""
    entry = mock_entry(url="http://127.0.0.1:1", token="x")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], options_input(**changes)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert {key: entry.options[key] for key in saved} == saved


async def test_options_saved_reload_and_apply(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Saving reloads the bridge, and the new filter decides what is mirrored."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote, entity_filters=["light."])
    old_bridge = bridge_of(entry)
    assert "light.kitchen" in old_bridge.link.mirror
    assert "switch.pump" not in old_bridge.link.mirror

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert suggested(dict(result))["entity_filters"] == ["light."]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        options_input(
            entity_filters=[" switch. "],
            update_cache=False,
            cache_ttl=60.0,
            reconnect_max_delay=5,
            allowed_action_domains=[" light ", "notify"],
        ),
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["entity_filters"] == ["switch."]
    assert entry.options["allowed_action_domains"] == ["light", "notify"]
    assert entry.options["cache_ttl"] == 60
    assert isinstance(entry.options["cache_ttl"], int)
    assert entry.state is ConfigEntryState.LOADED
    bridge = bridge_of(entry)
    assert bridge is not old_bridge
    assert "switch.pump" in bridge.link.mirror
    assert "light.kitchen" not in bridge.link.mirror
    assert bridge.link.mirror.update_cache is False


async def assert_not_sent(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Check 50 changes of sensor.kitchen_power, 1 KB each, never reach the socket.

    A kept change of sensor.outside after them does: once it is mirrored, they
    would have arrived too (the remote sends in order).
    """
    bridge = bridge_of(entry)
    received = bridge.link.bytes_received
    for number in range(50):
        hass.states.async_set(
            "sensor.kitchen_power", str(number), {"pad": f"{number:04}" * 250}
        )
    hass.states.async_set("sensor.outside", f"{received}")

    def outside() -> str | None:
        state = bridge.link.mirror.get("sensor.outside")
        return state["state"] if state else None

    await wait_for(lambda: outside() == f"{received}", what="the kept change")
    # Only that change and the bridge's own sensors (this hass is the remote).
    assert bridge.link.bytes_received - received < 10_000
    assert "sensor.kitchen_power" not in bridge.link.mirror


async def change_options(
    hass: HomeAssistant, entry: MockConfigEntry, **changes: Any
) -> None:
    """Save options through the flow, shown with the entry's current ones."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert suggested(dict(result))["exclude_entities"] == entry.options.get(
        "exclude_entities", []
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], options_input(**changes)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_options_entities_to_drop_saved_and_applied(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Ids and globs to drop, and glob entity filters, are saved and applied."""
    seed_remote(hass)
    hass.states.async_set("sensor.kitchen_power", "12")
    hass.states.async_set("sensor.garage_1", "1")
    hass.states.async_set("sensor.garage_12", "12")
    entry = await setup_integration(hass, remote, entity_filters=[])
    assert "sensor.kitchen_power" in bridge_of(entry).link.mirror

    # Entities to drop alone: sent to the remote as its exclude lists.
    await change_options(
        hass,
        entry,
        exclude_entities=[" sensor.*_power", "sensor.garage_?", "switch.pump"],
    )
    assert entry.options["exclude_entities"] == [
        "sensor.*_power",
        "sensor.garage_?",
        "switch.pump",
    ]
    # (The remote is this hass: the bridge's own sensors are mirrored too.)
    mirrored = {s["entity_id"] for s in bridge_of(entry).link.mirror.states()}
    assert {"light.kitchen", "light.hall", "sensor.outside", "sensor.garage_12"} <= (
        mirrored
    )
    assert not {"sensor.kitchen_power", "sensor.garage_1", "switch.pump"} & mirrored
    await assert_not_sent(hass, entry)

    # Beside prefixes: sent as included domains narrowed by the globs.
    await change_options(
        hass,
        entry,
        entity_filters=["sensor.", "light.h"],
        exclude_entities=["sensor.*_power", "sensor.garage_12"],
    )
    assert {s["entity_id"] for s in bridge_of(entry).link.mirror.states()} >= {
        "sensor.outside",
        "sensor.garage_1",
        "light.hall",
    }
    mirrored = {s["entity_id"] for s in bridge_of(entry).link.mirror.states()}
    assert not {"light.kitchen", "switch.pump", "sensor.garage_12"} & mirrored
    await assert_not_sent(hass, entry)

    # Glob entity filters keep whole-id matches.
    await change_options(hass, entry, entity_filters=["sensor.garage_?", "light.h"])
    assert {s["entity_id"] for s in bridge_of(entry).link.mirror.states()} == {
        "sensor.garage_1",
        "light.hall",
    }
