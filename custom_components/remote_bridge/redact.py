"""What of a bridge may be shown, and to whom: redaction in one place.

The views and the diagnostics both go through here, so a secret or an address
is kept out of every answer the same way:

- the access token never appears anywhere;
- only admins see where the remote is (its url, host:port in error texts);
- text the remote chose (error messages, its name, its version) is untrusted:
  it becomes one line without control characters (no forged log lines, no
  terminal escapes) and its length is capped before it reaches a log, a
  placeholder or an answer.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from functools import lru_cache
import re
from typing import Any, Final
from urllib.parse import urlsplit

from homeassistant.components.diagnostics import async_redact_data

from .const import CONF_ACCESS_TOKEN, CONF_INSTANCE_ID, CONF_URL
from .remote import LinkStats

REDACTED: Final = "**REDACTED**"
# Long enough for any honest error message or location name.
REMOTE_TEXT_LIMIT: Final = 256

# C0 and C1 controls, DEL, and the bidirectional overrides that can make a log
# line read differently from what it holds.
_UNSAFE_CHARS = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")

# Keys redacted from the diagnostics download. `last_error` holds the remote's
# host:port while it is down; its name is usually the entry's title.
DIAGNOSTICS_REDACT: Final = frozenset(
    {
        CONF_ACCESS_TOKEN,
        CONF_URL,
        CONF_INSTANCE_ID,
        "unique_id",
        "title",
        "last_error",
        "remote_name",
    }
)


def remote_text(text: object, token: str, *, limit: int = REMOTE_TEXT_LIMIT) -> str:
    """Return text from the remote made safe to log or show, on one line.

    The token is replaced first, found even when controls or whitespace break
    it up; then each control becomes a space and each run of whitespace one
    space (words a line break parted stay apart); last comes the cap, so no
    prefix of the token survives it.
    """
    cleaned = str(text)
    if token:
        cleaned = _token_pattern(token).sub(REDACTED, cleaned)
    cleaned = " ".join(_UNSAFE.sub(" ", cleaned).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


@lru_cache(maxsize=8)
def _token_pattern(token: str) -> re.Pattern[str]:
    return re.compile(f"[{_UNSAFE_CHARS}\\s]*".join(map(re.escape, token)))


def without_address(text: str, url: str) -> str:
    """Replace the remote's url, host:port and host in ``text``."""
    parts = urlsplit(url)
    for secret in (url, parts.netloc, parts.hostname):
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def link_stats(stats: LinkStats, token: str) -> LinkStats:
    """Return the link's figures with the remote's texts made safe."""
    return replace(
        stats,
        last_error=_optional(stats.last_error, token),
        remote_name=_optional(stats.remote_name, token),
        remote_version=_optional(stats.remote_version, token),
    )


def diagnostics_stats(stats: LinkStats, token: str) -> dict[str, Any]:
    """Return every figure of the link for the diagnostics, redacted."""
    return async_redact_data(asdict(link_stats(stats, token)), DIAGNOSTICS_REDACT)


def diagnostics_entry(data: dict[str, Any]) -> dict[str, Any]:
    """Return the entry's own fields for the diagnostics, redacted."""
    return async_redact_data(data, DIAGNOSTICS_REDACT)


def _optional(text: str | None, token: str) -> str | None:
    return None if text is None else remote_text(text, token)
