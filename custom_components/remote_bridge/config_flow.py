"""Config flow: user, zeroconf, reauth and reconfigure (options: ``options_flow``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import instance_id
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import voluptuous as vol

from .bridge import RemoteBridgeConfigEntry
from .const import CONF_ACCESS_TOKEN, CONF_URL, CONF_VERIFY_SSL, DOMAIN, LOGGER
from .options_flow import RemoteBridgeOptionsFlow
from .remote import (
    CannotConnect,
    InvalidAuth,
    InvalidCertificate,
    InvalidUrl,
    RemoteBridgeError,
    probe,
)
from .remote.protocol import normalize_url

TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


async def async_validate_remote(
    hass: HomeAssistant, url: str, token: str, *, verify_ssl: bool
) -> tuple[str, dict[str, Any]]:
    """Probe the remote and return the normalised url and the remote's config.

    The probe authenticates and reads ``get_config`` only: no subscription,
    no states, no services. Raises the core's errors; the caller turns them
    into form errors.
    """
    result = await probe(
        async_get_clientsession(hass, verify_ssl=verify_ssl),
        url,
        token,
        verify_ssl=verify_ssl,
    )
    return result.base_url, result.config


def _fingerprint(config: Mapping[str, Any]) -> tuple[Any, ...]:
    """Tell remotes apart: Home Assistant does not expose its instance id."""
    return tuple(
        config.get(key)
        for key in ("location_name", "latitude", "longitude", "time_zone")
    )


class RemoteBridgeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Link this Home Assistant to a remote one."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._discovered_url: str | None = None
        self._discovered_name: str | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: RemoteBridgeConfigEntry) -> OptionsFlow:
        """Return the options flow."""
        return RemoteBridgeOptionsFlow()

    async def _async_try(
        self, url: str, token: str, verify_ssl: bool, errors: dict[str, str]
    ) -> tuple[str, dict[str, Any]] | None:
        """Validate the remote; fill ``errors`` and return None on failure."""
        try:
            return await async_validate_remote(
                self.hass, url, token, verify_ssl=verify_ssl
            )
        except InvalidUrl:
            errors[CONF_URL] = "invalid_url"
        except InvalidAuth:
            errors[CONF_ACCESS_TOKEN] = "invalid_auth"
        except InvalidCertificate:
            errors["base"] = "ssl_error"
        except (CannotConnect, RemoteBridgeError):
            errors["base"] = "cannot_connect"
        except Exception:  # noqa: BLE001 - a config flow must not crash
            LOGGER.exception("Unexpected error while validating the remote")
            errors["base"] = "unknown"
        return None

    async def _async_create(
        self, url: str, user_input: Mapping[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult | None:
        """Validate the remote at ``url`` with the token and SSL check entered.

        Create the entry; None (and ``errors``) on failure.
        """
        token: str = user_input[CONF_ACCESS_TOKEN]
        verify_ssl: bool = user_input[CONF_VERIFY_SSL]
        if not (validated := await self._async_try(url, token, verify_ssl, errors)):
            return None
        base_url, config = validated
        await self.async_set_unique_id(base_url)
        self._abort_if_unique_id_configured()
        data = {
            CONF_URL: base_url,
            CONF_ACCESS_TOKEN: token,
            CONF_VERIFY_SSL: verify_ssl,
        }
        return self.async_create_entry(
            title=config.get("location_name") or base_url, data=data
        )

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the remote's address and a long-lived access token."""
        errors: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_create(user_input[CONF_URL], user_input, errors)
        ):
            return result
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_URL): URL_SELECTOR,
                        vol.Required(CONF_ACCESS_TOKEN): TOKEN_SELECTOR,
                        vol.Required(CONF_VERIFY_SSL, default=True): bool,
                    }
                ),
                user_input or {},
            ),
            errors=errors,
        )

    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """Offer a Home Assistant found on the network (never this one).

        An announcement is unauthenticated: anyone on the LAN can send one. So
        it never changes a configured entry (its url, and with it the host the
        token goes to, is the user's to change through reconfigure) and a
        remote already configured at that url simply aborts.
        """
        properties = discovery_info.properties
        uuid = properties.get("uuid")
        if not uuid:
            return self.async_abort(reason="not_home_assistant")
        if uuid == await instance_id.async_get(self.hass):
            return self.async_abort(reason="self_discovery")
        address = properties.get("internal_url") or properties.get("base_url")
        if not address:
            address = f"http://{discovery_info.host}:{discovery_info.port}"
        try:
            base_url = normalize_url(address)
        except InvalidUrl:
            return self.async_abort(reason="invalid_url")

        await self.async_set_unique_id(base_url)
        self._abort_if_unique_id_configured()  # no updates: see the docstring
        self._discovered_url = base_url
        self._discovered_name = properties.get("location_name") or base_url
        self.context["title_placeholders"] = {"name": self._discovered_name}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a token of the discovered remote."""
        if self._discovered_url is None:  # pragma: no cover - flow order
            return self.async_abort(reason="unknown")
        errors: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_create(self._discovered_url, user_input, errors)
        ):
            return result
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_ACCESS_TOKEN): TOKEN_SELECTOR,
                    vol.Required(CONF_VERIFY_SSL, default=True): bool,
                }
            ),
            description_placeholders={
                "name": self._discovered_name or self._discovered_url,
                "url": self._discovered_url,
            },
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Ask for a new token after the remote refused the old one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Validate and store the new token, then reload the entry."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_ACCESS_TOKEN]
            if await self._async_try(
                entry.data[CONF_URL], token, entry.data[CONF_VERIFY_SSL], errors
            ):
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_ACCESS_TOKEN: token}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_ACCESS_TOKEN): TOKEN_SELECTOR}),
            description_placeholders={
                "title": entry.title,
                "url": entry.data[CONF_URL],
            },
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, token or SSL check of the same remote."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            verify_ssl = user_input[CONF_VERIFY_SSL]
            token = user_input[CONF_ACCESS_TOKEN]
            if validated := await self._async_try(
                user_input[CONF_URL], token, verify_ssl, errors
            ):
                base_url, config = validated
                if base_url != entry.unique_id:
                    # A new address must still lead to the same remote.
                    old_config = await self._async_current_config(entry)
                    if old_config is not None and _fingerprint(
                        old_config
                    ) != _fingerprint(config):
                        return self.async_abort(reason="wrong_remote")
                    await self.async_set_unique_id(base_url)
                    self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=base_url,
                    data_updates={
                        CONF_URL: base_url,
                        CONF_ACCESS_TOKEN: token,
                        CONF_VERIFY_SSL: verify_ssl,
                    },
                )
        suggested = {
            CONF_URL: entry.data[CONF_URL],
            CONF_VERIFY_SSL: entry.data[CONF_VERIFY_SSL],
            **(user_input or {}),
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_URL): URL_SELECTOR,
                        vol.Required(CONF_ACCESS_TOKEN): TOKEN_SELECTOR,
                        vol.Required(CONF_VERIFY_SSL): bool,
                    }
                ),
                suggested,
            ),
            errors=errors,
        )

    async def _async_current_config(
        self, entry: RemoteBridgeConfigEntry
    ) -> dict[str, Any] | None:
        """Return the config of the remote the entry points at now, if known."""
        bridge = getattr(entry, "runtime_data", None)
        if bridge is not None and bridge.link.client.remote_config:
            config: dict[str, Any] = bridge.link.client.remote_config
            return config
        try:
            _, config = await async_validate_remote(
                self.hass,
                entry.data[CONF_URL],
                entry.data[CONF_ACCESS_TOKEN],
                verify_ssl=entry.data[CONF_VERIFY_SSL],
            )
        except RemoteBridgeError:
            return None  # the old remote is gone: nothing to compare with
        return config
