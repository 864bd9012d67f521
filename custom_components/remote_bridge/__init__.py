"""Remote Bridge: mirror a remote Home Assistant's states into this one."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .bridge import RemoteBridge, RemoteBridgeConfigEntry, entry_options
from .const import CONF_ACCESS_TOKEN, CONF_CREATE_ENTITIES, DOMAIN
from .mirrored import LOCAL_PLATFORMS
from .redact import remote_text
from .remote import InvalidAuth, InvalidCertificate, RemoteBridgeError
from .repairs import async_delete_issues
from .services import async_setup_services
from .views import async_register_views

PLATFORMS = [Platform.BINARY_SENSOR, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the views and actions once, for every entry."""
    async_register_views(hass)
    async_setup_services(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: RemoteBridgeConfigEntry
) -> bool:
    """Connect to the remote, then set up the diagnostic entities.

    A refused token starts reauth; an unreachable remote makes Home Assistant
    retry the setup later.
    """
    bridge = RemoteBridge(hass, entry)
    try:
        await bridge.async_start()
    except InvalidAuth as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except InvalidCertificate as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="ssl_error",
            translation_placeholders={"url": bridge.url},
        ) from err
    except RemoteBridgeError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={
                "url": bridge.url,
                "error": remote_text(err, entry.data[CONF_ACCESS_TOKEN]),
            },
        ) from err
    entry.runtime_data = bridge
    entry.async_on_unload(bridge.async_stop)
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    await hass.config_entries.async_forward_entry_setups(entry, _platforms(bridge))
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: RemoteBridgeConfigEntry
) -> bool:
    """Unload the entities; the bridge stops through ``async_on_unload``.

    An unloaded entry retries nothing: its unreachable issue goes too.
    """
    if unloaded := await hass.config_entries.async_unload_platforms(
        entry, _platforms(entry.runtime_data)
    ):
        async_delete_issues(hass, entry)
    return unloaded


async def async_remove_entry(
    hass: HomeAssistant, entry: RemoteBridgeConfigEntry
) -> None:
    """Forget the entry's repair issue with the entry."""
    async_delete_issues(hass, entry)


def _platforms(bridge: RemoteBridge) -> list[Platform]:
    """Return the platforms of an entry: the local entities' only when wanted."""
    if bridge.options[CONF_CREATE_ENTITIES]:
        return [*PLATFORMS, *LOCAL_PLATFORMS]
    return PLATFORMS


async def _async_options_updated(
    hass: HomeAssistant, entry: RemoteBridgeConfigEntry
) -> None:
    """Apply changed options by reloading the entry.

    Data updates (reauth, reconfigure, discovery) reload on their own.
    """
    if entry_options(entry) != entry.runtime_data.options:
        await hass.config_entries.async_reload(entry.entry_id)
