"""POST /api/remote_bridge/{entry_id}/services/{domain}/{service}.

The test hass is both ends: its own ``POST /api/services/...`` is the answer the
bridge's view must give for the same call.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    fast_reconnects,
    setup_integration,
    stop_remote,
    wait_for,
)
from .test_services import RemoteActions


def url(entry: MockConfigEntry | str, action: str = "rb_test/echo") -> str:
    """Return the view's URL for an entry (or a raw entry id) and an action."""
    entry_id = entry if isinstance(entry, str) else entry.entry_id
    return f"/api/remote_bridge/{entry_id}/services/{action}"


async def post(remote: RemoteHass, path: str, body: Any = None, **kwargs: Any) -> Any:
    """POST as the admin; return ``(status, json)``."""
    headers = {"Authorization": f"Bearer {remote.token}"}
    response = await remote.http.post(path, json=body, headers=headers, **kwargs)
    return response.status, await response.json()


def shape(state: dict[str, Any]) -> tuple[Any, ...]:
    """Return what two answers for the same change share (not the contexts)."""
    return (
        sorted(state),
        state["entity_id"],
        state["state"],
        state["attributes"],
        sorted(state["context"]),
    )


async def test_answers_like_home_assistants_own_view(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """The changed states, and with ?return_response the response, as HA answers."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)
    body = {"entity_id": "light.kitchen", "message": "hi"}

    status, own = await post(remote, "/api/services/rb_test/echo", body)
    assert status == HTTPStatus.OK
    status, ours = await post(remote, url(entry), body)
    assert status == HTTPStatus.OK
    # Only the change the call made, not the one someone else made meanwhile.
    assert [s["entity_id"] for s in own] == [s["entity_id"] for s in ours]
    assert [s["entity_id"] for s in ours] == ["light.kitchen"]
    assert shape(ours[0])[0] == shape(own[0])[0]
    assert ours[0]["attributes"] == {"brightness": 2}
    assert ours[0]["context"]["id"] != own[0]["context"]["id"]

    status, own = await post(
        remote, "/api/services/rb_test/echo", body, params={"return_response": ""}
    )
    assert status == HTTPStatus.OK
    status, ours = await post(remote, url(entry), body, params={"return_response": ""})
    assert status == HTTPStatus.OK
    assert sorted(ours) == sorted(own) == ["changed_states", "service_response"]
    assert ours["service_response"] == own["service_response"]
    assert ours["service_response"] == {"echo": body}
    assert [shape(s)[1:4] for s in ours["changed_states"]] == [
        ("light.kitchen", "on", {"brightness": 4})
    ]
    assert len(actions.calls) == 4

    # An empty body is no data, as in Home Assistant's view.
    status, _ = await post(remote, url(entry, "rb_test/record"))
    assert status == HTTPStatus.OK
    assert dict(actions.calls[-1].data) == {}


async def test_bad_requests(hass: HomeAssistant, remote: RemoteHass) -> None:
    """Bad JSON, a body that is no object, an unknown entry; nothing is called."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)
    headers = {"Authorization": f"Bearer {remote.token}"}

    response = await remote.http.post(url(entry), data="{nope", headers=headers)
    assert response.status == HTTPStatus.BAD_REQUEST
    assert await response.json() == {"message": "Data should be valid JSON."}
    status, answer = await post(remote, url(entry), [1, 2])
    assert (status, answer) == (
        HTTPStatus.BAD_REQUEST,
        {"message": "Data should be a JSON object."},
    )
    status, answer = await post(remote, url("no-such-entry"), {})
    assert (status, answer) == (
        HTTPStatus.NOT_FOUND,
        {"message": "Remote bridge not found."},
    )
    assert actions.calls == []


async def test_admin_only(
    hass: HomeAssistant,
    remote: RemoteHass,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
) -> None:
    """An authenticated non-admin gets a 403; an anonymous request a 401."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)
    reader = await hass_client(hass_read_only_access_token)
    response = await reader.post(url(entry), json={})
    assert response.status == HTTPStatus.FORBIDDEN
    assert await response.json() == {"message": "Admin access required."}
    response = await remote.http.post(url(entry), json={})
    assert response.status == HTTPStatus.UNAUTHORIZED
    assert actions.calls == []


async def test_remote_refusals(hass: HomeAssistant, remote: RemoteHass) -> None:
    """The remote's validation errors are 400s with its message; failures 500s."""
    RemoteActions(hass)
    entry = await setup_integration(hass, remote)

    status, answer = await post(remote, url(entry), {"fail": "validation"})
    assert status == HTTPStatus.BAD_REQUEST
    assert answer["message"].startswith(
        "The remote of Garage could not run rb_test.echo: Validation error: bad input"
    )
    status, answer = await post(remote, url(entry, "rb_test/missing"), {})
    assert (status, answer) == (
        HTTPStatus.BAD_REQUEST,
        {
            "message": "The remote of Garage could not run rb_test.missing:"
            " Service rb_test.missing not found."
        },
    )
    # As in Home Assistant's view: no response from an action that has none.
    status, _ = await post(
        remote, url(entry, "rb_test/record"), {}, params={"return_response": ""}
    )
    assert status == HTTPStatus.BAD_REQUEST
    status, answer = await post(remote, url(entry), {"fail": "error"})
    assert (status, answer) == (
        HTTPStatus.INTERNAL_SERVER_ERROR,
        {
            "message": "The remote of Garage could not run rb_test.echo:"
            " the pump is stuck"
        },
    )


async def test_allowed_action_domains(hass: HomeAssistant, remote: RemoteHass) -> None:
    """A domain outside the allowed ones is a 403 with the translated message."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote, allowed_action_domains=["light"])
    status, answer = await post(remote, url(entry), {})
    assert (status, answer) == (
        HTTPStatus.FORBIDDEN,
        {
            "message": "Actions of the domain rb_test are not allowed for Garage"
            " (allowed: light)"
        },
    )
    assert actions.calls == []


async def test_down_link_is_503(
    hass: HomeAssistant, remote: RemoteHass, hass_client: ClientSessionGenerator
) -> None:
    """A bridge without its link answers 503 at once."""
    actions = RemoteActions(hass)
    entry = await setup_integration(hass, remote)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    await stop_remote(remote)
    await wait_for(lambda: not bridge.link.connected, what="the link to drop")
    # The remote's port is closed: ask this HA through a client of its own.
    client = await hass_client()
    response = await client.post(url(entry), json={})
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert await response.json() == {
        "message": "Garage is not connected to its remote: rb_test.echo was not called"
    }
    assert actions.calls == []
