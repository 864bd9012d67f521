"""The coordinator: one `LinkStats` snapshot shared by every entity of a bridge.

Why a ``DataUpdateCoordinator`` rather than a dispatcher signal that makes each
entity read the live objects: every entity of one write shows the *same*
snapshot (no sensor a frame ahead of another); successive snapshots live in one
place, so a rate over the last minute and a change of the remote's version can
be derived from them; listeners, the unload and ``homeassistant.update_entity``
(a fresh snapshot on request) come with it.

It is fed the way WLED's is: the bridge pushes connection changes at once
(``async_push``), and the figures every event changes (counters, last event,
bytes) are only picked up by the refresh every ``COUNTER_UPDATE_INTERVAL``, so a
busy remote does not become a recorder storm. A refresh reads memory only and
never fails, so the entities stay available while the link is down and show
what they last knew.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
import time
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .const import CONF_URL, COUNTER_UPDATE_INTERVAL, DOMAIN, LOGGER
from .devices import async_entry_device
from .remote import LinkStats

# Rates are taken over the snapshots of this many seconds.
RATE_WINDOW: Final = 60.0
MIN_RATE_SPAN: Final = COUNTER_UPDATE_INTERVAL.total_seconds()


class RemoteBridgeCoordinator(DataUpdateCoordinator[LinkStats]):
    """Holds the bridge's latest `LinkStats` and the last minute of them."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        snapshot: Callable[[], LinkStats],
    ) -> None:
        """Read figures through ``snapshot``; nothing is read before the first push."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=COUNTER_UPDATE_INTERVAL,
        )
        self._snapshot = snapshot
        # (monotonic time, snapshot), oldest first, RATE_WINDOW seconds of them.
        self._history: deque[tuple[float, LinkStats]] = deque()

    async def _async_update_data(self) -> LinkStats:
        """Take a snapshot: the periodic write of the counters."""
        return self._take()

    @callback
    def async_push(self) -> None:
        """Write a fresh snapshot now: the connection changed."""
        self.async_set_updated_data(self._take())

    @property
    def device_info(self) -> dr.DeviceInfo:
        """Describe the device that stands for the remote, as last seen."""
        stats = self.data
        return dr.DeviceInfo(
            identifiers={(DOMAIN, self.config_entry.entry_id)},
            entry_type=dr.DeviceEntryType.SERVICE,
            name=self._device_name(stats),
            manufacturer="Home Assistant",
            model="Remote instance",
            sw_version=stats.remote_version,
            configuration_url=self.config_entry.data[CONF_URL],
        )

    def rate_per_second(self, counter: Callable[[LinkStats], int]) -> float | None:
        """Return how fast ``counter`` grew over the last minute of snapshots.

        None until the snapshots span one refresh interval: the pushes of a
        connection change come milliseconds apart, and a rate over those
        would be noise.
        """
        (first_time, first), (last_time, last) = self._history[0], self._history[-1]
        if (span := last_time - first_time) < MIN_RATE_SPAN:
            return None
        return round(max(counter(last) - counter(first), 0) / span, 1)

    def _take(self) -> LinkStats:
        stats = self._snapshot()
        now = time.monotonic()
        history = self._history
        history.append((now, stats))
        while now - history[0][0] > RATE_WINDOW:
            history.popleft()
        if (previous := self.data) is not None and (
            previous.remote_name != stats.remote_name
            or previous.remote_version != stats.remote_version
        ):
            self._update_device(stats)
        return stats

    def _update_device(self, stats: LinkStats) -> None:
        """Follow the remote when it was upgraded or renamed.

        Entities hand their device info to the registry only when they are
        added; a name the user gave the device stays (``name_by_user``).
        """
        device = async_entry_device(self.hass, self.config_entry.entry_id)
        if device is None:
            return
        dr.async_get(self.hass).async_update_device(
            device.id,
            name=self._device_name(stats),
            sw_version=stats.remote_version,
        )

    def _device_name(self, stats: LinkStats) -> str:
        return stats.remote_name or self.config_entry.title
