"""HTTP views over the mirrors: read-only JSON, a live event stream, metrics.

- ``api``: the list of bridges, states, one state, services, health, status;
- ``stream``: Server-Sent Events, fed by one ``StreamHub`` per bridge (``hub``);
- ``metrics``: the Prometheus text exposition;
- ``actions``: admins call an action on the remote (the one view that writes).

All read one bridge's ``stats``, ``reader`` and ``mirror``; what may be shown
to whom is decided in ``..redact``.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from .actions import ActionView
from .api import (
    BridgeListView,
    EntityStateView,
    HealthView,
    ServicesView,
    StatesView,
    StatusView,
)
from .hub import DATA_STREAMS, StreamLimits, StreamRegistry
from .metrics import MetricsView
from .stream import StreamView

__all__ = ["DATA_STREAMS", "StreamLimits", "async_register_views"]


@callback
def async_register_views(
    hass: HomeAssistant, limits: StreamLimits | None = None
) -> None:
    """Register the views once, for every entry."""
    registry = hass.data[DATA_STREAMS] = StreamRegistry(hass, limits or StreamLimits())
    for view in (
        BridgeListView(),
        StatesView(),
        EntityStateView(),
        ServicesView(),
        HealthView(),
        StatusView(),
        MetricsView(),
        StreamView(registry),
        ActionView(),
    ):
        hass.http.register_view(view)
