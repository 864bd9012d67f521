"""Scenario 8: entities to drop never leave the remote.

``exclude_entities: ["sensor.*_power"]`` is sent to the remote as part of the
``subscribe_entities`` filter, so a chatty power sensor costs the bridge no
bytes at all: it is absent from the views, the stream and the wire. The
control half churns a kept sensor the same way, proving the byte count would
have seen the dropped one.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from http import HTTPStatus
import secrets

from aiohttp import ClientResponse
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.bridge import RemoteBridge
from tests.remote_ha import RemoteHA
from tests.views_helpers import next_event

from .conftest import Figures, add_bridge, bridge_of, comparable, wait_for

DROP = ["sensor.*_power"]
DROPPED = "sensor.kitchen_power"
CHANGES = 100  # of each churned sensor, about 1 KB each


def kept_here(entity_id: str) -> bool:
    """Apply this test's rule, written apart from the integration."""
    return not any(fnmatchcase(entity_id, glob) for glob in DROP)


async def churn(
    remote: RemoteHA, bridge: RemoteBridge, entity_id: str, sentinel: str, then: str
) -> tuple[int, int]:
    """Change ``entity_id`` CHANGES times, then ``sentinel`` to ``then``.

    Returns the bytes and changes the bridge received meanwhile. The remote
    sends in order, so once the sentinel is mirrored every frame about
    ``entity_id`` has arrived too: no settling time is needed.
    """
    received = bridge.link.bytes_received
    events = bridge.link.events_received
    for number in range(CHANGES):
        # A changing 1 KB attribute: each diff carries it in full.
        await remote.set_state(entity_id, str(number), {"load": f"{number:04}" * 250})
    await remote.set_state(sentinel, then)

    def arrived() -> bool:
        state = bridge.link.mirror.get(sentinel)
        return state is not None and state["state"] == then

    await wait_for(arrived, within=10, what="the sentinel")
    return (
        bridge.link.bytes_received - received,
        bridge.link.events_received - events,
    )


async def streamed_until(
    stream: ClientResponse, sentinel: str, then: str
) -> list[tuple[str, str | None]]:
    """Return the (entity id, state) changes streamed before the sentinel's."""
    seen: list[tuple[str, str | None]] = []
    while True:
        event, data = await next_event(stream)
        if event != "state":
            continue
        state = data["state"]["state"] if data["state"] else None
        if (data["entity_id"], state) == (sentinel, then):
            return seen
        seen.append((data["entity_id"], state))


async def test_entities_to_drop_stay_on_the_remote(
    local: HomeAssistant,
    hass_client: ClientSessionGenerator,
    remote_live: RemoteHA,
    figures: Figures,
) -> None:
    """A dropped glob's changes are never sent; the views and the stream agree."""
    tag = f"filters_{secrets.token_hex(3)}"
    kept_sensor = f"sensor.{tag}_kitchen_energy"
    sentinel = f"sensor.{tag}_sentinel"
    await remote_live.set_state(DROPPED, "0")
    await remote_live.set_state(kept_sensor, "0")
    entry = await add_bridge(local, remote_live, exclude_entities=DROP)
    bridge = bridge_of(entry)
    client = await hass_client()
    base = f"/api/remote_bridge/{entry.entry_id}"
    try:
        async with client.get(f"{base}/stream?domain=sensor") as stream:
            assert stream.status == HTTPStatus.OK
            event, snapshot = await next_event(stream)
            assert event == "snapshot"
            streamed = {s["entity_id"] for s in snapshot}
            assert kept_sensor in streamed
            assert DROPPED not in streamed

            dropped = await churn(remote_live, bridge, DROPPED, sentinel, "dropped")
            seen = await streamed_until(stream, sentinel, "dropped")
            assert not [change for change in seen if change[0] == DROPPED]

            kept = await churn(remote_live, bridge, kept_sensor, sentinel, "kept")
            seen = await streamed_until(stream, sentinel, "kept")
            assert [state for entity_id, state in seen if entity_id == kept_sensor] == [
                str(number) for number in range(CHANGES)
            ]
        figures("bytes received for 100 dropped changes + sentinel", dropped[0])
        figures("bytes received for 100 kept changes + sentinel", kept[0])

        # The wire: the kept churn costs 100 KB, the dropped one nothing but
        # the sentinel (and whatever else the remote changed meanwhile).
        assert kept[1] == CHANGES + 1
        assert kept[0] > CHANGES * 1000
        assert dropped[1] == 1
        assert dropped[0] < 5_000
        assert DROPPED not in bridge.link.mirror

        # The views: the single read and the list, against the remote's truth.
        response = await client.get(f"{base}/states/{DROPPED}")
        assert response.status == HTTPStatus.NOT_FOUND
        response = await client.get(f"{base}/states?domain=sensor")
        assert response.status == HTTPStatus.OK
        served = comparable(await response.json())
        want = {
            entity_id: value
            for entity_id, value in comparable(await remote_live.states()).items()
            if entity_id.startswith("sensor.") and kept_here(entity_id)
        }
        assert served == want
        assert served[kept_sensor][0] == str(CHANGES - 1)
    finally:
        for entity_id in (DROPPED, kept_sensor, sentinel):
            await remote_live.remove_state(entity_id)
