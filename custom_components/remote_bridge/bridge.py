"""The glue between one config entry and its remote: client, mirror, coordinator.

This is the one place that maps the core's errors to Home Assistant's: setup
failures, reauth, the repair issue, and the log lines a user reads when the
remote goes away and comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
    ServiceValidationError,
)
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
    CONF_HEARTBEAT_INTERVAL,
    CONF_RECONNECT_MAX_ATTEMPTS,
    CONF_RECONNECT_MAX_DELAY,
    CONF_UPDATE_CACHE,
    CONF_URL,
    CONF_VERIFY_SSL,
    DEFAULT_OPTIONS,
    DOMAIN,
    ISSUE_UNREACHABLE,
    LOGGER,
    REMOTE_MESSAGE_MAX_LENGTH,
)
from .coordinator import RemoteBridgeCoordinator
from .remote import (
    CannotConnect,
    ClientCallbacks,
    ClientOptions,
    CommandFailed,
    ConnectionState,
    EntityFilter,
    InvalidAuth,
    InvalidCertificate,
    LinkStats,
    MirrorReader,
    RemoteBridgeError,
    RemoteClient,
    StateMirror,
)

type RemoteBridgeConfigEntry = ConfigEntry[RemoteBridge]


def entry_options(entry: ConfigEntry) -> dict[str, Any]:
    """Return the entry's options with the contract's defaults filled in."""
    return {**DEFAULT_OPTIONS, **entry.options}


def filter_from_options(options: dict[str, Any]) -> EntityFilter:
    """Build the entity filter the options describe."""
    return EntityFilter(
        enabled=options[CONF_FILTER_ENABLED],
        prefixes=options[CONF_ENTITY_FILTERS],
        exclude_domains=options[CONF_EXCLUDE_DOMAINS],
        exclude_entities=options[CONF_EXCLUDE_ENTITIES],
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteInfo:
    """What the device shows about the remote."""

    name: str
    version: str | None


class RemoteBridge:
    """One remote Home Assistant, mirrored for this one."""

    def __init__(self, hass: HomeAssistant, entry: RemoteBridgeConfigEntry) -> None:
        """Build the client and the mirror from the entry; nothing connects yet."""
        self.hass = hass
        self.entry = entry
        self.options = options = entry_options(entry)
        self.url: str = entry.data[CONF_URL]
        self.signal = f"{DOMAIN}_{entry.entry_id}_update"
        self.mirror = StateMirror(
            filter_from_options(options),
            # Local entities need full states: with them the mirror keeps states.
            update_cache=options[CONF_UPDATE_CACHE] or options[CONF_CREATE_ENTITIES],
            cache_ttl=options[CONF_CACHE_TTL],
        )
        mirror = self.mirror
        self.client = RemoteClient(
            async_get_clientsession(hass, verify_ssl=entry.data[CONF_VERIFY_SSL]),
            self.url,
            entry.data[CONF_ACCESS_TOKEN],
            entity_filter=mirror.entity_filter,
            options=ClientOptions(
                verify_ssl=entry.data[CONF_VERIFY_SSL],
                heartbeat_interval=options[CONF_HEARTBEAT_INTERVAL],
                reconnect_max_attempts=options[CONF_RECONNECT_MAX_ATTEMPTS],
                reconnect_max_delay=options[CONF_RECONNECT_MAX_DELAY],
            ),
            callbacks=ClientCallbacks(
                connection_state=self._on_connection_state,
                state=mirror.set_state,
                state_diffs=mirror.apply_diffs,
                # An undecodable change drops the entry: the next read refetches.
                state_invalid=mirror.invalidate,
                snapshot=mirror.replace_all,
                services=mirror.set_services,
            ),
            logger=LOGGER,
        )
        self.reader = MirrorReader(self.client, mirror)
        self.coordinator = RemoteBridgeCoordinator(hass, entry, lambda: self.stats)
        self._unavailable = False
        self._unsub_stop: Callable[[], None] | None = None

    @property
    def connected(self) -> bool:
        """Return True while the link is up."""
        return self.client.connected

    @property
    def info(self) -> RemoteInfo:
        """Return the remote's name and version, as far as known."""
        config = self.client.remote_config
        return RemoteInfo(
            name=config.get("location_name") or self.entry.title,
            version=config.get("version") or self.client.remote_version,
        )

    @property
    def stats(self) -> LinkStats:
        """Return a snapshot of every figure of the link."""
        client, mirror = self.client, self.mirror
        connected = client.connected
        return LinkStats(
            state=client.state,
            connected=connected,
            reconnect_attempts=client.reconnect_attempts,
            gave_up=client.gave_up,
            subscriptions=client.subscriptions,
            subscription_kind=client.subscription_kind.value,
            mirrored_entities=len(mirror),
            events_received=client.events_received,
            last_event_time=client.last_event_time,
            bytes_received=client.bytes_received,
            latency_ms=client.latency_ms if connected else None,
            connected_since=client.connected_since,
            last_error=client.last_error,
            remote_name=client.remote_config.get("location_name"),
            remote_version=client.remote_config.get("version") or client.remote_version,
            cache=replace(mirror.counters),
        )

    @property
    def last_event(self) -> datetime | None:
        """Return when the last state change arrived."""
        if (timestamp := self.client.last_event_time) is None:
            return None
        return datetime.fromtimestamp(timestamp, UTC)

    async def async_start(self) -> None:
        """Connect once, then keep the link up in the background.

        Raises ``ConfigEntryAuthFailed`` (HA starts reauth) or
        ``ConfigEntryNotReady`` (HA retries the setup), both translated.
        """
        try:
            await self.client.connect()
        except RemoteBridgeError as err:
            await self.client.stop()
            raise self._setup_error(err) from err
        self.entry.async_create_background_task(
            self.hass, self.client.run(), f"{DOMAIN} {self.url} link"
        )
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )

    def _setup_error(self, err: RemoteBridgeError) -> HomeAssistantError:
        """Map a failed first connection to what HA does about it."""
        if isinstance(err, InvalidAuth):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            )
        if isinstance(err, InvalidCertificate):
            return ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="ssl_error",
                translation_placeholders={"url": self.url},
            )
        return ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"url": self.url, "error": str(err)},
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
        await self.client.stop()

    async def async_reconnect(self) -> None:
        """Reconnect now (the ``reconnect`` action)."""
        await self.client.reconnect()

    async def async_resync(self) -> None:
        """Take a fresh snapshot now (the ``resync`` action)."""
        await self.client.resync()

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
        message is kept but stripped of control characters and capped, because
        it is shown to the user as the remote wrote it.
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
        if not self.client.connected:
            raise not_connected
        try:
            result = await self.client.send_command(
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
            text = "".join(c if c.isprintable() else " " for c in err.message)
            text = " ".join(text.split()) or err.code
            if len(text) > REMOTE_MESSAGE_MAX_LENGTH:
                text = text[: REMOTE_MESSAGE_MAX_LENGTH - 1] + "…"
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
                translation_placeholders={**placeholders, "error": str(err)},
            ) from err
        return result if isinstance(result, dict) else {}

    @callback
    def _on_connection_state(self, state: ConnectionState) -> None:
        self.mirror.set_connected(state is ConnectionState.CONNECTED)
        client = self.client
        if state is ConnectionState.CONNECTED:
            if self._unavailable:
                self._unavailable = False
                LOGGER.info("Remote %s is back: the link is up again", self.url)
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        elif state in (ConnectionState.RECONNECTING, ConnectionState.DISCONNECTED):
            if not self._unavailable:
                self._unavailable = True
                LOGGER.warning(
                    "Remote %s is unavailable (%s); retrying in the background",
                    self.url,
                    client.last_error or "link lost",
                )
            if state is ConnectionState.DISCONNECTED and client.gave_up:
                self._raise_unreachable_issue()
        elif (
            state is ConnectionState.AUTH_FAILED
            and self.entry.state is ConfigEntryState.LOADED
        ):
            LOGGER.warning("Remote %s refused the access token", self.url)
            self.entry.async_start_reauth(self.hass)
        self.coordinator.async_push()
        async_dispatcher_send(self.hass, self.signal)

    @property
    def _issue_id(self) -> str:
        return f"{ISSUE_UNREACHABLE}_{self.entry.entry_id}"

    def _raise_unreachable_issue(self) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_UNREACHABLE,
            translation_placeholders={
                "title": self.entry.title,
                "url": self.url,
                "attempts": str(self.client.reconnect_attempts),
            },
        )
