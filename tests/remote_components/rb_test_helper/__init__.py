"""Test helper loaded into the REMOTE Home Assistant of the end-to-end tests.

It offers services a REST/websocket client cannot do itself: setting many states
or firing many events inside the remote's event loop without yielding (so a slow
subscriber overflows), and registering or removing arbitrary services.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

DOMAIN = "rb_test_helper"
CONFIG_SCHEMA = cv.empty_config_schema(DOMAIN)

BULK_SET_SCHEMA = vol.Schema(
    {
        vol.Required("count"): vol.All(vol.Coerce(int), vol.Range(min=0)),
        vol.Optional("prefix", default="sensor.bulk_"): cv.string,
        vol.Optional("entities", default=100): vol.All(
            vol.Coerce(int), vol.Range(min=1)
        ),
        vol.Optional("yield_every"): vol.Any(
            None, vol.All(vol.Coerce(int), vol.Range(min=1))
        ),
    }
)
FIRE_EVENTS_SCHEMA = vol.Schema(
    {
        vol.Required("event_type"): cv.string,
        vol.Required("count"): vol.All(vol.Coerce(int), vol.Range(min=0)),
        vol.Optional("data", default={}): dict,
        vol.Optional("yield_every"): vol.Any(
            None, vol.All(vol.Coerce(int), vol.Range(min=1))
        ),
    }
)
SERVICE_SCHEMA = vol.Schema(
    {vol.Required("domain"): cv.slug, vol.Required("service"): cv.slug}
)


async def _noop(call: ServiceCall) -> None:
    """Do nothing: the handler of services registered on request."""


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the helper services."""

    async def bulk_set(call: ServiceCall) -> ServiceResponse:
        """Set `count` states round-robin over `entities` entity ids."""
        count: int = call.data["count"]
        prefix: str = call.data["prefix"]
        entities: int = call.data["entities"]
        yield_every: int | None = call.data.get("yield_every")
        ids = [f"{prefix}{i}" for i in range(entities)]
        async_set = hass.states.async_set
        start = time.perf_counter()
        for i in range(count):
            async_set(ids[i % entities], str(i))
            if yield_every and (i + 1) % yield_every == 0:
                await asyncio.sleep(0)
        return {"count": count, "seconds": time.perf_counter() - start}

    async def fire_events(call: ServiceCall) -> ServiceResponse:
        """Fire `count` events of `event_type`, each with `data` and its number `n`."""
        event_type: str = call.data["event_type"]
        count: int = call.data["count"]
        data: dict[str, Any] = call.data["data"]
        yield_every: int | None = call.data.get("yield_every")
        fire = hass.bus.async_fire
        start = time.perf_counter()
        for n in range(count):
            fire(event_type, {**data, "n": n})
            if yield_every and (n + 1) % yield_every == 0:
                await asyncio.sleep(0)
        return {"count": count, "seconds": time.perf_counter() - start}

    async def register_service(call: ServiceCall) -> None:
        """Register a no-op service."""
        hass.services.async_register(call.data["domain"], call.data["service"], _noop)

    async def remove_service(call: ServiceCall) -> None:
        """Remove a service."""
        hass.services.async_remove(call.data["domain"], call.data["service"])

    hass.services.async_register(
        DOMAIN,
        "bulk_set",
        bulk_set,
        schema=BULK_SET_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        "fire_events",
        fire_events,
        schema=FIRE_EVENTS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, "register_service", register_service, schema=SERVICE_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, "remove_service", remove_service, schema=SERVICE_SCHEMA
    )
    return True
