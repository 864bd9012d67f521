"""What of a bridge may be shown: the token, addresses and the remote's texts."""

from __future__ import annotations

from http import HTTPStatus

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.redact import (
    REDACTED,
    REMOTE_TEXT_LIMIT,
    remote_text,
    without_address,
)

from .conftest import RemoteHass
from .views_helpers import seed_remote, setup_bridge

TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret.token"


def test_remote_text_strips_controls_and_caps() -> None:
    """A forged log line, a terminal escape or a flood become one short line."""
    text = remote_text(
        "down\n2026-12-03 ERROR forged\x1b[31m\u202e\tevil" + "x" * 999, ""
    )
    assert text.startswith("down 2026-12-03 ERROR forged [31m evil")
    assert not any(ord(char) < 32 or 0x7F <= ord(char) <= 0x9F for char in text)
    assert "\u202e" not in text
    assert len(text) == REMOTE_TEXT_LIMIT
    assert text.endswith("…")


def test_remote_text_never_shows_the_token() -> None:
    """The token is found even split by controls or spaces, never cut to a prefix."""
    assert remote_text(f"auth {TOKEN} refused", TOKEN) == f"auth {REDACTED} refused"
    split = TOKEN[:10] + "\x00" + TOKEN[10:20] + "\n " + TOKEN[20:]
    assert remote_text(f"auth {split}\n", TOKEN) == f"auth {REDACTED}"
    near_cap = "x" * (REMOTE_TEXT_LIMIT - 20) + TOKEN
    assert TOKEN[:10] not in remote_text(near_cap, TOKEN)


def test_without_address() -> None:
    """The url, host:port and the host alone are all addresses."""
    url = "https://garage.example:8123"
    for text in (url, "garage.example:8123", "host garage.example"):
        assert "garage.example" not in without_address(text, url)
    assert without_address("Garage", url) == "Garage"


async def test_status_shows_the_remote_name_made_safe(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, remote: RemoteHass
) -> None:
    """The remote names itself: the status shows that name cleaned and capped."""
    hass.config.location_name = "Garage\n\x1b[2J" + "x" * 1000
    seed_remote(hass)
    entry = await setup_bridge(hass, remote)
    client = await hass_client()
    response = await client.get(f"/api/remote_bridge/{entry.entry_id}/status")
    assert response.status == HTTPStatus.OK
    name = (await response.json())["connection"]["remote_name"]
    assert name.startswith("Garage [2Jxxx")
    assert len(name) == REMOTE_TEXT_LIMIT
