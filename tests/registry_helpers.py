"""Helpers for tests of the remote's registries: a token that may not read them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
from homeassistant.core import HomeAssistant

from custom_components.remote_bridge.remote import CommandFailed

from .conftest import RemoteHass


async def as_non_admin(hass: HomeAssistant, remote: RemoteHass) -> RemoteHass:
    """Return ``remote`` reached with the token of a user who is no admin there.

    Such a user may read states, call actions and (on 2025.4) read the
    registries, but change nothing in them.
    """
    user = await hass.auth.async_create_user("Friend", group_ids=[GROUP_ID_USER])
    refresh_token = await hass.auth.async_create_refresh_token(
        user,
        client_name="a friend's token for Remote Bridge",
        token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
        access_token_expiration=timedelta(days=3650),
    )
    return replace(remote, token=hass.auth.async_create_access_token(refresh_token))


async def refused(_send: object) -> None:
    """Answer like a remote that keeps its registries to admins (2025.4 does not).

    Patched over ``remote.registry_watcher.read_registry``: a real remote of this
    version lets any user read them, so the refusal cannot be produced there.
    """
    raise CommandFailed("unauthorized", "Unauthorized")
