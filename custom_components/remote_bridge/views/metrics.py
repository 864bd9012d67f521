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


def _gauge(
    name: str, help_: str, value_fn: Callable[[LinkStats], float | None]
) -> MetricDescription:
    return MetricDescription(name=name, type="gauge", help=help_, value_fn=value_fn)


def _counter(
    name: str, help_: str, value_fn: Callable[[LinkStats], float | None]
) -> MetricDescription:
    return MetricDescription(name=name, type="counter", help=help_, value_fn=value_fn)


METRICS: tuple[MetricDescription, ...] = (
    _gauge("connected", "1 while the link is up", lambda stats: stats.connected),
    _gauge(
        "reconnect_attempts",
        "Current reconnect attempt",
        lambda stats: stats.reconnect_attempts,
    ),
    _gauge("subscriptions", "Active subscriptions", lambda stats: stats.subscriptions),
    _gauge(
        "mirrored_entities",
        "Entities in the mirror",
        lambda stats: stats.mirrored_entities,
    ),
    _counter(
        "events_received_total",
        "State changes received",
        lambda stats: stats.events_received,
    ),
    _counter(
        "bytes_received_total",
        "Bytes received on the link",
        lambda stats: stats.bytes_received,
    ),
    _counter(
        "cache_hits_total",
        "Reads answered by the mirror",
        lambda stats: stats.cache.hits,
    ),
    _counter(
        "cache_misses_total",
        "Reads that went to the remote",
        lambda stats: stats.cache.misses,
    ),
    _counter(
        "cache_updates_total",
        "Mirror entries replaced by a change",
        lambda stats: stats.cache.updates,
    ),
    _counter(
        "cache_invalidations_total",
        "Mirror entries dropped by a change",
        lambda stats: stats.cache.invalidations,
    ),
    _gauge(
        "last_event_timestamp_seconds",
        "When the last change arrived",
        lambda stats: stats.last_event_time,
    ),
    _gauge(
        "ping_rtt_seconds",
        "Last ping round trip",
        lambda stats: None if stats.latency_ms is None else stats.latency_ms / 1000,
    ),
    _counter(
        "events_forwarded_total",
        "Remote events fired here as remote_bridge_event",
        lambda stats: stats.events_forwarded,
    ),
    _counter(
        "events_dropped_total",
        "Remote events dropped: over the rate, or malformed",
        lambda stats: stats.events_dropped,
    ),
    _gauge(
        "overload_drops",
        "Drops by the remote for falling behind, in a row",
        lambda stats: stats.overload_drops,
    ),
    _gauge(
        "entity_limit_reached",
        "1 while the remote has more kept entities than the mirror takes",
        lambda stats: stats.entity_limit_reached,
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
