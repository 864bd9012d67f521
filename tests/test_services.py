"""The reconnect and resync actions."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.remote_bridge.const import DOMAIN
from custom_components.remote_bridge.remote import CannotConnect

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
    mirror = bridge_of(entry).mirror
    mirror.replace_all([{"entity_id": "light.hall", **mirror.get("light.hall")}])
    assert "light.kitchen" not in mirror
    assert len(mirror) == 1

    await call(hass, "resync", entry.entry_id)

    assert len(mirror) == 3
    assert mirror.get("light.kitchen")["state"] == "on"
    assert bridge_of(entry).connected


async def test_reconnect_opens_a_new_link(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Reconnect drops the link and is connected again soon after."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    old_link = bridge.client.connected_since

    await call(hass, "reconnect", entry.entry_id)
    await wait_for(
        lambda: bridge.connected and bridge.client.connected_since != old_link,
        what="a new link",
    )
    assert len(bridge.mirror) == 3


async def test_reconnect_after_giving_up(
    hass: HomeAssistant, remote: RemoteHass, issue_registry: ir.IssueRegistry
) -> None:
    """The repair issue's way out: reconnect once the remote is back."""
    entry = await setup_integration(hass, remote, reconnect_max_attempts=1)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    await stop_remote(remote)
    await wait_for(lambda: bridge.client.gave_up, what="giving up")
    assert issue_registry.async_get_issue(
        DOMAIN, f"remote_unreachable_{entry.entry_id}"
    )

    # Still down: the action starts one more round, which gives up again.
    await call(hass, "reconnect", entry.entry_id)
    await wait_for(lambda: bridge.client.gave_up, what="giving up again")

    await start_remote(remote)
    await call(hass, "reconnect", entry.entry_id)
    await wait_for(lambda: bridge.connected, what="reconnected")
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
    await wait_for(lambda: not bridge.connected, what="the link to drop")

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
            bridge_of(entry).client, "reconnect", side_effect=CannotConnect("gone")
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await call(hass, "reconnect", entry.entry_id)
    assert str(err.value) == "The action failed for Garage: gone"
