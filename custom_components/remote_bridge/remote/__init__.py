"""A pure asyncio client and state mirror for a remote Home Assistant.

Nothing in this package imports ``homeassistant``: it talks to the remote's
WebSocket and REST APIs through an injected ``aiohttp.ClientSession`` and reports
through plain callbacks, so it could be published on its own.
"""

from .backoff import BackoffPolicy
from .client import ClientCallbacks, ClientOptions, ConnectionState, RemoteClient
from .exceptions import (
    CannotConnect,
    CommandFailed,
    InvalidAuth,
    InvalidCertificate,
    InvalidUrl,
    ProtocolError,
    RemoteBridgeError,
)
from .filters import EntityFilter, FilterValidationError
from .mirror import MirrorCounters, StateMirror
from .reader import MirrorReader
from .stats import LinkStats

__all__ = [
    "BackoffPolicy",
    "CannotConnect",
    "ClientCallbacks",
    "ClientOptions",
    "CommandFailed",
    "ConnectionState",
    "EntityFilter",
    "FilterValidationError",
    "InvalidAuth",
    "InvalidCertificate",
    "InvalidUrl",
    "LinkStats",
    "MirrorCounters",
    "MirrorReader",
    "ProtocolError",
    "RemoteBridgeError",
    "RemoteClient",
    "StateMirror",
]
