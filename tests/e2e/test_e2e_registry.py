"""The remote's registries against a real remote process.

The remote runs the ``rb_registry_probe`` component: a config entry with a
device "Meter" (area "Garage") holding two sensors named the modern way, and
ten loose sensors ``sensor.probe_share_0`` … ``_9``. Its registries are changed
over its own websocket API, as its owner would in the UI.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import logging
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
import pytest
import pytest_asyncio

from custom_components.remote_bridge.const import DOMAIN
from custom_components.remote_bridge.devices import async_entry_device
from tests.remote_ha import RemoteHA, mint_token

from .conftest import Figures, add_bridge, bridge_of, wait_for

PROBE = Path(__file__).resolve().parents[1] / "remote_components" / "rb_registry_probe"
REMOTE_CONFIG = "config:\nrb_registry_probe:\n"
SHARE_IDS = [f"sensor.probe_share_{n}" for n in range(10)]
POWER = "sensor.meter_power"


@pytest_asyncio.fixture
async def probe_remote(
    tmp_path: Path, socket_enabled: None
) -> AsyncGenerator[RemoteHA]:
    """Start a remote with the registry probe (and a non-admin user) for this test."""
    remote = RemoteHA(
        tmp_path / "probe_remote",
        name="Probe Home",
        extra_config=REMOTE_CONFIG,
        components=(PROBE,),
    )
    remote.provision()
    remote.friend_token = mint_token(remote.config_dir, "friend", owner=False)  # type: ignore[attr-defined]
    try:
        await remote.async_start()
        await wait_for_probe(remote)
        yield remote
    finally:
        try:
            await remote.aclose()
        finally:
            await remote.async_kill()


async def wait_for_probe(remote: RemoteHA) -> None:
    """Wait until the probe's entities exist (its entry is imported after start)."""

    async def ready() -> bool:
        ids = {state["entity_id"] for state in await remote.states()}
        return POWER in ids and set(SHARE_IDS) <= ids

    await wait_for(ready, within=20, what="the probe's entities")


async def remote_ws(remote: RemoteHA, message: dict[str, Any]) -> Any:
    """Send a command to the remote as its owner."""
    return await remote.ws_command(message, token=remote.admin_token)


async def remote_device_id(remote: RemoteHA) -> str:
    """Return the remote's id of the probe's Meter."""
    devices = await remote_ws(remote, {"type": "config/device_registry/list"})
    device_id: str = next(d["id"] for d in devices if d["name"] == "Meter")
    return device_id


def local_entity(
    hass: HomeAssistant, entry_id: str, remote_id: str
) -> er.RegistryEntry | None:
    """Return the registry entry of the local entity standing for ``remote_id``."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{entry_id}-{remote_id}"
    )
    return registry.async_get(entity_id) if entity_id else None


def local_device(
    hass: HomeAssistant, entry_id: str, remote_device: str
) -> dr.DeviceEntry | None:
    """Return the local device standing for a remote device."""
    return async_entry_device(hass, entry_id, f"{entry_id}-{remote_device}")


async def test_devices_and_areas_follow_a_real_remote(
    hass: HomeAssistant, probe_remote: RemoteHA, figures: Figures
) -> None:
    """The Meter appears here, follows a rename and a move, and goes when deleted."""
    remote = probe_remote
    meter = await remote_device_id(remote)
    entry = await add_bridge(
        hass, remote, create_entities=True, entity_filters=["sensor.meter_"]
    )
    device = local_device(hass, entry.entry_id, meter)
    assert device is not None
    assert (device.name, device.manufacturer, device.model, device.model_id) == (
        "Meter",
        "Acme",
        "M1",
        "m-1",
    )
    assert (device.sw_version, device.hw_version) == ("1.2", "rev B")
    bridge_device = async_entry_device(hass, entry.entry_id)
    assert bridge_device is not None
    assert device.via_device_id == bridge_device.id
    areas = ar.async_get(hass)
    garage = areas.async_get_area(device.area_id or "")
    assert garage is not None
    assert garage.name == "Garage"
    power = local_entity(hass, entry.entry_id, POWER)
    assert power is not None
    assert power.device_id == device.id
    state = hass.states.get(power.entity_id)
    assert state is not None
    assert state.name == "Meter Power"

    # Renamed and moved on the remote: here within 2 s, no reload.
    attic = await remote_ws(
        remote, {"type": "config/area_registry/create", "name": "Attic"}
    )
    await remote_ws(
        remote,
        {
            "type": "config/device_registry/update",
            "device_id": meter,
            "name_by_user": "Main meter",
            "area_id": attic["area_id"],
        },
    )

    def followed() -> bool:
        dev = local_device(hass, entry.entry_id, meter)
        area = areas.async_get_area(dev.area_id or "") if dev else None
        return (
            dev is not None
            and dev.name == "Main meter"
            and area is not None
            and area.name == "Attic"
        )

    started = hass.loop.time()
    await wait_for(followed, within=2, what="the rename and the move")
    figures("registry change to local device (s)", round(hass.loop.time() - started, 3))
    state = hass.states.get(power.entity_id)
    assert state is not None
    assert state.name == "Main meter Power"

    # Deleted on the remote (its entry let go of it): gone here too.
    probe_entry = next(
        e["entry_id"]
        for e in await remote_ws(
            remote, {"type": "config_entries/get", "domain": "rb_registry_probe"}
        )
    )
    await remote_ws(
        remote,
        {
            "type": "config/device_registry/remove_config_entry",
            "device_id": meter,
            "config_entry_id": probe_entry,
        },
    )
    await wait_for(
        lambda: local_device(hass, entry.entry_id, meter) is None,
        within=5,
        what="the local device removed",
    )


async def test_sharing_by_label_on_a_real_remote(
    hass: HomeAssistant, probe_remote: RemoteHA
) -> None:
    """Two of ten labelled: only those cross the wire; a relabel is live."""
    remote = probe_remote
    label = await remote_ws(
        remote, {"type": "config/label_registry/create", "name": "shared"}
    )
    label_id = label["label_id"]

    async def set_labels(entity_id: str, labels: list[str]) -> None:
        await remote_ws(
            remote,
            {
                "type": "config/entity_registry/update",
                "entity_id": entity_id,
                "labels": labels,
            },
        )

    for entity_id in SHARE_IDS[:2]:
        await set_labels(entity_id, [label_id])
    entry = await add_bridge(
        hass,
        remote,
        create_entities=True,
        entity_filters=["sensor.probe_"],
        include_labels=[label_id],
    )
    bridge = bridge_of(entry)
    assert sorted(s["entity_id"] for s in bridge.link.mirror.states()) == SHARE_IDS[:2]
    assert bridge.link.entity_filter.server_filter() == {
        "include": {"entities": SHARE_IDS[:2]}
    }
    # Every change that arrives is checked against the filter once and the
    # answer cached: after the burst, the cache shows which ids came.
    decisions = bridge.link.entity_filter.decisions
    decisions.clear()
    received = bridge.link.events_received
    for entity_id in SHARE_IDS:
        await remote.set_state(entity_id, "7")
    await wait_for(
        lambda: all(
            (s := bridge.link.mirror.get(e)) and s["state"] == "7"
            for e in SHARE_IDS[:2]
        ),
        within=5,
        what="the shared changes",
    )
    # The remote sent the two shared changes, not the eight others.
    assert bridge.link.events_received == received + 2
    assert set(decisions) & set(SHARE_IDS) == set(SHARE_IDS[:2])
    assert local_entity(hass, entry.entry_id, SHARE_IDS[2]) is None

    await set_labels(SHARE_IDS[2], [label_id])
    await wait_for(
        lambda: local_entity(hass, entry.entry_id, SHARE_IDS[2]) is not None,
        within=5,
        what="the third one shared",
    )
    await wait_for(lambda: bridge.link.connected, within=5, what="subscribed again")
    await set_labels(SHARE_IDS[0], [])
    await wait_for(
        lambda: local_entity(hass, entry.entry_id, SHARE_IDS[0]) is None,
        within=5,
        what="one unshared",
    )
    assert sorted(s["entity_id"] for s in bridge.link.mirror.states()) == SHARE_IDS[1:3]


async def test_a_non_admin_token_works_on_a_real_remote(
    hass: HomeAssistant, probe_remote: RemoteHA, caplog: pytest.LogCaptureFixture
) -> None:
    """A plain user's token: mirrored, on their devices, controllable; no error."""
    remote = probe_remote
    remote.token = remote.friend_token  # type: ignore[attr-defined]
    entry = await add_bridge(
        hass, remote, create_entities=True, entity_filters=["sensor.meter_"]
    )
    bridge = bridge_of(entry)
    assert POWER in bridge.link.mirror
    power = local_entity(hass, entry.entry_id, POWER)
    assert power is not None
    assert power.device_id is not None
    # Controllable: an action goes through with this token.
    await bridge.async_call_remote(
        "homeassistant", "update_entity", target={"entity_id": POWER}
    )
    assert bridge.registry.status.value == "read"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
