"""Prometheus text exposition of a bridge's figures, read from ``LinkStats``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web
from homeassistant.core import callback

from ..const import DOMAIN
from ..remote import LinkStats
from .base import ENTRY_URL, EntryView

CONTENT_TYPE_METRICS = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricDescription:
    """One metric: its name (after ``remote_bridge_``), type, help and value."""

    name: str
    type: Literal["counter", "gauge"]
    help: str
    # None: not known yet, and then the metric is left out.
    value_fn: Callable[[LinkStats], float | None]


METRICS: tuple[MetricDescription, ...] = (
    MetricDescription(
        name="connected",
        type="gauge",
        help="1 while the link is up",
        value_fn=lambda stats: stats.connected,
    ),
    MetricDescription(
        name="reconnect_attempts",
        type="gauge",
        help="Current reconnect attempt",
        value_fn=lambda stats: stats.reconnect_attempts,
    ),
    MetricDescription(
        name="subscriptions",
        type="gauge",
        help="Active subscriptions",
        value_fn=lambda stats: stats.subscriptions,
    ),
    MetricDescription(
        name="mirrored_entities",
        type="gauge",
        help="Entities in the mirror",
        value_fn=lambda stats: stats.mirrored_entities,
    ),
    MetricDescription(
        name="events_received_total",
        type="counter",
        help="State changes received",
        value_fn=lambda stats: stats.events_received,
    ),
    MetricDescription(
        name="bytes_received_total",
        type="counter",
        help="Bytes received on the link",
        value_fn=lambda stats: stats.bytes_received,
    ),
    MetricDescription(
        name="cache_hits_total",
        type="counter",
        help="Reads answered by the mirror",
        value_fn=lambda stats: stats.cache.hits,
    ),
    MetricDescription(
        name="cache_misses_total",
        type="counter",
        help="Reads that went to the remote",
        value_fn=lambda stats: stats.cache.misses,
    ),
    MetricDescription(
        name="cache_updates_total",
        type="counter",
        help="Mirror entries replaced by a change",
        value_fn=lambda stats: stats.cache.updates,
    ),
    MetricDescription(
        name="cache_invalidations_total",
        type="counter",
        help="Mirror entries dropped by a change",
        value_fn=lambda stats: stats.cache.invalidations,
    ),
    MetricDescription(
        name="last_event_timestamp_seconds",
        type="gauge",
        help="When the last change arrived",
        value_fn=lambda stats: stats.last_event_time,
    ),
    MetricDescription(
        name="ping_rtt_seconds",
        type="gauge",
        help="Last ping round trip",
        value_fn=lambda stats: (
            None if stats.latency_ms is None else stats.latency_ms / 1000
        ),
    ),
    MetricDescription(
        name="events_forwarded_total",
        type="counter",
        help="Remote events fired here as remote_bridge_event",
        value_fn=lambda stats: stats.events_forwarded,
    ),
    MetricDescription(
        name="events_dropped_total",
        type="counter",
        help="Remote events dropped: over the rate, or malformed",
        value_fn=lambda stats: stats.events_dropped,
    ),
)


class MetricsView(EntryView):
    """Prometheus text exposition (0.0.4) of the status figures."""

    url = ENTRY_URL + "/metrics"
    name = f"api:{DOMAIN}:metrics"

    @callback
    def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Answer the figures, each labelled by entry."""
        if (bridge := self.bridge(request, entry_id)) is None:
            return self.not_found()
        return web.Response(
            body=exposition(bridge.stats, entry_id),
            headers={"Content-Type": CONTENT_TYPE_METRICS},
        )


def exposition(stats: LinkStats, entry_id: str) -> bytes:
    """Return the text exposition of ``stats``, labelled by ``entry_id``."""
    label = '{entry_id="%s"}' % _label_value(entry_id)  # noqa: UP031
    lines: list[str] = []
    for metric in METRICS:
        if (value := metric.value_fn(stats)) is None:
            continue
        name = f"{DOMAIN}_{metric.name}"
        lines += (
            f"# HELP {name} {metric.help}.",
            f"# TYPE {name} {metric.type}",
            f"{name}{label} {float(value)!r}",
        )
    return ("\n".join(lines) + "\n").encode()


def _label_value(value: str) -> str:
    return value.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n")
