"""Local numbers standing for the remote's numbers and input_numbers."""

from __future__ import annotations

from typing import Any

from homeassistant.components.number import (
    ATTR_MAX,
    ATTR_MIN,
    ATTR_STEP,
    NumberEntity,
    NumberMode,
)
from homeassistant.const import ATTR_MODE, ATTR_UNIT_OF_MEASUREMENT, Platform

from .mirrored_entity import MirroredEntity, as_number, forward
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteNumber(MirroredEntity, NumberEntity):
    """A remote number (or input_number: same action, its own domain)."""

    local_domain = Platform.NUMBER
    state_free_attributes = True

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        # An int stays an int: the state string is the remote's ("5", "5.0").
        self._attr_native_value = as_number(state)
        if (low := as_number(attributes.get(ATTR_MIN))) is not None:
            self._attr_native_min_value = low
        if (high := as_number(attributes.get(ATTR_MAX))) is not None:
            self._attr_native_max_value = high
        if (step := as_number(attributes.get(ATTR_STEP))) is not None:
            self._attr_native_step = step
        self._attr_mode = NumberMode(attributes.get(ATTR_MODE, NumberMode.AUTO))
        self._attr_native_unit_of_measurement = attributes.get(ATTR_UNIT_OF_MEASUREMENT)

    async_set_native_value = forward("set_value", "value")


async_setup_entry = local_platform(RemoteNumber)
