"""A pure asyncio client and state mirror for a remote Home Assistant.

Nothing in this package imports ``homeassistant``: it talks to the remote's
WebSocket and REST APIs through an injected ``aiohttp.ClientSession`` and reports
through plain callbacks, so it could be published on its own. Its imports are
relative: ``remote`` can be imported as a top-level package too.

``RemoteLink`` is the front: it builds and wires ``RemoteClient``,
``StateMirror`` and ``MirrorReader``. ``probe`` checks an address and a token
without subscribing to anything.
"""

from .backoff import BackoffPolicy
from .channel import ProbeResult, probe
from .client import RemoteClient
from .exceptions import (
    CannotConnect,
    CommandFailed,
    InvalidAuth,
    InvalidCertificate,
    InvalidUrl,
    ProtocolError,
    ReadsThrottled,
    RemoteBridgeError,
)
from .filters import EntityFilter, FilterValidationError
from .link import ChangesListener, RemoteLink, StateChanges
from .mirror import StateMirror
from .options import ClientCallbacks, ClientOptions
from .reader import MirrorReader
from .stats import LinkStats, MirrorCounters
from .subscriptions import IngestCallbacks, SubscriptionKind
from .supervisor import ConnectionState

__all__ = [
    "BackoffPolicy",
    "CannotConnect",
    "ChangesListener",
    "ClientCallbacks",
    "ClientOptions",
    "CommandFailed",
    "ConnectionState",
    "EntityFilter",
    "FilterValidationError",
    "IngestCallbacks",
    "InvalidAuth",
    "InvalidCertificate",
    "InvalidUrl",
    "LinkStats",
    "MirrorCounters",
    "MirrorReader",
    "ProbeResult",
    "ProtocolError",
    "ReadsThrottled",
    "RemoteBridgeError",
    "RemoteClient",
    "RemoteLink",
    "StateChanges",
    "StateMirror",
    "SubscriptionKind",
    "probe",
]
