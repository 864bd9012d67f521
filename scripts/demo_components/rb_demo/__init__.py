"""A demo house for the Remote Bridge demo: states that change every few seconds.

Loaded into the demo *remote*; it only sets states, so it starts in
milliseconds and needs nothing from the network.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import random
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

DOMAIN = "rb_demo"
TICK = timedelta(seconds=3)
MOTION_CHANCE = 0.3

HOUSE: dict[str, tuple[str, dict[str, Any]]] = {
    "light.living_room": ("on", {"brightness": 180, "friendly_name": "Living room"}),
    "light.kitchen": ("off", {"friendly_name": "Kitchen"}),
    "light.porch": ("off", {"friendly_name": "Porch"}),
    "switch.garden_pump": ("off", {"friendly_name": "Garden pump"}),
    "switch.boiler": ("on", {"friendly_name": "Boiler"}),
    "sensor.outdoor_temperature": (
        "7.4",
        {
            "unit_of_measurement": "°C",
            "device_class": "temperature",
            "state_class": "measurement",
            "friendly_name": "Outdoor temperature",
        },
    ),
    "sensor.living_room_temperature": (
        "20.5",
        {
            "unit_of_measurement": "°C",
            "device_class": "temperature",
            "state_class": "measurement",
            "friendly_name": "Living room temperature",
        },
    ),
    "sensor.living_room_humidity": (
        "48",
        {
            "unit_of_measurement": "%",
            "device_class": "humidity",
            "friendly_name": "Living room humidity",
        },
    ),
    "binary_sensor.front_door": (
        "off",
        {"device_class": "door", "friendly_name": "Front door"},
    ),
    "binary_sensor.hall_motion": (
        "off",
        {"device_class": "motion", "friendly_name": "Hall motion"},
    ),
    # Dropped by the bridge's default filter (media_player, camera):
    "media_player.living_room_tv": (
        "playing",
        {"media_title": "The news", "volume_level": 0.3, "friendly_name": "TV"},
    ),
    "camera.driveway": (
        "idle",
        {"access_token": "demo", "friendly_name": "Driveway"},
    ),
}


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Create the house and keep a few of its states moving."""
    for entity_id, (state, attributes) in HOUSE.items():
        hass.states.async_set(entity_id, state, attributes)
    rng = random.Random()  # noqa: S311 - demo data

    @callback
    def tick(_now: datetime) -> None:
        for entity_id in (
            "sensor.outdoor_temperature",
            "sensor.living_room_temperature",
        ):
            current = hass.states.get(entity_id)
            if current is None:
                continue
            value = float(current.state) + rng.choice((-0.1, 0.0, 0.1))
            hass.states.async_set(entity_id, f"{value:.1f}", current.attributes)
        motion = "on" if rng.random() < MOTION_CHANCE else "off"
        hall = hass.states.get("binary_sensor.hall_motion")
        if hall is not None:
            hass.states.async_set(hall.entity_id, motion, hall.attributes)
        tv = hass.states.get("media_player.living_room_tv")
        if tv is not None:  # noisy, and filtered out by the bridge
            volume = round(rng.random(), 2)
            hass.states.async_set(
                tv.entity_id, tv.state, {**tv.attributes, "volume_level": volume}
            )

    async_track_time_interval(hass, tick, TICK, cancel_on_shutdown=True)
    return True
