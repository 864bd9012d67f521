"""The actions' error mapping, on the fake link: each error a user can meet."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.remote_bridge.const import DOMAIN
from custom_components.remote_bridge.redact import REMOTE_TEXT_LIMIT
from custom_components.remote_bridge.remote import (
    CannotConnect,
    CommandFailed,
    ConnectionState,
    ProtocolError,
    RemoteBridgeError,
)

from .fake_link import FakeLink


async def call_action(
    hass: HomeAssistant, entry: MockConfigEntry, **data: Any
) -> dict[str, Any] | None:
    """Call ``remote_bridge.call_action`` for ``entry``, as a script would."""
    response = await hass.services.async_call(
        DOMAIN,
        "call_action",
        {"config_entry_id": entry.entry_id, "action": "light.turn_on", **data},
        blocking=True,
        return_response=True,
    )
    return dict(response) if response is not None else None


async def test_call_action_answers_the_remote_response(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_link: FakeLink
) -> None:
    """The remote's response comes back; the message is the remote's call_service."""
    mock_link.client.command_result = {"context": {}, "response": {"ok": True}}
    assert await call_action(
        hass, init_integration, data={"brightness": 10}, target={"entity_id": "x.y"}
    ) == {"ok": True}
    assert mock_link.client.actions_sent == [
        {
            "type": "call_service",
            "domain": "light",
            "service": "turn_on",
            "service_data": {"brightness": 10},
            "target": {"entity_id": ["x.y"]},
            "return_response": True,
        }
    ]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (CannotConnect("link lost"), (HomeAssistantError, "remote_not_connected")),
        (
            CommandFailed("timeout", "no answer"),
            (HomeAssistantError, "remote_action_timeout"),
        ),
        (
            CommandFailed("invalid_format", "bad"),
            (ServiceValidationError, "remote_action_failed"),
        ),
        (
            CommandFailed("not_found", "no such action"),
            (ServiceValidationError, "remote_action_failed"),
        ),
        (
            CommandFailed("service_validation_error", "out of range"),
            (ServiceValidationError, "remote_action_failed"),
        ),
        (
            CommandFailed("home_assistant_error", "device offline"),
            (HomeAssistantError, "remote_action_failed"),
        ),
        (ProtocolError("garbled"), (HomeAssistantError, "remote_action_failed")),
    ],
)
async def test_call_action_error_mapping(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    error: RemoteBridgeError,
    expected: tuple[type[HomeAssistantError], str],
) -> None:
    """Each failure of the remote is a translated error of the right kind.

    Bad input (the remote's validation) is the caller's fault, so a
    ``ServiceValidationError``; the rest are ``HomeAssistantError`` only.
    """
    kind, key = expected
    mock_link.client.command_error = error
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, init_integration)
    assert type(err.value) is kind
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key


async def test_call_action_while_disconnected_fails_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_link: FakeLink
) -> None:
    """A down link fails without sending anything (no wait for a timeout)."""
    mock_link.report(ConnectionState.RECONNECTING)
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, init_integration)
    assert err.value.translation_key == "remote_not_connected"
    assert mock_link.client.actions_sent == []


async def test_remote_message_is_one_capped_line(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_link: FakeLink
) -> None:
    """The remote's message is shown without control characters, and capped."""
    mock_link.client.command_error = CommandFailed(
        "invalid_format", "bad\x1b[31m\nvalue " + "x" * 1000
    )
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, init_integration)
    assert err.value.translation_placeholders is not None
    shown = err.value.translation_placeholders["error"]
    assert shown.startswith("bad [31m value xxx")
    assert len(shown) == REMOTE_TEXT_LIMIT
    assert shown.endswith("…")


async def test_call_action_outside_allowed_domains(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_link: FakeLink
) -> None:
    """A domain outside *Allowed action domains* is refused before the remote."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={**mock_config_entry.options, "allowed_action_domains": ["switch"]},
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, mock_config_entry)
    assert err.value.translation_key == "action_not_allowed"
    assert mock_link.client.actions_sent == []


@pytest.mark.parametrize("action", ["reconnect", "resync"])
async def test_link_actions(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    action: str,
) -> None:
    """``reconnect`` and ``resync`` reach the link; its failure is translated."""
    data = {"config_entry_id": init_integration.entry_id}
    await hass.services.async_call(DOMAIN, action, data, blocking=True)
    assert mock_link.calls[-1] == action

    mock_link.reconnect_error = mock_link.resync_error = CannotConnect("refused")
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, action, data, blocking=True)
    assert err.value.translation_key == "action_failed"
    assert err.value.translation_placeholders == {
        "title": "Garage",
        "error": "refused",
    }


@pytest.mark.parametrize("action", ["reconnect", "resync"])
async def test_link_action_error_is_made_safe(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_link: FakeLink,
    action: str,
) -> None:
    """The remote's text in a failed link action: one line, without the token."""
    token = init_integration.data["access_token"]
    mock_link.reconnect_error = mock_link.resync_error = CommandFailed(
        "unknown_error", f"refused\n{token}\x1b[2J"
    )
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, action, {"config_entry_id": init_integration.entry_id}, True
        )
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["error"] == (
        "unknown_error: refused **REDACTED** [2J"
    )
    assert token not in str(err.value)


async def test_reconnect_with_a_refused_token(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_link: FakeLink
) -> None:
    """Reconnecting cannot fix a refused token: the user is told, nothing is tried."""
    mock_link.report(ConnectionState.AUTH_FAILED)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "reconnect",
            {"config_entry_id": init_integration.entry_id},
            blocking=True,
        )
    assert err.value.translation_key == "reconnect_auth_failed"
    assert "reconnect" not in mock_link.calls


@pytest.mark.parametrize("action", ["reconnect", "resync", "call_action"])
async def test_unknown_or_unloaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, action: str
) -> None:
    """An unknown entry and an unloaded one are each named in the error."""
    data = {"action": "light.turn_on"} if action == "call_action" else {}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, action, {"config_entry_id": "nope", **data}, blocking=True
        )
    assert err.value.translation_key == "entry_not_found"

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            action,
            {"config_entry_id": init_integration.entry_id, **data},
            blocking=True,
        )
    assert err.value.translation_key == "entry_not_loaded"
