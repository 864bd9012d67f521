"""LinkStats: one frozen snapshot of every figure of a link.

Sensors, the ``/status`` and ``/metrics`` views and the diagnostics all read
this one snapshot, so a new figure is added in one place and the lists cannot
drift apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .supervisor import ConnectionState


@dataclass(slots=True)
class MirrorCounters:
    """Cumulative counters of one mirror."""

    hits: int = 0
    misses: int = 0
    updates: int = 0
    invalidations: int = 0
    fallbacks: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counters as a plain dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkStats:
    """The figures of one link at one moment."""

    link_state: ConnectionState
    connected: bool
    reconnect_attempts: int
    gave_up: bool
    subscriptions: int
    subscription_kind: str
    mirrored_entities: int
    events_received: int
    # Seconds since the epoch.
    last_event_time: float | None
    bytes_received: int
    # None while disconnected: a stale round trip says nothing about a dead link.
    latency_ms: float | None
    connected_since: float | None
    # May hold the remote's host:port: redact before showing it to non-admins.
    last_error: str | None
    remote_name: str | None
    remote_version: str | None
    cache: MirrorCounters
    # Batch listeners attached to the link (open streams, mostly).
    listeners: int = 0
    # Snapshots taken (first connection, reconnects, resyncs).
    snapshots: int = 0
    # Remote events of the forwarded types passed on, and dropped (over the
    # rate, or malformed).
    events_forwarded: int = 0
    events_dropped: int = 0
    # Drops for falling behind in a row (the backoff grows with them).
    overload_drops: int = 0
    # True while the remote has more kept entities than the mirror takes.
    entity_limit_reached: bool = False
