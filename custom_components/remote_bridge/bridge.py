"""The glue between one config entry and its remote: the link, coordinator, repairs.

``RemoteLink`` (the core) does the work; this maps what it reports to Home
Assistant: reauth, the repair issue, and the log lines a user reads when the
remote goes away and comes back. Setup errors are mapped in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import (
    ACTION_TIMEOUT,
    CONF_ACCESS_TOKEN,
    CONF_CACHE_TTL,
    CONF_CREATE_ENTITIES,
    CONF_ENTITY_FILTERS,
    CONF_EXCLUDE_DOMAINS,
    CONF_EXCLUDE_ENTITIES,
    CONF_FILTER_ENABLED,
    CONF_FORWARD_EVENTS,
    CONF_FORWARD_EVENTS_RATE,
    CONF_HEARTBEAT_INTERVAL,
    CONF_INCLUDE_AREAS,
    CONF_INCLUDE_INTEGRATIONS,
    CONF_INCLUDE_LABELS,
    CONF_RECONNECT_MAX_ATTEMPTS,
    CONF_RECONNECT_MAX_DELAY,
    CONF_SKIP_HIDDEN,
    CONF_UPDATE_CACHE,
    CONF_URL,
    CONF_VERIFY_SSL,
    DEFAULT_OPTIONS,
    DOMAIN,
    ISSUE_ENTITY_LIMIT,
    ISSUE_OVERLOAD,
    ISSUE_UNREACHABLE,
    LOGGER,
)
from .coordinator import RemoteBridgeCoordinator
from .redact import remote_text
from .remote import (
    CannotConnect,
    ClientOptions,
    CommandFailed,
    ConnectionState,
    EntityFilter,
    LinkStats,
    RemoteBridgeError,
    RemoteLink,
)
from .remote.registry_watcher import RegistryWatcher
from .remote.sharing import SharedEntityFilter, SharingRules
from .remote_events import RemoteEvents, forwardable
from .repairs import async_set_issue

type RemoteBridgeConfigEntry = ConfigEntry[RemoteBridge]


def entry_options(entry: ConfigEntry) -> dict[str, Any]:
    """Return the entry's options with the contract's defaults filled in."""
    return {**DEFAULT_OPTIONS, **entry.options}


def filter_from_options(options: dict[str, Any]) -> EntityFilter:
    """Build the entity filter the options describe (registry rules included)."""
    return SharedEntityFilter(
        enabled=options[CONF_FILTER_ENABLED],
        prefixes=options[CONF_ENTITY_FILTERS],
        exclude_domains=options[CONF_EXCLUDE_DOMAINS],
        exclude_entities=options[CONF_EXCLUDE_ENTITIES],
        rules=SharingRules(
            labels=frozenset(options[CONF_INCLUDE_LABELS]),
            areas=frozenset(options[CONF_INCLUDE_AREAS]),
            integrations=frozenset(options[CONF_INCLUDE_INTEGRATIONS]),
            skip_hidden=options[CONF_SKIP_HIDDEN],
        ),
    )


def registry_events(options: dict[str, Any]) -> set[str]:
    """Return the remote's registry events the options need followed.

    Local entities need devices, areas and entity names; the sharing rules
    need the entities' labels, areas and hidden flags (and devices' labels and
    areas). Label names only matter to the options flow, which reads afresh.
    """
    events: set[str] = set()
    if options[CONF_FILTER_ENABLED]:
        if options[CONF_SKIP_HIDDEN]:
            events.add("entity_registry_updated")
        if options[CONF_INCLUDE_LABELS] or options[CONF_INCLUDE_AREAS]:
            events |= {"entity_registry_updated", "device_registry_updated"}
        if options[CONF_INCLUDE_INTEGRATIONS]:
            events.add("entity_registry_updated")
    if options[CONF_CREATE_ENTITIES]:
        events |= {
            "entity_registry_updated",
            "device_registry_updated",
            "area_registry_updated",
        }
    return events


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteInfo:
    """What the device shows about the remote."""

    name: str
    version: str | None


class RemoteBridge:
    """One remote Home Assistant, mirrored for this one."""

    def __init__(self, hass: HomeAssistant, entry: RemoteBridgeConfigEntry) -> None:
        """Build the link from the entry; nothing connects yet."""
        self.hass = hass
        self.entry = entry
        self.options = options = entry_options(entry)
        self.url: str = entry.data[CONF_URL]
        self.signal = f"{DOMAIN}_{entry.entry_id}_update"
        verify_ssl = entry.data[CONF_VERIFY_SSL]
        self.link = RemoteLink(
            async_get_clientsession(hass, verify_ssl=verify_ssl),
            self.url,
            entry.data[CONF_ACCESS_TOKEN],
            entity_filter=filter_from_options(options),
            # Local entities need full states: with them the mirror keeps states.
            update_cache=options[CONF_UPDATE_CACHE] or options[CONF_CREATE_ENTITIES],
            cache_ttl=options[CONF_CACHE_TTL],
            options=ClientOptions(
                verify_ssl=verify_ssl,
                heartbeat_interval=options[CONF_HEARTBEAT_INTERVAL],
                reconnect_max_attempts=options[CONF_RECONNECT_MAX_ATTEMPTS],
                reconnect_max_delay=options[CONF_RECONNECT_MAX_DELAY],
            ),
            on_link_state=self._on_link_state,
            on_entity_limit=self._on_entity_limit,
            on_overload=self._on_overload,
            logger=LOGGER,
        )
        self._token: str = entry.data[CONF_ACCESS_TOKEN]
        self.events = RemoteEvents(hass, entry.entry_id)
        if event_types := forwardable(options[CONF_FORWARD_EVENTS]):
            self.link.forward_events(
                event_types, self.events.fire, rate=options[CONF_FORWARD_EVENTS_RATE]
            )
        # The remote's registries: read on every link before it subscribes,
        # and followed as far as the options need them.
        self.registry = RegistryWatcher(self.link, logger=LOGGER)
        if events := registry_events(options):
            self.registry.start(events)
        self.coordinator = RemoteBridgeCoordinator(hass, entry, lambda: self.stats)
        self._unavailable = False
        self._unsub_stop: Callable[[], None] | None = None

    @property
    def info(self) -> RemoteInfo:
        """Return the remote's name and version, as far as known."""
        client = self.link.client
        config = client.remote_config
        return RemoteInfo(
            name=config.get("location_name") or self.entry.title,
            version=config.get("version") or client.remote_version,
        )

    @property
    def stats(self) -> LinkStats:
        """Return a snapshot of every figure of the link."""
        return self.link.stats()

    async def async_start(self) -> None:
        """Connect once, then keep the link up in the background.

        Raises the core's error when the first connection fails (the link is
        stopped then); ``async_setup_entry`` maps it to Home Assistant's.
        """
        try:
            await self.link.connect()
        except BaseException:
            await self.link.stop()
            raise
        self.entry.async_create_background_task(
            self.hass, self.link.run(), f"{DOMAIN} {self.url} link"
        )
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )

    async def async_stop(self) -> None:
        """Stop the link and every timer; used on unload."""
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None
        await self._async_shutdown()

    async def _async_on_hass_stop(self, _event: Event) -> None:
        self._unsub_stop = None  # a fired listen_once is already removed
        await self._async_shutdown()

    async def _async_shutdown(self) -> None:
        await self.registry.async_stop()
        await self.link.stop()

    async def async_reconnect(self) -> None:
        """Reconnect now (the ``reconnect`` action)."""
        await self.link.reconnect()

    async def async_resync(self) -> None:
        """Take a fresh snapshot now (the ``resync`` action); calls share one."""
        await self.link.resync()

    async def async_call_remote(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        target: Mapping[str, Any] | None = None,
        *,
        return_response: bool = False,
    ) -> dict[str, Any]:
        """Call ``domain.service`` on the remote; return its ``call_service`` result.

        The result holds the remote's ``context`` (which the state changes the
        call causes carry) and, when asked, its ``response``. Every caller
        (actions, the POST view, local entities) gets the same translated
        errors: a down link fails at once instead of after the timeout; the
        remote's refusal of bad input is a ``ServiceValidationError``; its
        message is shown as the remote wrote it, made safe (``remote_text``).
        """
        placeholders = {"title": self.entry.title, "action": f"{domain}.{service}"}
        message: dict[str, Any] = {
            "type": "call_service",
            "domain": domain,
            "service": service,
            "service_data": dict(data or {}),
        }
        if target:
            message["target"] = dict(target)
        if return_response:
            message["return_response"] = True
        not_connected = HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="remote_not_connected",
            translation_placeholders=placeholders,
        )
        if not self.link.connected:
            raise not_connected
        try:
            result = await self.link.client.send_command(
                message, answer_within=ACTION_TIMEOUT
            )
        except CannotConnect as err:
            raise not_connected from err
        except CommandFailed as err:
            if err.code == "timeout":
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="remote_action_timeout",
                    translation_placeholders={
                        **placeholders,
                        "timeout": str(ACTION_TIMEOUT),
                    },
                ) from err
            text = remote_text(err.message, self._token) or err.code
            error = (
                ServiceValidationError
                if err.code
                in ("invalid_format", "not_found", "service_validation_error")
                else HomeAssistantError
            )
            raise error(
                translation_domain=DOMAIN,
                translation_key="remote_action_failed",
                translation_placeholders={**placeholders, "error": text},
            ) from err
        except RemoteBridgeError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="remote_action_failed",
                translation_placeholders={
                    **placeholders,
                    "error": remote_text(err, self._token),
                },
            ) from err
        return result if isinstance(result, dict) else {}

    @callback
    def _on_link_state(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED:
            if self._unavailable:
                self._unavailable = False
                LOGGER.info("Remote %s is back: the link is up again", self.url)
            async_set_issue(self.hass, self.entry, ISSUE_UNREACHABLE, None)
            self.registry.link_up()
        elif state in (ConnectionState.RECONNECTING, ConnectionState.DISCONNECTED):
            stats = self.link.stats()
            if not self._unavailable and not self.registry.resubscribing:
                self._unavailable = True
                LOGGER.info(
                    "Remote %s is unavailable (%s); retrying in the background",
                    self.url,
                    remote_text(stats.last_error or "link lost", self._token),
                )
            if state is ConnectionState.DISCONNECTED and stats.gave_up:
                async_set_issue(
                    self.hass,
                    self.entry,
                    ISSUE_UNREACHABLE,
                    {"url": self.url, "attempts": str(stats.reconnect_attempts)},
                    ir.IssueSeverity.ERROR,
                )
        elif (
            state is ConnectionState.AUTH_FAILED
            and self.entry.state is ConfigEntryState.LOADED
        ):
            LOGGER.warning("Remote %s refused the access token", self.url)
            self.entry.async_start_reauth(self.hass)
        self.coordinator.async_push()
        async_dispatcher_send(self.hass, self.signal)

    @callback
    def _on_entity_limit(self, over: bool) -> None:
        """Raise (or clear) the issue of a remote with too many entities."""
        limit = str(self.link.mirror.intake.max_entities)
        async_set_issue(
            self.hass,
            self.entry,
            ISSUE_ENTITY_LIMIT,
            {"limit": limit} if over else None,
        )

    @callback
    def _on_overload(self, busiest: list[tuple[str, int]] | None) -> None:
        """Raise (or clear) the issue of a remote that keeps dropping the link."""
        domains = ", ".join(
            f"{remote_text(domain, self._token, limit=64)} ({count})"
            for domain, count in busiest or ()
        )
        async_set_issue(
            self.hass,
            self.entry,
            ISSUE_OVERLOAD,
            None if busiest is None else {"domains": domains or "-"},
        )
