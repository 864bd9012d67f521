"""The create_entities and entity_prefix options, through the options flow."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.remote_bridge.const import DEFAULT_OPTIONS

from .conftest import RemoteHass
from .integration_helpers import mock_entry, seed_remote, setup_integration


def options_input(**changes: Any) -> dict[str, Any]:
    """Return a full options form submission."""
    return {**DEFAULT_OPTIONS, **changes}


@pytest.mark.parametrize("prefix", ["Garage_", "garage-", "a.b", "ä_"])
async def test_a_prefix_that_cannot_start_an_object_id_is_refused(
    hass: HomeAssistant, prefix: str
) -> None:
    """The prefix must make valid entity ids; the form says so on its field."""
    entry = mock_entry(url="http://127.0.0.1:1", token="x")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], options_input(create_entities=True, entity_prefix=prefix)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"entity_prefix": "invalid_entity_prefix"}


async def test_turning_the_option_on_creates_the_entities(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Saving create_entities reloads the bridge, which creates the entities."""
    seed_remote(hass)
    entry = await setup_integration(hass, remote)
    assert hass.states.get("light.garage_kitchen") is None

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        options_input(
            entity_filters=entry.options["entity_filters"],
            create_entities=True,
            entity_prefix="garage_",
        ),
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["entity_prefix"] == "garage_"
    assert entry.state is ConfigEntryState.LOADED
    kitchen = hass.states.get("light.garage_kitchen")
    assert kitchen is not None
    assert kitchen.state == "on"
    assert kitchen.attributes["brightness"] == 200
    switch = hass.states.get("switch.garage_pump")
    assert switch is not None
    assert switch.state == "on"
