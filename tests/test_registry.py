"""The remote's registries, against a real remote: the test hass itself.

The remote's devices, areas, labels and registry entries are real (a config
entry of the remote holds the devices); the states are set directly. The
test hass is the local side too: its local devices show up on the "remote"
as well, and must never be taken for the remote's own.
"""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    label_registry as lr,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.remote_bridge.const import DOMAIN
from custom_components.remote_bridge.devices import async_entry_device
from custom_components.remote_bridge.diagnostics import (
    async_get_config_entry_diagnostics,
)

from .conftest import RemoteHass
from .integration_helpers import bridge_of, setup_integration, wait_for
from .registry_helpers import as_non_admin, refused

ENTRY_ID = "01JREGISTRY000000000000000"


@pytest.fixture
async def config_api(hass: HomeAssistant) -> None:
    """Serve the registries' websocket commands (the ``config`` component).

    Set up before ``remote``: it registers views, and the server freezes its
    router when it starts.
    """
    assert await async_setup_component(hass, "config", {})
    # Local media players would register a view later: too late then.
    assert await async_setup_component(hass, "media_player", {})


@pytest.fixture
def remote_registry(config_api: None, remote: RemoteHass) -> RemoteHass:
    """Return the remote, with its registries readable."""
    return remote


def add_remote_sensor(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    object_id: str,
    *,
    device: dr.DeviceEntry | None = None,
    **changes: Any,
) -> str:
    """Register ``sensor.rb_<object_id>`` on the remote and give it a state."""
    registry = er.async_get(hass)
    entry = registry.async_get_or_create(
        "sensor",
        "rb_remote",
        object_id,
        suggested_object_id=f"rb_{object_id}",
        config_entry=config_entry,
        device_id=device.id if device else None,
        original_name=object_id.title(),
        has_entity_name=device is not None,
    )
    if changes:
        registry.async_update_entity(entry.entity_id, **changes)
    hass.states.async_set(entry.entity_id, "1", {"friendly_name": object_id.title()})
    return entry.entity_id


def remote_config_entry(hass: HomeAssistant) -> MockConfigEntry:
    """Return a config entry of the remote's, for its devices."""
    entry = MockConfigEntry(domain="rb_remote", title="Remote integration")
    entry.add_to_hass(hass)
    return entry


def local_device(hass: HomeAssistant, remote_device_id: str) -> dr.DeviceEntry | None:
    """Return the local device standing for a remote device, if any."""
    return async_entry_device(hass, ENTRY_ID, f"{ENTRY_ID}-{remote_device_id}")


def local_entity(hass: HomeAssistant, remote_id: str) -> er.RegistryEntry | None:
    """Return the registry entry of the local entity standing for ``remote_id``."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{ENTRY_ID}-{remote_id}"
    )
    return registry.async_get(entity_id) if entity_id else None


async def test_devices_follow_the_remote(
    hass: HomeAssistant, remote_registry: RemoteHass
) -> None:
    """Local devices stand for the remote's: names, model, area; live, then gone."""
    areas = ar.async_get(hass)
    garage = areas.async_create("Garage")
    attic = areas.async_create("Attic")
    devices = dr.async_get(hass)
    source = remote_config_entry(hass)
    meter = devices.async_get_or_create(
        config_entry_id=source.entry_id,
        identifiers={("rb_remote", "meter")},
        name="Meter",
        manufacturer="Acme",
        model="M1",
        model_id="m-1",
        sw_version="1.2",
        hw_version="rev B",
    )
    devices.async_update_device(meter.id, area_id=garage.id)
    power = add_remote_sensor(hass, source, "power", device=meter)
    loose = add_remote_sensor(hass, source, "loose")
    entry = await setup_integration(
        hass,
        remote_registry,
        entry_id=ENTRY_ID,
        create_entities=True,
        entity_filters=["sensor.rb_"],
    )
    bridge_device = async_entry_device(hass, entry.entry_id)
    assert bridge_device is not None
    device = local_device(hass, meter.id)
    assert device is not None
    assert (device.name, device.manufacturer, device.model, device.model_id) == (
        "Meter",
        "Acme",
        "M1",
        "m-1",
    )
    assert (device.sw_version, device.hw_version) == ("1.2", "rev B")
    assert device.via_device_id == bridge_device.id
    assert device.area_id == garage.id
    power_entity = local_entity(hass, power)
    assert power_entity is not None
    assert power_entity.device_id == device.id
    # Named the modern way there, the same way here: "Meter Power".
    state = hass.states.get(power_entity.entity_id)
    assert state is not None
    assert state.name == "Meter Power"
    loose_entity = local_entity(hass, loose)
    assert loose_entity is not None
    assert loose_entity.device_id == bridge_device.id

    # Renamed and moved on the remote: followed without a reload.
    devices.async_update_device(meter.id, name_by_user="Main meter", area_id=attic.id)
    await wait_for(
        lambda: (
            (dev := local_device(hass, meter.id)) is not None
            and dev.name == "Main meter"
            and dev.area_id == attic.id
        ),
        what="the local device renamed and moved",
    )
    # Put in an area here: a later move on the remote leaves it there.
    devices.async_update_device(device.id, area_id=garage.id)
    await hass.async_block_till_done()
    cellar = areas.async_create("Cellar")
    devices.async_update_device(meter.id, area_id=cellar.id, name_by_user="Meter 2")
    await wait_for(
        lambda: (
            (dev := local_device(hass, meter.id)) is not None and dev.name == "Meter 2"
        ),
        what="the local device renamed again",
    )
    assert (dev := local_device(hass, meter.id)) is not None
    assert dev.area_id == garage.id

    # Deleted on the remote: the local device goes; the entity (its state
    # still there) joins the bridge's device.
    devices.async_remove_device(meter.id)
    await wait_for(
        lambda: local_device(hass, meter.id) is None, what="the local device removed"
    )
    power_entity = local_entity(hass, power)
    assert power_entity is not None
    assert power_entity.device_id == bridge_device.id


async def test_a_new_device_appears_and_a_stale_one_goes(
    hass: HomeAssistant, remote_registry: RemoteHass
) -> None:
    """A remote device gets a local one with its first entity, drops it after."""
    source = remote_config_entry(hass)
    entry = await setup_integration(
        hass,
        remote_registry,
        entry_id=ENTRY_ID,
        create_entities=True,
        entity_filters=["sensor.rb_"],
    )
    devices = dr.async_get(hass)
    plug = devices.async_get_or_create(
        config_entry_id=source.entry_id,
        identifiers={("rb_remote", "plug")},
        name="Plug",
    )
    remote_id = add_remote_sensor(hass, source, "plug_power", device=plug)
    await wait_for(
        lambda: (
            (e := local_entity(hass, remote_id)) is not None
            and (dev := local_device(hass, plug.id)) is not None
            and e.device_id == dev.id
        ),
        what="the new device and its entity",
    )
    hass.states.async_remove(remote_id)
    await wait_for(
        lambda: local_device(hass, plug.id) is None, what="the stale device removed"
    )
    assert [
        d.identifiers
        for d in dr.async_entries_for_config_entry(devices, entry.entry_id)
    ] == [{(DOMAIN, entry.entry_id)}]


async def test_sharing_by_label_is_live(
    hass: HomeAssistant, remote_registry: RemoteHass, caplog: pytest.LogCaptureFixture
) -> None:
    """Two of ten labelled: exactly those two; a relabel changes it, no reload."""
    source = remote_config_entry(hass)
    label = lr.async_get(hass).async_create("shared")
    ids = [add_remote_sensor(hass, source, f"s{number}") for number in range(10)]
    registry = er.async_get(hass)
    for remote_id in ids[:2]:
        registry.async_update_entity(remote_id, labels={label.label_id})
    entry = await setup_integration(
        hass,
        remote_registry,
        entry_id=ENTRY_ID,
        create_entities=True,
        entity_filters=["sensor.rb_"],
        include_labels=[label.label_id],
    )
    bridge = bridge_of(entry)
    assert sorted(s["entity_id"] for s in bridge.link.mirror.states()) == ids[:2]
    # The remote is sent the list: it drops the rest before sending.
    assert bridge.link.entity_filter.server_filter() == {
        "include": {"entities": ids[:2]}
    }
    # Every change that arrives is checked against the filter once and the
    # answer cached: the cache shows which ids came.
    decisions = bridge.link.entity_filter.decisions
    decisions.clear()
    received = bridge.link.events_received
    hass.states.async_set(ids[5], "2")
    hass.states.async_set(ids[0], "2")
    await wait_for(
        lambda: (s := bridge.link.mirror.get(ids[0])) is not None and s["state"] == "2",
        what="the shared change",
    )
    assert bridge.link.events_received == received + 1
    assert set(decisions) & set(ids) == {ids[0]}
    assert local_entity(hass, ids[0]) is not None
    assert local_entity(hass, ids[5]) is None

    registry.async_update_entity(ids[2], labels={label.label_id})
    await wait_for(
        lambda: local_entity(hass, ids[2]) is not None, what="the third one shared"
    )
    # Sharing another list took a new subscription (a reconnect).
    await wait_for(lambda: bridge.link.connected, what="subscribed again")
    registry.async_update_entity(ids[0], labels=set())
    await wait_for(lambda: local_entity(hass, ids[0]) is None, what="one unshared")
    assert sorted(s["entity_id"] for s in bridge.link.mirror.states()) == ids[1:3]
    # Subscribing again is no outage: nothing said about the link going down.
    assert "is unavailable (" not in caplog.text


async def test_hidden_entities_are_skipped(
    hass: HomeAssistant, remote_registry: RemoteHass
) -> None:
    """An entity hidden on the remote is not mirrored until it is shown again."""
    source = remote_config_entry(hass)
    shown = add_remote_sensor(hass, source, "shown")
    hidden = add_remote_sensor(
        hass, source, "hidden", hidden_by=er.RegistryEntryHider.USER
    )
    entry = await setup_integration(
        hass, remote_registry, entry_id=ENTRY_ID, entity_filters=["sensor.rb_"]
    )
    bridge = bridge_of(entry)
    assert shown in bridge.link.mirror
    assert hidden not in bridge.link.mirror
    er.async_get(hass).async_update_entity(hidden, hidden_by=None)
    await wait_for(lambda: hidden in bridge.link.mirror, what="the entity shown again")


async def test_areas_and_integrations_select(
    hass: HomeAssistant, remote_registry: RemoteHass
) -> None:
    """Each selection that is set must match: area and integration together."""
    source = remote_config_entry(hass)
    kitchen = ar.async_get(hass).async_create("Kitchen")
    inside = add_remote_sensor(hass, source, "inside", area_id=kitchen.id)
    add_remote_sensor(hass, source, "outside")
    hass.states.async_set("sensor.rb_unregistered", "1")
    entry = await setup_integration(
        hass,
        remote_registry,
        entry_id=ENTRY_ID,
        entity_filters=["sensor.rb_"],
        include_areas=[kitchen.id],
        include_integrations=["rb_remote"],
    )
    assert [s["entity_id"] for s in bridge_of(entry).link.mirror.states()] == [inside]


async def test_a_refused_registry_leaves_everything_on_the_bridge_device(
    hass: HomeAssistant, remote_registry: RemoteHass, caplog: pytest.LogCaptureFixture
) -> None:
    """No registries: entities mirrored and on the bridge's device; one info line."""
    source = remote_config_entry(hass)
    devices = dr.async_get(hass)
    meter = devices.async_get_or_create(
        config_entry_id=source.entry_id, identifiers={("rb_remote", "m")}, name="M"
    )
    power = add_remote_sensor(hass, source, "power", device=meter)
    with patch(
        "custom_components.remote_bridge.remote.registry_watcher.read_registry",
        refused,
    ):
        entry = await setup_integration(
            hass,
            remote_registry,
            entry_id=ENTRY_ID,
            create_entities=True,
            entity_filters=["sensor.rb_"],
        )
        bridge = bridge_of(entry)
        await bridge.async_reconnect()
        await wait_for(lambda: bridge.link.connected, what="reconnected")
    bridge_device = async_entry_device(hass, entry.entry_id)
    assert bridge_device is not None
    power_entity = local_entity(hass, power)
    assert power_entity is not None
    assert power_entity.device_id == bridge_device.id
    said = [
        r
        for r in caplog.records
        if r.name.startswith("custom_components.remote_bridge")
        and "registries" in r.getMessage()
    ]
    assert [r.levelno for r in said] == [logging.INFO]
    assert "not an administrator" in said[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["registry"]["status"] == "unauthorized"


async def test_a_non_admin_token_reads_the_registries(
    hass: HomeAssistant, remote_registry: RemoteHass
) -> None:
    """Home Assistant lets any user read the registries: devices still come."""
    source = remote_config_entry(hass)
    meter = dr.async_get(hass).async_get_or_create(
        config_entry_id=source.entry_id, identifiers={("rb_remote", "m")}, name="M"
    )
    power = add_remote_sensor(hass, source, "power", device=meter)
    friend = await as_non_admin(hass, remote_registry)
    await setup_integration(
        hass,
        friend,
        entry_id=ENTRY_ID,
        create_entities=True,
        entity_filters=["sensor.rb_"],
    )
    device = local_device(hass, meter.id)
    assert device is not None
    power_entity = local_entity(hass, power)
    assert power_entity is not None
    assert power_entity.device_id == device.id


async def test_options_offer_the_remotes_labels_areas_integrations(
    hass: HomeAssistant, remote_registry: RemoteHass
) -> None:
    """The options form lists what the remote has, read when it opens."""
    source = remote_config_entry(hass)
    add_remote_sensor(hass, source, "power")
    entry = await setup_integration(
        hass, remote_registry, entry_id=ENTRY_ID, entity_filters=["sensor.rb_"]
    )
    label = lr.async_get(hass).async_create("Shared")
    area = ar.async_get(hass).async_create("Shed")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM

    def offered(key: str) -> dict[str, str]:
        schema = result["data_schema"]
        assert schema is not None
        for marker, selector in schema.schema.items():
            if str(marker) == key:
                return {o["value"]: o["label"] for o in selector.config["options"]}
        raise AssertionError(key)

    assert offered("include_labels")[label.label_id] == "Shared"
    assert offered("include_areas")[area.id] == "Shed"
    assert "rb_remote" in offered("include_integrations")
