"""What a client is built with: its options and the callbacks it reports to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .channel import MAX_FRAME_BYTES
from .protocol import State
from .subscriptions import IngestCallbacks
from .supervisor import ConnectionState


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOptions:
    """Tunables of one client; the defaults are the contract's."""

    verify_ssl: bool = True
    heartbeat_interval: float = 30.0
    pong_timeout: float = 10.0
    connect_timeout: float = 10.0
    command_timeout: float = 30.0
    reconnect_max_attempts: int = 0
    reconnect_max_delay: float = 60.0
    # False: use subscribe_events state_changed even when the remote could do
    # better (for comparisons; users keep the default).
    subscribe_entities: bool = True
    coalesce_messages: bool = True
    # A bigger frame from the remote drops the link (small in tests).
    max_frame_bytes: int = MAX_FRAME_BYTES


def _ignore(*_args: Any) -> None:
    """Do nothing: the default for a callback nobody listens to."""


@dataclass(slots=True, kw_only=True)
class ClientCallbacks:
    """What the client reports; every callback runs in the event loop."""

    link_state: Callable[[ConnectionState], None] = _ignore
    # The decoded changes (see IngestCallbacks).
    ingest: IngestCallbacks = field(default_factory=IngestCallbacks)
    # A frame was handled (its changes handed over): its size in bytes.
    frame_done: Callable[[int], None] = _ignore
    # The full (unfiltered) states, taken after subscribing.
    snapshot: Callable[[list[State]], None] = _ignore
    # The services (``/api/services`` shape), taken after subscribing.
    services: Callable[[list[dict[str, Any]]], None] = _ignore
    remote_config: Callable[[dict[str, Any]], None] = _ignore
    # True if a close by the remote now follows a flood of changes.
    flooded: Callable[[], bool] = lambda: False
    # Drops for overload in a row (0: calm again).
    overload: Callable[[int], None] = _ignore
