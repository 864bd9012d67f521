"""How local entities write a change of the remote's state alone.

Most of a busy remote's changes change an entity's state and nothing else.
Where the domain's base class computes the same attributes whatever the
state, the entity writes the new state with the attributes it last wrote
instead of computing them all again. These tests check that the shortcut
writes exactly what ``async_write_ha_state`` would, against a real remote
(the test hass itself), and that it never takes an action's context away.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, Event, HomeAssistant, State, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_component import DATA_INSTANCES

from . import test_local_entities as local
from .conftest import RemoteHass
from .integration_helpers import wait_for
from .test_local_entities import local_id, local_state, start

# The remote's fixtures, used by name.
seeded = local.seeded
bridged = local.bridged

# Remote entities whose state changes alone here, and a new state for each.
STATE_ALONE = {
    "sensor.rb_outside": "4.5",  # sensor: a number with unit and device class
    "sensor.rb_phase": "night",  # sensor: an enum with options
    "binary_sensor.rb_door": "off",
    "input_boolean.rb_heater": "on",  # a switch here
    "input_select.rb_mode": "away",  # a select here
    "input_number.rb_level": "7.5",  # a number here
}


def entity_object(hass: HomeAssistant, entity_id: str) -> Entity:
    """Return the local entity object behind ``entity_id``."""
    component = hass.data[DATA_INSTANCES][entity_id.partition(".")[0]]
    entity: Entity | None = component.get_entity(entity_id)
    assert entity is not None, entity_id
    return entity


async def test_state_alone_writes_what_a_full_write_would(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """A change of the state alone shows the same as a full computation."""
    entry = await start(hass, bridged)
    before: dict[str, State] = {}
    for remote_id, value in STATE_ALONE.items():
        before[remote_id] = local_state(hass, entry, remote_id)
        remote = hass.states.get(remote_id)
        assert remote is not None
        assert remote.state != value, remote_id
        hass.states.async_set(remote_id, value, remote.attributes)
    await wait_for(
        lambda: all(
            local_state(hass, entry, remote_id).state == value
            for remote_id, value in STATE_ALONE.items()
        ),
        what="the new states",
    )
    for remote_id, old in before.items():
        new = local_state(hass, entry, remote_id)
        assert new.attributes == old.attributes, remote_id
        assert new.last_changed > old.last_changed, remote_id

    # Computing everything again finds nothing to change: no event, same state.
    changed: list[str] = []

    @callback
    def on_changed(event: Event[Any]) -> None:
        changed.append(event.data["entity_id"])

    hass.bus.async_listen("state_changed", on_changed)
    for remote_id in STATE_ALONE:
        entity_id = local_id(hass, entry, remote_id)
        shortcut = local_state(hass, entry, remote_id)
        entity_object(hass, entity_id).async_write_ha_state()
        full = local_state(hass, entry, remote_id)
        assert (full.state, full.attributes) == (
            shortcut.state,
            shortcut.attributes,
        ), remote_id
    await hass.async_block_till_done()
    assert changed == []


async def test_a_local_actions_context_reaches_the_state_it_caused(
    hass: HomeAssistant, bridged: RemoteHass
) -> None:
    """The state an action here caused carries its context (the logbook's "by")."""
    entry = await start(hass, bridged)
    switch = local_id(hass, entry, "input_boolean.rb_heater")
    assert local_state(hass, entry, "input_boolean.rb_heater").state == "off"
    context = Context()
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": switch}, blocking=True, context=context
    )
    await wait_for(
        lambda: local_state(hass, entry, "input_boolean.rb_heater").state == "on",
        what="the switch on",
    )
    assert local_state(hass, entry, "input_boolean.rb_heater").context.id == context.id

    # A change made on the remote later carries no context of ours.
    hass.states.async_set("input_boolean.rb_heater", "off", None)
    await wait_for(
        lambda: local_state(hass, entry, "input_boolean.rb_heater").state == "off",
        what="the switch off",
    )
