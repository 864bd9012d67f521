"""Test helper loaded into the REMOTE Home Assistant of the action tests.

``rb_action_probe.record`` is a notify-like action: it answers nothing and
keeps what it was called with in the state ``sensor.rb_action_probe`` (state:
the number of calls; attributes: the last call's data and the id of the user
who called it), so a test reads over REST what the remote really received.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

DOMAIN = "rb_action_probe"
ENTITY_ID = "sensor.rb_action_probe"
CONFIG_SCHEMA = cv.empty_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register ``record``."""
    calls = 0

    async def record(call: ServiceCall) -> None:
        nonlocal calls
        calls += 1
        hass.states.async_set(
            ENTITY_ID,
            str(calls),
            {"data": dict(call.data), "user_id": call.context.user_id},
            context=call.context,
        )

    hass.services.async_register(DOMAIN, "record", record)
    return True
