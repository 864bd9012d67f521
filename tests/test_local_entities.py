"""Local entities (``create_entities``) against a real remote: the test hass itself.

The remote's entities are real and controllable: the ``demo`` platforms,
``input_*`` helpers and a scene, plus a few states set directly. The test
hass is the local side too, so every test is also the loop case: the local
entities appear on the remote, and must never come back as new ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from functools import partial
from typing import Any
from unittest.mock import patch

from homeassistant.components.update import UpdateEntityFeature
from homeassistant.const import Platform, __version__ as ha_version
from homeassistant.core import HomeAssistant, State, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.json import json_dumps
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads_object
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props
import voluptuous as vol

from custom_components.remote_bridge.const import ATTR_BRIDGED_FROM, DOMAIN
from custom_components.remote_bridge.devices import async_entry_device

from .conftest import RemoteHass
from .integration_helpers import (
    bridge_of,
    current_state,
    fast_reconnects,
    mock_entry,
    setup_integration,
    start_remote,
    stop_remote,
    wait_for,
)
from .registry_helpers import refused

ENTRY_ID = "01JLOCALENTITIES0000000000"
PREFIX = "garage_"
DEMO_PLATFORMS = [
    Platform.BUTTON,
    Platform.CLIMATE,
    Platform.COVER,
    Platform.EVENT,
    Platform.FAN,
    Platform.HUMIDIFIER,
    Platform.LIGHT,
    Platform.LOCK,
    Platform.MEDIA_PLAYER,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SIREN,
    Platform.SWITCH,
    Platform.TEXT,
    Platform.UPDATE,
    Platform.VACUUM,
    Platform.VALVE,
    Platform.WATER_HEATER,
]
FILTERS = [
    "binary_sensor.rb_",
    "button.",
    "climate.",
    "cover.",
    "event.",
    "fan.",
    "humidifier.",
    "input_",
    "light.",
    "lock.",
    "media_player.",
    "number.",
    "scene.",
    "select.",
    "sensor.rb_",
    "siren.",
    "switch.",
    "text.",
    "update.",
    "vacuum.",
    "valve.",
    "water_heater.",
]


@pytest.fixture
async def seeded(hass: HomeAssistant) -> AsyncIterator[None]:
    """Give the remote controllable entities of every supported domain.

    Runs before ``remote``: some of them register views, and the server
    freezes its router when it starts.
    """
    # The demo's button and event share a device that only the button names.
    # Set up together, whichever comes first decides the event's entity id
    # (``event.push_button_press`` or ``event.demo_button_press``), so the
    # event joins once the button has named the device.
    platforms: list[Platform] = [p for p in DEMO_PLATFORMS if p != Platform.EVENT]
    with patch(
        "homeassistant.components.demo.COMPONENTS_WITH_CONFIG_ENTRY_DEMO_PLATFORM",
        platforms,
    ):
        assert await async_setup_component(hass, "homeassistant", {})
        # The remote's registry is read over the websocket API of `config`.
        assert await async_setup_component(hass, "config", {})
        assert await async_setup_component(hass, "demo", {})
        await hass.async_block_till_done()
        (demo_entry,) = hass.config_entries.async_entries("demo")
        await hass.config_entries.async_forward_entry_setups(
            demo_entry, [Platform.EVENT]
        )
        platforms.append(Platform.EVENT)
        await hass.async_block_till_done()
        assert hass.states.get("event.push_button_press") is not None
        await seed(hass)
        yield
        # Unload the demo while only its patched platforms are known.
        for entry in hass.config_entries.async_entries("demo"):
            assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def bridged(seeded: None, remote: RemoteHass) -> RemoteHass:
    """Return the seeded remote, serving over 127.0.0.1."""
    return remote


async def seed(hass: HomeAssistant) -> None:
    """Add the helpers, a scene and states set directly."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"rb_heater": {"name": "Heater"}}}
    )
    assert await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"rb_level": {"min": 0, "max": 10, "step": 0.5}}},
    )
    assert await async_setup_component(
        hass,
        "input_select",
        {"input_select": {"rb_mode": {"options": ["eco", "comfort", "away"]}}},
    )
    assert await async_setup_component(
        hass, "input_text", {"input_text": {"rb_note": {"max": 20}}}
    )
    assert await async_setup_component(
        hass, "input_button", {"input_button": {"rb_bell": {"name": "Bell"}}}
    )
    assert await async_setup_component(
        hass,
        "scene",
        {"scene": [{"name": "Movie", "entities": {"light.bed_light": "on"}}]},
    )
    await hass.async_block_till_done()
    hass.states.async_set(
        "sensor.rb_outside",
        "3.5",
        {
            "unit_of_measurement": "°C",
            "device_class": "temperature",
            "state_class": "measurement",
            "friendly_name": "Outside",
        },
    )
    hass.states.async_set(
        "sensor.rb_boot", "2026-12-01T10:00:00+00:00", {"device_class": "timestamp"}
    )
    hass.states.async_set(
        "sensor.rb_phase",
        "day",
        {"device_class": "enum", "options": ["day", "night"], "icon": "mdi:sun"},
    )
    hass.states.async_set("binary_sensor.rb_door", "on", {"device_class": "door"})
    hass.states.async_set("sensor.rb_gone", "unavailable")
    await hass.async_block_till_done()


async def start(
    hass: HomeAssistant, remote: RemoteHass, **options: Any
) -> MockConfigEntry:
    """Bridge the seeded remote with local entities on."""
    options = {
        "create_entities": True,
        "entity_prefix": PREFIX,
        "entity_filters": FILTERS,
        "exclude_domains": ["camera", "automation"],
        **options,
    }
    entry = await setup_integration(hass, remote, entry_id=ENTRY_ID, **options)
    await hass.async_block_till_done()
    return entry


def local_entries(
    hass: HomeAssistant, entry: MockConfigEntry
) -> list[er.RegistryEntry]:
    """Return the registry entries of the entry's local entities."""
    return [
        reg_entry
        for reg_entry in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if reg_entry.unique_id.startswith(f"{entry.entry_id}-")
    ]


def local_id(hass: HomeAssistant, entry: MockConfigEntry, remote_id: str) -> str:
    """Return the local entity id that stands for ``remote_id``."""
    domain = {
        "input_text": "text",
        "input_boolean": "switch",
        "input_number": "number",
        "input_select": "select",
        "input_button": "button",
    }.get(remote_id.partition(".")[0], remote_id.partition(".")[0])
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.entry_id}-{remote_id}"
    )
    assert entity_id is not None, remote_id
    return entity_id


def local_state(hass: HomeAssistant, entry: MockConfigEntry, remote_id: str) -> State:
    """Return the local state that stands for ``remote_id``."""
    state = hass.states.get(local_id(hass, entry, remote_id))
    assert state is not None, remote_id
    return state


def shown(state: State) -> tuple[str, dict[str, Any]]:
    """Return what a user sees of a state: the string and the attributes (JSON)."""
    attributes = dict(state.attributes)
    attributes.pop(ATTR_BRIDGED_FROM, None)
    shown_attributes: dict[str, Any] = json_loads_object(json_dumps(attributes))
    return state.state, shown_attributes


# Newer Home Assistant puts the device's name before every entity's name.
DEVICE_NAME_FIRST = hasattr(er, "async_get_legacy_friendly_name")


def local_shown(
    hass: HomeAssistant, entry: MockConfigEntry, remote_id: str
) -> tuple[str, dict[str, Any]]:
    """Return what a user sees of the local entity, as the remote names it.

    Where Home Assistant itself puts the device's name first (2026 and later),
    an entity on the bridge's device (one without a device on the remote)
    shows the bridge's name first: that prefix is Home Assistant's, taken off.
    """
    state = local_state(hass, entry, remote_id)
    value, attributes = shown(state)
    reg_entry = er.async_get(hass).async_get(state.entity_id)
    if DEVICE_NAME_FIRST and reg_entry is not None and reg_entry.device_id:
        device = dr.async_get(hass).async_get(reg_entry.device_id)
        # Only the bridge's own device: a remote device's name is the remote's too.
        on_bridge = (
            device is not None and (DOMAIN, entry.entry_id) in device.identifiers
        )
        device_name = (
            (device.name_by_user or device.name) if device and on_bridge else None
        )
        name = attributes.get("friendly_name")
        if device_name and name == device_name:
            del attributes["friendly_name"]  # nameless on the remote
        elif device_name and isinstance(name, str):
            attributes["friendly_name"] = name.removeprefix(f"{device_name} ")
    return value, attributes


def same_as_remote(hass: HomeAssistant, entry: MockConfigEntry, remote_id: str) -> bool:
    """Return True if the local entity shows what the remote entity shows."""
    remote_state = hass.states.get(remote_id)
    assert remote_state is not None, remote_id
    return local_shown(hass, entry, remote_id) == shown(remote_state)


def follows(hass: HomeAssistant, entry: MockConfigEntry, remote_id: str) -> bool:
    """Return True once the local entity shows the remote's (or has no state)."""
    return same_as_remote(hass, entry, remote_id) or remote_id.startswith(
        ("button.", "scene.")
    )


# The Home Assistant whose demo entities the snapshots record.
SNAPSHOT_VERSION = "2025.4.4"


def resolve(hass: HomeAssistant, remote_id: str) -> str:
    """Return the remote's entity id ending like ``remote_id``.

    Newer demos name some entities after their devices
    (``vacuum.demo_vacuum_0_ground_floor`` for ``vacuum.0_ground_floor``).
    """
    if hass.states.get(remote_id) is not None:
        return remote_id
    domain, _, object_id = remote_id.partition(".")
    (found,) = (
        state.entity_id
        for state in hass.states.async_all(domain)
        if state.entity_id.endswith(f"_{object_id}")
        and ATTR_BRIDGED_FROM not in state.attributes
    )
    return found


def registered(reg_entry: er.RegistryEntry) -> dict[str, Any]:
    """Return what the registry holds of a local entity that we decide.

    Only these fields: the rest of a registry entry (and how it serialises)
    changes between Home Assistant versions.
    """
    return {
        "entity_id": reg_entry.entity_id,
        "unique_id": reg_entry.unique_id,
        "platform": reg_entry.platform,
        "has_device": reg_entry.device_id is not None,
        "original_name": reg_entry.original_name,
        "original_device_class": reg_entry.original_device_class,
        "original_icon": reg_entry.original_icon,
        "supported_features": reg_entry.supported_features,
        # Newer Home Assistant keys some capabilities by enum members.
        "capabilities": reg_entry.capabilities
        and {str(key): value for key, value in reg_entry.capabilities.items()},
        "unit_of_measurement": reg_entry.unit_of_measurement,
        "entity_category": reg_entry.entity_category,
        "disabled_by": reg_entry.disabled_by,
    }


async def test_entities_show_the_remote(
    hass: HomeAssistant, bridged: RemoteHass, snapshot: SnapshotAssertion
) -> None:
    """Every supported remote entity has a local twin with its state and attributes."""
    entry = await start(hass, bridged)
    remote_ids = sorted(
        state.entity_id
        for state in hass.states.async_all()
        if state.entity_id.startswith(tuple(FILTERS))
        and ATTR_BRIDGED_FROM not in state.attributes
    )
    reg_entries = local_entries(hass, entry)
    assert sorted(e.unique_id.partition("-")[2] for e in reg_entries) == remote_ids
    remote_shown = {rid: shown(current_state(hass, rid)) for rid in remote_ids}
    local_seen = {rid: local_shown(hass, entry, rid) for rid in remote_ids}
    # A picture that is a path on the remote is made a URL of the remote.
    for _, attributes in local_seen.values():
        if (picture := attributes.get("entity_picture", "")).startswith("http://"):
            attributes["entity_picture"] = picture.removeprefix(bridged.url)
    # Update entities are read-only here: of their features only PROGRESS stays.
    for remote_id in remote_ids:
        if remote_id.startswith("update."):
            remote_features = remote_shown[remote_id][1].pop("supported_features")
            local_features = local_seen[remote_id][1].pop("supported_features")
            assert local_features == remote_features & UpdateEntityFeature.PROGRESS
    assert local_seen == remote_shown
    for remote_id in remote_ids:
        local = local_state(hass, entry, remote_id)
        # Home Assistant writes no attributes of an unavailable entity.
        if local.state != "unavailable":
            assert local.attributes[ATTR_BRIDGED_FROM] == remote_id
    assert local_id(hass, entry, "light.bed_light") == "light.garage_bed_light"
    assert local_id(hass, entry, "input_boolean.rb_heater") == "switch.garage_rb_heater"
    assert local_state(hass, entry, "sensor.rb_gone").state == "unavailable"
    if ha_version != SNAPSHOT_VERSION:
        # The demo's entities (ids, attributes) change between versions; the
        # equality with the remote above holds on every one.
        return
    for reg_entry in sorted(reg_entries, key=lambda e: e.entity_id):
        assert registered(reg_entry) == snapshot(name=f"{reg_entry.entity_id}-entry")
        # A media player has a proxy token and the time its position was read.
        assert hass.states.get(reg_entry.entity_id) == snapshot(
            name=f"{reg_entry.entity_id}-state",
            exclude=props("entity_picture", "media_position_updated_at"),
        )


async def test_remote_change_reaches_local(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """A change made on the remote shows locally; nothing else is written."""
    entry = await start(hass, bridged)
    await hass.services.async_call(
        "light", "turn_on", {"entity_id": "light.bed_light", "brightness": 42}, True
    )
    await wait_for(
        lambda: (
            local_state(hass, entry, "light.bed_light").attributes.get("brightness")
            == 42
        ),
        what="the local light follows",
    )
    assert same_as_remote(hass, entry, "light.bed_light")

    # A remote write that changes nothing shown (only its timestamps) writes
    # nothing here; a real change is written once.
    written: list[str] = []

    @callback
    def every(_data: Any) -> bool:
        return True

    for event_type in ("state_changed", "state_reported"):
        hass.bus.async_listen(
            event_type,
            callback(lambda event: written.append(event.data["entity_id"])),
            event_filter=every,
        )
    outside = hass.states.get("sensor.rb_outside")
    assert outside is not None
    local_outside = local_id(hass, entry, "sensor.rb_outside")
    hass.states.async_set(
        "sensor.rb_outside", "3.5", outside.attributes, force_update=True
    )
    hass.states.async_set("sensor.rb_outside", "4.0", outside.attributes)
    await wait_for(
        lambda: local_state(hass, entry, "sensor.rb_outside").state == "4.0",
        what="the change",
    )
    await hass.async_block_till_done()
    assert written.count(local_outside) == 1


async def call(hass: HomeAssistant, domain: str, service: str, **data: Any) -> None:
    """Call a local action and wait for it."""
    await hass.services.async_call(domain, service, data, blocking=True)


async def test_local_actions_change_the_remote(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """Local actions go to the remote entity; the local state follows the remote."""
    entry = await start(hass, bridged)
    light = local_id(hass, entry, "light.bed_light")
    await call(
        hass, "light", "turn_on", entity_id=light, brightness=100, hs_color=(300, 70)
    )
    remote_light = hass.states.get("light.bed_light")
    assert remote_light is not None
    assert remote_light.state == "on"
    assert remote_light.attributes["brightness"] == 100
    assert remote_light.attributes["hs_color"] == (300, 70)
    await wait_for(lambda: same_as_remote(hass, entry, "light.bed_light"))
    assert current_state(hass, light).attributes["brightness"] == 100

    await call(
        hass,
        "cover",
        "set_cover_position",
        entity_id=local_id(hass, entry, "cover.living_room_window"),
        position=30,
    )
    for second in range(1, 6):  # the demo cover moves 10 % a second
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=second))
        await hass.async_block_till_done()
    assert (
        current_state(hass, "cover.living_room_window").attributes["current_position"]
        == 30
    )
    await wait_for(lambda: same_as_remote(hass, entry, "cover.living_room_window"))

    await call(
        hass,
        "climate",
        "set_temperature",
        entity_id=local_id(hass, entry, "climate.hvac"),
        temperature=23,
    )
    assert current_state(hass, "climate.hvac").attributes["temperature"] == 23
    await wait_for(lambda: same_as_remote(hass, entry, "climate.hvac"))

    for remote_id, option in (
        ("select.speed", "light_speed"),
        ("input_select.rb_mode", "away"),
    ):
        await call(
            hass,
            "select",
            "select_option",
            entity_id=local_id(hass, entry, remote_id),
            option=option,
        )
        assert current_state(hass, remote_id).state == option
        await wait_for(partial(same_as_remote, hass, entry, remote_id))

    for remote_id, value, shown_as in (
        ("number.volume", 42, "42.0"),
        ("input_number.rb_level", 7.5, "7.5"),
    ):
        await call(
            hass,
            "number",
            "set_value",
            entity_id=local_id(hass, entry, remote_id),
            value=value,
        )
        assert current_state(hass, remote_id).state == shown_as
        await wait_for(partial(same_as_remote, hass, entry, remote_id))

    await call(
        hass,
        "switch",
        "turn_on",
        entity_id=local_id(hass, entry, "input_boolean.rb_heater"),
    )
    assert current_state(hass, "input_boolean.rb_heater").state == "on"
    await wait_for(lambda: same_as_remote(hass, entry, "input_boolean.rb_heater"))


async def test_bad_actions_raise_the_remotes_error(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """Invalid data fails like on the remote; the remote's refusal is shown."""
    entry = await start(hass, bridged)
    # Validated here with the same schema as on the remote (brightness is clamped).
    with pytest.raises(vol.Invalid, match="100"):
        await call(
            hass,
            "light",
            "turn_on",
            entity_id=local_id(hass, entry, "light.bed_light"),
            brightness_pct=150,
        )
    # Make the local select offer an option the remote entity refuses.
    remote_mode = hass.states.get("input_select.rb_mode")
    assert remote_mode is not None
    hass.states.async_set(
        "input_select.rb_mode",
        remote_mode.state,
        {**remote_mode.attributes, "options": ["eco", "comfort", "away", "bogus"]},
    )
    select = local_id(hass, entry, "input_select.rb_mode")
    await wait_for(lambda: "bogus" in current_state(hass, select).attributes["options"])
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "select", "select_option", entity_id=select, option="bogus")
    assert err.value.translation_key == "remote_action_failed"
    assert "bogus" in str(err.value)  # the remote's own message


async def test_a_token_without_rights_is_refused(
    hass: HomeAssistant, bridged: RemoteHass, hass_read_only_access_token: str
) -> None:
    """A read-only token mirrors, but the remote refuses its actions."""
    entry = mock_entry(
        bridged,
        token=hass_read_only_access_token,
        entry_id=ENTRY_ID,
        create_entities=True,
        entity_prefix=PREFIX,
        entity_filters=["input_boolean."],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    switch = local_id(hass, entry, "input_boolean.rb_heater")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "switch", "turn_on", entity_id=switch)
    assert err.value.translation_key == "remote_action_failed"
    assert current_state(hass, "input_boolean.rb_heater").state == "off"


async def test_link_down_raises_at_once_then_unavailable_past_ttl(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """Down: actions fail at once, states stay until cache_ttl, then unavailable."""
    entry = await start(hass, bridged, cache_ttl=60)
    bridge = bridge_of(entry)
    fast_reconnects(bridge)
    switch = local_id(hass, entry, "switch.decorative_lights")
    await stop_remote(bridged)
    await wait_for(lambda: not bridge.link.connected, what="the link is down")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "switch", "turn_off", entity_id=switch)
    assert err.value.translation_key == "remote_not_connected"
    assert current_state(hass, switch).state == "on"  # within the cache's lifetime

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done()
    assert current_state(hass, switch).state == "unavailable"

    await start_remote(bridged)
    await wait_for(lambda: bridge.link.connected, what="reconnected")
    await hass.async_block_till_done()
    assert current_state(hass, switch).state == "on"
    assert same_as_remote(hass, entry, "switch.decorative_lights")


async def test_removed_on_the_remote_goes_locally(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """An entity the remote removes is removed here, registry entry included."""
    entry = await start(hass, bridged)
    sensor = local_id(hass, entry, "sensor.rb_outside")
    hass.states.async_remove("sensor.rb_outside")
    await wait_for(lambda: hass.states.get(sensor) is None, what="removed locally")
    assert er.async_get(hass).async_get(sensor) is None
    # A new remote entity appears locally.
    hass.states.async_set("sensor.rb_new", "1")
    await wait_for(
        lambda: hass.states.get("sensor.garage_rb_new") is not None, what="added"
    )


async def test_option_off_removes_the_entities(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """Turning create_entities off removes the entities and their registry entries."""
    entry = await start(hass, bridged)
    light = local_id(hass, entry, "light.bed_light")
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "create_entities": False}
    )
    await hass.async_block_till_done()
    assert local_entries(hass, entry) == []
    assert hass.states.get(light) is None
    assert hass.states.get("light.bed_light") is not None  # the remote's own


async def test_two_bridges_linking_each_other_make_no_loop(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """The test hass bridges itself: its own local entities never come back.

    With no prefix, the registry resolves each collision with ``_2``; the
    bridge's diagnostic sensors (platform remote_bridge, no marker) are
    kept out through the remote's registry.
    """
    filters = ["light.", "sensor.", "binary_sensor."]
    entry = await start(hass, bridged, entity_prefix="", entity_filters=filters)
    registry = er.async_get(hass)
    diagnostic = {
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.unique_id.startswith(f"{entry.entry_id}_")
    }
    assert diagnostic
    remote_ids = {e.unique_id.partition("-")[2] for e in local_entries(hass, entry)}
    assert not remote_ids & diagnostic
    assert local_id(hass, entry, "light.bed_light") == "light.bed_light_2"
    lights = hass.states.async_entity_ids("light")
    assert "light.bed_light_3" not in lights

    changes: list[str] = []
    hass.bus.async_listen(
        "state_changed", lambda event: changes.append(event.data["entity_id"])
    )
    await call(hass, "light", "turn_on", entity_id="light.bed_light", brightness=9)
    await wait_for(lambda: "light.bed_light_2" in changes, what="the local twin")
    for _ in range(20):
        await hass.async_block_till_done()
        await wait_for(lambda: True)
    assert sorted(changes) == ["light.bed_light", "light.bed_light_2"]
    assert hass.states.async_entity_ids("light") == lights


async def test_update_cache_off_still_follows(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """Local entities need full states: the mirror keeps them even then."""
    entry = await start(hass, bridged, update_cache=False)
    assert bridge_of(entry).link.mirror.update_cache
    await call(hass, "switch", "turn_off", entity_id="switch.decorative_lights")
    await wait_for(
        lambda: local_state(hass, entry, "switch.decorative_lights").state == "off",
        what="the local switch follows",
    )


# (remote entity, local action, its data, what the remote shows after it)
MORE_ACTIONS: list[tuple[str, str, dict[str, Any], Callable[[HomeAssistant], bool]]] = [
    (
        "fan.living_room_fan",
        "set_percentage",
        {"percentage": 33},
        lambda h: (
            current_state(h, "fan.living_room_fan").attributes["percentage"] == 33
        ),
    ),
    (
        # Fan's turn_on handler passes these by position.
        "fan.living_room_fan",
        "turn_on",
        {"preset_mode": "sleep"},
        lambda h: (
            current_state(h, "fan.living_room_fan").attributes["preset_mode"] == "sleep"
        ),
    ),
    (
        "lock.front_door",
        "unlock",
        {},
        lambda h: current_state(h, "lock.front_door").state == "unlocked",
    ),
    (
        "valve.front_garden",
        "close_valve",
        {},
        lambda h: current_state(h, "valve.front_garden").state == "closed",
    ),
    (
        "cover.kitchen_window",
        "close_cover",
        {},
        lambda h: current_state(h, "cover.kitchen_window").state == "closed",
    ),
    (
        "humidifier.humidifier",
        "set_humidity",
        {"humidity": 60},
        lambda h: (
            current_state(h, "humidifier.humidifier").attributes["humidity"] == 60
        ),
    ),
    (
        "water_heater.demo_water_heater_celsius",
        "set_operation_mode",
        {"operation_mode": "eco"},
        lambda h: (
            current_state(h, "water_heater.demo_water_heater_celsius").state == "eco"
        ),
    ),
    (
        "climate.ecobee",
        "set_fan_mode",
        {"fan_mode": "on_low"},
        lambda h: current_state(h, "climate.ecobee").attributes["fan_mode"] == "on_low",
    ),
    (
        "vacuum.0_ground_floor",
        "start",
        {},
        lambda h: (
            current_state(h, resolve(h, "vacuum.0_ground_floor")).state == "cleaning"
        ),
    ),
    (
        "media_player.bedroom",
        "volume_set",
        {"volume_level": 0.3},
        lambda h: (
            current_state(h, "media_player.bedroom").attributes["volume_level"] == 0.3
        ),
    ),
    (
        # Mute is the local argument's name, is_volume_muted the remote's.
        "media_player.bedroom",
        "volume_mute",
        {"is_volume_muted": True},
        lambda h: current_state(h, "media_player.bedroom").attributes[
            "is_volume_muted"
        ],
    ),
    (
        "text.text",
        "set_value",
        {"value": "Hi"},
        lambda h: current_state(h, "text.text").state == "Hi",
    ),
    (
        "input_text.rb_note",
        "set_value",
        {"value": "note"},
        lambda h: current_state(h, "input_text.rb_note").state == "note",
    ),
    (
        "siren.siren",
        "turn_off",
        {},
        lambda h: current_state(h, "siren.siren").state == "off",
    ),
    (
        "scene.movie",
        "turn_on",
        {},
        lambda h: current_state(h, "light.bed_light").state == "on",
    ),
    (
        "button.push",
        "press",
        {},
        lambda h: current_state(h, "button.push").state != "unknown",
    ),
]


async def test_every_domain_forwards_its_actions(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """Actions of every domain: the remote changes, then the local follows."""
    entry = await start(hass, bridged)
    with (
        patch("homeassistant.components.demo.lock.LOCK_UNLOCK_DELAY", 0),
        patch("homeassistant.components.demo.valve.OPEN_CLOSE_DELAY", 0),
    ):
        for wanted, service, data, done in MORE_ACTIONS:
            remote_id = resolve(hass, wanted)
            entity_id = local_id(hass, entry, remote_id)
            await call(
                hass, entity_id.partition(".")[0], service, entity_id=entity_id, **data
            )
            await wait_for(partial(done, hass), what=f"{remote_id} {service}")
            await wait_for(
                partial(follows, hass, entry, remote_id),
                what=f"local {remote_id} follows",
            )
    # The demo button fires the demo event entity: it arrives here as an event.
    event = local_state(hass, entry, "event.push_button_press")
    assert event.state != "unknown"
    assert event.attributes["event_type"] == "pressed"


async def test_devices_stand_for_the_remotes(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """An entity of a remote device belongs to a local device standing for it."""
    entry = await start(hass, bridged)
    devices = dr.async_get(hass)
    bridge_device = async_entry_device(hass, entry.entry_id)
    assert bridge_device is not None
    remote_light = er.async_get(hass).async_get("light.bed_light")
    assert remote_light is not None
    assert remote_light.device_id is not None
    local_light = er.async_get(hass).async_get(local_id(hass, entry, "light.bed_light"))
    assert local_light is not None
    assert local_light.device_id is not None
    device = devices.async_get(local_light.device_id)
    assert isinstance(device, dr.DeviceEntry)
    assert device.identifiers == {
        (DOMAIN, f"{entry.entry_id}-{remote_light.device_id}")
    }
    assert device.name == "Bed Light"
    assert device.via_device_id == bridge_device.id
    # State-only remote entities belong to the bridge's device.
    sensor = er.async_get(hass).async_get(local_id(hass, entry, "sensor.rb_outside"))
    assert sensor is not None
    assert sensor.device_id == bridge_device.id

    # Gone with their entities: the option turned off leaves the bridge's device.
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "create_entities": False}
    )
    await hass.async_block_till_done()
    assert devices.async_get(device.id) is None
    assert [
        d.id for d in dr.async_entries_for_config_entry(devices, entry.entry_id)
    ] == [bridge_device.id]


async def test_the_marker_alone_keeps_loops_out(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """A token that cannot read the registry: the marker attribute still works."""
    with patch(
        "custom_components.remote_bridge.remote.registry_watcher.read_registry", refused
    ):
        entry = await start(
            hass, bridged, entity_prefix="", entity_filters=["light.", "switch."]
        )
        assert bridge_of(entry).registry.snapshot is None
        lights = hass.states.async_entity_ids("light")
        assert local_id(hass, entry, "light.bed_light") == "light.bed_light_2"
        assert "light.bed_light_3" not in lights
        await call(hass, "light", "turn_off", entity_id="light.bed_light_2")
        await wait_for(
            lambda: current_state(hass, "light.bed_light").state == "off",
            what="the remote light off",
        )
        await wait_for(
            lambda: current_state(hass, "light.bed_light_2").state == "off",
            what="the local light off",
        )
        await hass.async_block_till_done()
        assert hass.states.async_entity_ids("light") == lights
        local_lights = [
            e for e in local_entries(hass, entry) if e.entity_id.startswith("light.")
        ]
        assert len(local_lights) == len(lights) // 2
