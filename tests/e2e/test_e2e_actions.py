"""Remote actions against a real remote: ``call_action`` and the POST view.

The remote of this module has a script that answers with a response, an
``input_text``, and ``rb_action_probe.record``, a notify-like action that keeps
the data it received in ``sensor.rb_action_probe`` (read back over REST).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from http import HTTPStatus
from pathlib import Path
import time
from typing import Any
from unittest.mock import patch

from homeassistant.core import Context, HomeAssistant, ServiceResponse
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
import pytest
import pytest_asyncio
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import pytest_socket

from custom_components.remote_bridge.const import DOMAIN
from tests.remote_ha import HELPER_COMPONENT, RemoteHA

from .conftest import Figures, add_bridge, bridge_of, wait_for

PROBE_COMPONENT = (
    Path(__file__).resolve().parents[1] / "remote_components" / "rb_action_probe"
)
REMOTE_CONFIG = """
rb_action_probe:
input_text:
  rb_note:
    name: Note
script:
  rb_answer:
    fields:
      name:
        example: Ada
    sequence:
      # A change that is not the call's (a context of its own): never reported.
      - action: rb_test_helper.bulk_set
        data:
          count: "{{ name | length + 1 }}"
          prefix: sensor.rb_other_
          entities: 1
      - variables:
          answer:
            greeting: "Hello {{ name }}"
            number: 42
      - stop: Answered
        response_variable: answer
  rb_slow:
    sequence:
      - delay: 60
"""


@pytest.fixture(scope="module")
def actions_remote(tmp_path_factory: pytest.TempPathFactory) -> Generator[RemoteHA]:
    """Start the remote of this module once; always stop it."""
    pytest_socket.enable_socket()  # module fixtures run while sockets are blocked
    remote = RemoteHA(
        tmp_path_factory.mktemp("actions_remote"),
        name="Action Home",
        components=(HELPER_COMPONENT, PROBE_COMPONENT),
        extra_config=REMOTE_CONFIG,
    )
    try:
        remote.start()
        yield remote
    finally:
        remote.stop()


@pytest_asyncio.fixture
async def remote(
    actions_remote: RemoteHA, socket_enabled: None
) -> AsyncGenerator[RemoteHA]:
    """Return the module's remote, running; close this loop's session after."""
    try:
        if not actions_remote.running:
            await actions_remote.async_start()  # the down-link test killed it
        yield actions_remote
    finally:
        await actions_remote.aclose()


async def bridge(
    hass: HomeAssistant, remote: RemoteHA, **options: Any
) -> MockConfigEntry:
    """Set up a bridge to the remote; wait until it mirrors the test entities."""
    entry = await add_bridge(hass, remote, **options)
    mirror = bridge_of(entry).link.mirror
    await wait_for(
        lambda: "input_text.rb_note" in mirror and "script.rb_answer" in mirror,
        within=10,
        what="the remote's entities in the mirror",
    )
    return entry


async def call_action(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    action: str,
    data: dict[str, Any] | None = None,
    *,
    response: bool = False,
    context: Context | None = None,
) -> ServiceResponse:
    """Call ``remote_bridge.call_action`` and wait for it."""
    return await hass.services.async_call(
        DOMAIN,
        "call_action",
        {"config_entry_id": entry.entry_id, "action": action, "data": data or {}},
        blocking=True,
        return_response=response,
        context=context,
    )


async def probe(remote: RemoteHA) -> dict[str, Any]:
    """Return what ``rb_action_probe.record`` last received (``{}``: never called)."""
    for state in await remote.states():
        if state["entity_id"] == "sensor.rb_action_probe":
            return {"calls": int(state["state"]), **state["attributes"]}
    return {"calls": 0}


async def test_call_action(
    local: HomeAssistant,
    remote: RemoteHA,
    hass_read_only_user: MockUser,
    figures: Figures,
) -> None:
    """A script answers; a notify-like action gets the data; admins only."""
    hass = local
    entry = await bridge(hass, remote)

    started = time.monotonic()
    response = await call_action(
        hass, entry, "script.rb_answer", {"name": "Ada"}, response=True
    )
    figures(
        "call_action round trip with response (ms)",
        (time.monotonic() - started) * 1000,
    )
    assert response == {"greeting": "Hello Ada", "number": 42}

    before = await probe(remote)
    data = {"message": "Garage door open", "title": "Garage", "data": {"priority": 2}}
    assert await call_action(hass, entry, "rb_action_probe.record", data) is None
    received = await probe(remote)
    assert received["calls"] == before["calls"] + 1
    assert received["data"] == data
    assert received["user_id"]  # the remote's token user called it

    # A non-admin user of this HA is refused; nothing reaches the remote.
    with pytest.raises(Unauthorized):
        await call_action(
            hass,
            entry,
            "rb_action_probe.record",
            data,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert (await probe(remote))["calls"] == received["calls"]

    # The remote's own validation, translated, with its message.
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, entry, "input_text.set_value", {"value": "x"})
    assert err.value.translation_key == "remote_action_failed"
    assert str(err.value).startswith(
        "The remote of Action Home could not run input_text.set_value:"
    )


async def test_allowed_action_domains(local: HomeAssistant, remote: RemoteHA) -> None:
    """An action outside the allowed domains is refused, translated, unsent."""
    hass = local
    entry = await bridge(hass, remote, allowed_action_domains=["script"])
    before = await probe(remote)
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, entry, "rb_action_probe.record", {"message": "x"})
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "action_not_allowed"
    assert str(err.value) == (
        "Actions of the domain rb_action_probe are not allowed for Action Home"
        " (allowed: script)"
    )
    assert await probe(remote) == before
    assert await call_action(
        hass, entry, "script.rb_answer", {"name": "Bo"}, response=True
    ) == {"greeting": "Hello Bo", "number": 42}


def shape(answer: Any) -> Any:
    """Replace every value by its type, keeping keys: what two answers share."""
    if isinstance(answer, dict):
        return {key: shape(value) for key, value in sorted(answer.items())}
    if isinstance(answer, list):
        return [shape(value) for value in answer]
    return type(answer).__name__


async def test_post_view_answers_like_the_remote(
    local: HomeAssistant,
    remote: RemoteHA,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
) -> None:
    """The same call through the bridge and on the remote: the same answer."""
    hass = local
    entry = await bridge(hass, remote)
    client = await hass_client()
    ours_base = f"/api/remote_bridge/{entry.entry_id}/services"

    async def ours(action: str, body: dict[str, Any], query: str = "") -> Any:
        response = await client.post(f"{ours_base}/{action}{query}", json=body)
        assert response.status == HTTPStatus.OK, await response.text()
        return await response.json()

    note = "input_text.rb_note"
    own = await remote.rest(
        "POST", "/api/services/input_text/set_value", {"entity_id": note, "value": "a"}
    )
    bridged = await ours("input_text/set_value", {"entity_id": note, "value": "b"})
    assert shape(bridged) == shape(own)
    assert [(s["entity_id"], s["state"]) for s in own] == [(note, "a")]
    assert [(s["entity_id"], s["state"]) for s in bridged] == [(note, "b")]
    assert bridged[0]["attributes"] == own[0]["attributes"]
    # The bridged change is the remote's own: its context, its timestamps.
    (truth,) = [s for s in await remote.states() if s["entity_id"] == note]
    assert bridged[0]["context"] == truth["context"]
    assert bridged[0]["last_changed"] == truth["last_changed"]

    # Names of different lengths: each call changes sensor.rb_other_0 anew.
    own = await remote.rest(
        "POST", "/api/services/script/rb_answer?return_response", {"name": "Cy"}
    )
    bridged = await ours("script/rb_answer", {"name": "Dee"}, "?return_response")
    assert sorted(bridged) == ["changed_states", "service_response"]
    assert own["service_response"] == {"greeting": "Hello Cy", "number": 42}
    assert bridged["service_response"] == {"greeting": "Hello Dee", "number": 42}
    assert (bridge_of(entry).link.mirror.get("sensor.rb_other_0") or {}).get(
        "state"
    ) == "3"
    # Each entity once (Home Assistant lists the script once per change).
    assert sorted(s["entity_id"] for s in bridged["changed_states"]) == sorted(
        {s["entity_id"] for s in own["changed_states"]}
    )
    assert shape(bridged["service_response"]) == shape(own["service_response"])
    assert shape(bridged["changed_states"][-1]) == shape(own["changed_states"][-1])

    reader = await hass_client(hass_read_only_access_token)
    response = await reader.post(f"{ours_base}/script/rb_answer", json={})
    assert response.status == HTTPStatus.FORBIDDEN
    assert await response.json() == {"message": "Admin access required."}


async def test_down_link_fails_at_once(
    local: HomeAssistant,
    remote: RemoteHA,
    hass_client: ClientSessionGenerator,
    figures: Figures,
) -> None:
    """The remote dies during a call: it fails then; later calls fail unsent.

    Kills the module's remote, so it runs last (the fixture restarts it if not).
    """
    hass = local
    entry = await bridge(hass, remote, reconnect_max_delay=60)
    bridge_ = bridge_of(entry)
    running = hass.async_create_task(call_action(hass, entry, "script.rb_slow"))
    await wait_for(
        lambda: (
            (state := bridge_.link.mirror.get("script.rb_slow")) is not None
            and state["state"] == "on"
        ),
        within=10,
        what="the slow script to run on the remote",
    )
    killed = time.monotonic()
    await remote.async_kill()
    with pytest.raises(HomeAssistantError) as err:
        await running
    failed_after = time.monotonic() - killed
    figures("remote killed during a call to the call failing (ms)", failed_after * 1000)
    assert err.value.translation_key == "remote_not_connected"

    await wait_for(lambda: not bridge_.link.connected, within=10, what="the link down")
    with (
        patch.object(bridge_.link.client, "send_command") as send,
        pytest.raises(HomeAssistantError) as err,
    ):
        await call_action(hass, entry, "script.rb_answer", {"name": "Di"})
    send.assert_not_called()
    assert str(err.value) == (
        "Action Home is not connected to its remote: script.rb_answer was not called"
    )
    client = await hass_client()
    response = await client.post(
        f"/api/remote_bridge/{entry.entry_id}/services/script/rb_answer", json={}
    )
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert (await response.json())["message"] == str(err.value)
