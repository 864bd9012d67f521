"""Constants of the Remote Bridge integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from .remote.filters import DEFAULT_EXCLUDE_DOMAINS

DOMAIN: Final = "remote_bridge"
LOGGER = logging.getLogger(__package__)

CONF_URL: Final = "url"
CONF_ACCESS_TOKEN: Final = "access_token"  # noqa: S105 - a key, not a secret
CONF_VERIFY_SSL: Final = "verify_ssl"
# Stored by discovery before 0.2.0; no longer written, still redacted.
CONF_INSTANCE_ID: Final = "instance_id"

CONF_FILTER_ENABLED: Final = "filter_enabled"
CONF_ENTITY_FILTERS: Final = "entity_filters"
CONF_EXCLUDE_DOMAINS: Final = "exclude_domains"
CONF_UPDATE_CACHE: Final = "update_cache"
CONF_CACHE_TTL: Final = "cache_ttl"
CONF_RECONNECT_MAX_ATTEMPTS: Final = "reconnect_max_attempts"
CONF_RECONNECT_MAX_DELAY: Final = "reconnect_max_delay"
CONF_HEARTBEAT_INTERVAL: Final = "heartbeat_interval"
CONF_EXCLUDE_ENTITIES: Final = "exclude_entities"
CONF_ALLOWED_ACTION_DOMAINS: Final = "allowed_action_domains"
CONF_CREATE_ENTITIES: Final = "create_entities"
CONF_ENTITY_PREFIX: Final = "entity_prefix"
CONF_INCLUDE_LABELS: Final = "include_labels"
CONF_INCLUDE_AREAS: Final = "include_areas"
CONF_INCLUDE_INTEGRATIONS: Final = "include_integrations"
CONF_SKIP_HIDDEN: Final = "skip_hidden"
CONF_FORWARD_EVENTS: Final = "forward_events"
CONF_FORWARD_EVENTS_RATE: Final = "forward_events_rate"

DEFAULT_OPTIONS: Final = {
    CONF_FILTER_ENABLED: True,
    CONF_ENTITY_FILTERS: [],
    CONF_EXCLUDE_DOMAINS: list(DEFAULT_EXCLUDE_DOMAINS),
    CONF_UPDATE_CACHE: True,
    CONF_CACHE_TTL: 300,
    CONF_RECONNECT_MAX_ATTEMPTS: 0,
    CONF_RECONNECT_MAX_DELAY: 60,
    CONF_HEARTBEAT_INTERVAL: 30,
    CONF_EXCLUDE_ENTITIES: [],
    CONF_ALLOWED_ACTION_DOMAINS: [],
    CONF_CREATE_ENTITIES: False,
    CONF_ENTITY_PREFIX: "",
    CONF_INCLUDE_LABELS: [],
    CONF_INCLUDE_AREAS: [],
    CONF_INCLUDE_INTEGRATIONS: [],
    CONF_SKIP_HIDDEN: True,
    CONF_FORWARD_EVENTS: [],
    CONF_FORWARD_EVENTS_RATE: 100,
}

# Counters that change with every event reach the state machine at most this
# often, so a busy remote does not become a recorder storm.
COUNTER_UPDATE_INTERVAL: Final = timedelta(seconds=5)

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
SERVICE_RECONNECT: Final = "reconnect"
SERVICE_RESYNC: Final = "resync"
SERVICE_CALL_ACTION: Final = "call_action"
ATTR_ACTION: Final = "action"
ATTR_DATA: Final = "data"
ATTR_TARGET: Final = "target"
ATTR_RETURN_RESPONSE: Final = "return_response"
# A remote action that has not answered by then is reported as failed (it may
# still finish on the remote); long scripts belong in `script.turn_on`.
ACTION_TIMEOUT: Final = 10

ISSUE_UNREACHABLE: Final = "remote_unreachable"
ISSUE_ENTITY_LIMIT: Final = "entity_limit"
ISSUE_OVERLOAD: Final = "overload"

# Every local entity carries this attribute (the remote entity id it stands
# for); a bridge never makes a local entity of a state that carries it, so two
# instances may bridge each other even when the token cannot read the registry.
ATTR_BRIDGED_FROM: Final = "remote_bridge_source"

# The event a forwarded remote event is fired as here (never its own type).
EVENT_REMOTE_BRIDGE: Final = "remote_bridge_event"
