"""The actions: reconnect, resync and call_action, against the test hass as remote."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from homeassistant.core import (
    Context,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
import voluptuous as vol

from custom_components.remote_bridge.const import DOMAIN
from custom_components.remote_bridge.redact import REMOTE_TEXT_LIMIT
from custom_components.remote_bridge.remote import CannotConnect, ConnectionState

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    closed_port_url,
    fast_reconnects,
    mock_entry,
    seed_remote,
    setup_integration,
    start_remote,
    stop_remote,
    wait_for,
)


async def call(hass: HomeAssistant, action: str, entry_id: str) -> None:
    """Call one of the integration's actions and wait for it."""
    await hass.services.async_call(
        DOMAIN, action, {"config_entry_id": entry_id}, blocking=True
    )


async def test_resync_restores_the_mirror(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Resync takes a fresh snapshot: what the mirror lost comes back."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    mirror = bridge_of(entry).link.mirror
    hall = mirror.get("light.hall")
    assert hall is not None
    mirror.replace_all([{"entity_id": "light.hall", **hall}])
    assert "light.kitchen" not in mirror
    assert len(mirror) == 1

    await call(hass, "resync", entry.entry_id)

    assert len(mirror) == 3
    assert (mirror.get("light.kitchen") or {}).get("state") == "on"
    assert bridge_of(entry).link.connected


async def test_reconnect_opens_a_new_link(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Reconnect drops the link and is connected again soon after."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    old_link = bridge.link.client.connected_since

    await call(hass, "reconnect", entry.entry_id)
    await wait_for(
        lambda: (
            bridge.link.connected and bridge.link.client.connected_since != old_link
        ),
        what="a new link",
    )
    assert len(bridge.link.mirror) == 3


async def test_reconnect_after_giving_up(
    hass: HomeAssistant, remote: RemoteHass, issue_registry: ir.IssueRegistry
) -> None:
    """The repair issue's way out: reconnect once the remote is back."""
    entry = await setup_integration(hass, remote, reconnect_max_attempts=1)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    await stop_remote(remote)
    await wait_for(lambda: bridge.link.stats().gave_up, what="giving up")
    assert issue_registry.async_get_issue(
        DOMAIN, f"remote_unreachable_{entry.entry_id}"
    )

    # Still down: the action starts one more round, which gives up again.
    await call(hass, "reconnect", entry.entry_id)
    await wait_for(lambda: bridge.link.stats().gave_up, what="giving up again")

    await start_remote(remote)
    await call(hass, "reconnect", entry.entry_id)
    await wait_for(lambda: bridge.link.connected, what="reconnected")
    await hass.async_block_till_done()
    assert not issue_registry.async_get_issue(
        DOMAIN, f"remote_unreachable_{entry.entry_id}"
    )


async def test_resync_while_disconnected_fails_translated(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """A resync without a link says so, in the user's language."""
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    await stop_remote(remote)
    await wait_for(lambda: not bridge.link.connected, what="the link to drop")

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "resync", entry.entry_id)
    assert err.value.translation_key == "action_failed"
    assert err.value.translation_placeholders == {
        "title": "Garage",
        "error": "the remote is not connected",
    }
    assert not isinstance(err.value, ServiceValidationError)


async def test_unknown_entry(hass: HomeAssistant, remote: RemoteHass) -> None:
    """An entry id that is not a Remote Bridge is refused, translated."""
    other = MockConfigEntry(domain="other_domain", data={})
    other.add_to_hass(hass)
    for entry_id in ("no-such-entry", other.entry_id):
        for action in ("reconnect", "resync"):
            with pytest.raises(ServiceValidationError) as err:
                await call(hass, action, entry_id)
            assert err.value.translation_domain == DOMAIN
            assert err.value.translation_key == "entry_not_found"
            assert err.value.translation_placeholders == {"entry_id": entry_id}
            assert entry_id in str(err.value)


async def test_unloaded_entry(hass: HomeAssistant, remote: RemoteHass) -> None:
    """An entry that is not loaded is refused, translated, with its title."""
    entry = mock_entry(url=closed_port_url(), token=remote.token)
    entry.add_to_hass(hass)
    for action in ("reconnect", "resync"):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, action, entry.entry_id)
        assert err.value.translation_key == "entry_not_loaded"
        assert err.value.translation_placeholders == {"title": "Garage"}
        assert str(err.value) == "The Remote Bridge entry Garage is not loaded"


async def test_action_error_from_the_core(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """A failure of the client is a translated HomeAssistantError."""
    entry = await setup_integration(hass, remote)
    with (
        patch.object(
            bridge_of(entry).link.client, "reconnect", side_effect=CannotConnect("gone")
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await call(hass, "reconnect", entry.entry_id)
    assert str(err.value) == "The action failed for Garage: gone"


async def test_reconnect_and_resync_are_admin_only(
    hass: HomeAssistant, remote: RemoteHass, hass_read_only_user: MockUser
) -> None:
    """A non-admin user may not drop or resync the link."""
    entry = await setup_integration(hass, remote)
    before = bridge_of(entry).stats
    for action in ("reconnect", "resync"):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": entry.entry_id},
                blocking=True,
                context=Context(user_id=hass_read_only_user.id),
            )
    after = bridge_of(entry).stats
    # Neither a new connection nor a new snapshot.
    assert after.connected_since == before.connected_since
    assert after.snapshots == before.snapshots


async def test_reconnect_with_a_refused_token_says_so(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Reconnecting cannot help a refused token: the user is told to reauthenticate."""
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    refresh_token = hass.auth.async_validate_access_token(remote.token)
    assert refresh_token is not None
    hass.auth.async_remove_refresh_token(refresh_token)
    await wait_for(
        lambda: bridge.link.link_state is ConnectionState.AUTH_FAILED, what="auth"
    )

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "reconnect", entry.entry_id)
    assert err.value.translation_key == "reconnect_auth_failed"
    assert str(err.value) == (
        "The remote of Garage refused the access token: re-authenticate the entry"
        " before reconnecting"
    )
    assert bridge.link.link_state is ConnectionState.AUTH_FAILED


# -- call_action ------------------------------------------------------------------


class RemoteActions:
    """Actions registered on the remote (the test hass), recording their calls."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Register ``rb_test.echo`` (answers) and ``rb_test.record`` (notify-like)."""
        self.calls: list[ServiceCall] = []
        self.release = asyncio.Event()
        self.blocking = False

        async def echo(call: ServiceCall) -> ServiceResponse:
            self.calls.append(call)
            # One change of the call, and one of someone else meanwhile.
            hass.states.async_set(
                "light.kitchen",
                "on",
                {"brightness": len(self.calls)},
                context=call.context,
            )
            hass.states.async_set("switch.pump", str(len(self.calls)))
            if self.blocking:
                await self.release.wait()
            if call.data.get("fail") == "validation":
                raise ServiceValidationError("bad\x00 input\n\x1b[31m" + "x" * 1000)
            if call.data.get("fail") == "error":
                raise HomeAssistantError("the pump is stuck")
            if not call.return_response:
                return None
            return {"echo": dict(call.data)}

        async def record(call: ServiceCall) -> None:
            self.calls.append(call)

        hass.services.async_register(
            "rb_test", "echo", echo, supports_response=SupportsResponse.OPTIONAL
        )
        hass.services.async_register("rb_test", "record", record)


async def call_action(
    hass: HomeAssistant,
    entry_id: str,
    action: str,
    *,
    response: bool = False,
    context: Context | None = None,
    **fields: Any,
) -> ServiceResponse:
    """Call ``remote_bridge.call_action``; ``response``: with a response variable."""
    return await hass.services.async_call(
        DOMAIN,
        "call_action",
        {"config_entry_id": entry_id, "action": action, **fields},
        blocking=True,
        return_response=response,
        context=context,
    )


async def test_call_action_returns_the_remote_response(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """The remote runs the action with data and target; its response comes back."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)

    response = await call_action(
        hass,
        entry.entry_id,
        "rb_test.echo",
        data={"message": "hello"},
        target={"entity_id": "light.kitchen"},
        response=True,
    )

    assert response == {"echo": {"message": "hello", "entity_id": ["light.kitchen"]}}
    (remote_call,) = actions.calls
    assert remote_call.return_response
    # The remote saw its own (websocket) user, not this HA's caller.
    assert remote_call.context.user_id is not None


async def test_call_action_notify_like(hass: HomeAssistant, remote: RemoteHass) -> None:
    """An action without a response receives the data; the action answers nothing."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)

    assert (
        await call_action(
            hass, entry.entry_id, "rb_test.record", data={"title": "Hi", "n": 2}
        )
        is None
    )
    (remote_call,) = actions.calls
    assert dict(remote_call.data) == {"title": "Hi", "n": 2}
    assert not remote_call.return_response

    # The field asks the remote for a response even without a response variable
    # (actions that only answer with one need it); the caller gets nothing.
    assert (
        await call_action(
            hass,
            entry.entry_id,
            "rb_test.echo",
            data={"entity_id": "light.x"},
            return_response=True,
        )
        is None
    )
    assert actions.calls[-1].return_response


async def test_call_action_is_admin_only(
    hass: HomeAssistant,
    remote: RemoteHass,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    """A non-admin user is refused before anything reaches the remote."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)

    with pytest.raises(Unauthorized):
        await call_action(
            hass,
            entry.entry_id,
            "rb_test.record",
            context=Context(user_id=hass_read_only_user.id),
        )
    assert actions.calls == []

    await call_action(
        hass,
        entry.entry_id,
        "rb_test.record",
        context=Context(user_id=hass_admin_user.id),
    )
    assert len(actions.calls) == 1


async def test_call_action_remote_errors_translated(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """The remote's refusal keeps its message, cleaned and capped, translated."""
    RemoteActions(hass)
    entry = await setup_integration(hass, remote)

    with pytest.raises(ServiceValidationError) as err:
        await call_action(
            hass, entry.entry_id, "rb_test.echo", data={"fail": "validation"}
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "remote_action_failed"
    assert err.value.translation_placeholders is not None
    error = err.value.translation_placeholders["error"]
    assert error.startswith("Validation error: bad input [31mxxx")
    assert len(error) == REMOTE_TEXT_LIMIT
    assert error.endswith("…")
    assert error.isprintable()
    assert str(err.value).startswith(
        "The remote of Garage could not run rb_test.echo: Validation error: bad input"
    )

    with pytest.raises(HomeAssistantError) as failed:
        await call_action(hass, entry.entry_id, "rb_test.echo", data={"fail": "error"})
    assert not isinstance(failed.value, ServiceValidationError)
    assert str(failed.value) == (
        "The remote of Garage could not run rb_test.echo: the pump is stuck"
    )

    # An action the remote does not have is the caller's mistake.
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, entry.entry_id, "rb_test.missing")
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["error"] == (
        "Service rb_test.missing not found."
    )


async def test_call_action_down_link_fails_at_once(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Nothing is sent while the link is down, and a drop fails a running call."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)

    # The link drops while the remote is still running the action: the call
    # fails then, not after the command timeout.
    actions.blocking = True
    running = hass.async_create_task(call_action(hass, entry.entry_id, "rb_test.echo"))
    await wait_for(lambda: actions.calls, what="the remote to start the action")
    await stop_remote(remote)
    with pytest.raises(HomeAssistantError) as err:
        await running
    assert err.value.translation_key == "remote_not_connected"
    assert not actions.release.is_set()
    actions.release.set()

    await wait_for(lambda: not bridge.link.connected, what="the link to drop")
    with (
        patch.object(bridge.link.client, "send_command") as send,
        pytest.raises(HomeAssistantError) as err,
    ):
        await call_action(hass, entry.entry_id, "rb_test.record")
    send.assert_not_called()
    assert not isinstance(err.value, ServiceValidationError)
    assert str(err.value) == (
        "Garage is not connected to its remote: rb_test.record was not called"
    )


async def test_call_action_timeout(hass: HomeAssistant, remote: RemoteHass) -> None:
    """A remote that does not answer in time is reported, translated."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)
    actions.blocking = True
    with (
        patch("custom_components.remote_bridge.bridge.ACTION_TIMEOUT", 0.05),
        pytest.raises(HomeAssistantError) as err,
    ):
        await call_action(hass, entry.entry_id, "rb_test.echo")
    actions.release.set()
    assert err.value.translation_key == "remote_action_timeout"
    assert bridge_of(entry).link.connected  # a slow action is not a dead link


async def test_call_action_allowed_domains(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Only the allowed domains may be called; the refusal is translated."""
    actions = RemoteActions(hass)
    hass.services.async_register("rb_other", "record", actions.calls.append)
    entry = await setup_integration(
        hass, remote, allowed_action_domains=["rb_test", "light"]
    )

    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, entry.entry_id, "rb_other.record")
    assert err.value.translation_key == "action_not_allowed"
    assert str(err.value) == (
        "Actions of the domain rb_other are not allowed for Garage"
        " (allowed: rb_test, light)"
    )
    assert actions.calls == []

    await call_action(hass, entry.entry_id, "rb_test.record")
    assert len(actions.calls) == 1


async def test_call_action_validates_its_fields(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """A malformed action name or an unknown entry never reaches a remote."""
    entry = await setup_integration(hass, remote)
    with pytest.raises(vol.Invalid):
        await call_action(hass, entry.entry_id, "not an action")
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "no-such-entry", "rb_test.record")
    assert err.value.translation_key == "entry_not_found"
