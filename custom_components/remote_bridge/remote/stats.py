"""LinkStats: one frozen snapshot of every figure of a link.

Sensors, the ``/status`` and ``/metrics`` views and the diagnostics all read
this one snapshot, so a new figure is added in one place and the lists cannot
drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from .client import ConnectionState
from .mirror import MirrorCounters


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkStats:
    """The figures of one link at one moment."""

    state: ConnectionState
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
