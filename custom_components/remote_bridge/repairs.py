"""The bridge's repair issues: remote unreachable, too many entities, overload.

One issue of each kind per entry, raised when the link reports the problem,
deleted when it clears, when the remote is back, and with the entry.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, ISSUE_ENTITY_LIMIT, ISSUE_OVERLOAD, ISSUE_UNREACHABLE


def issue_id(key: str, entry: ConfigEntry) -> str:
    """Return the id of the entry's issue of kind ``key``."""
    return f"{key}_{entry.entry_id}"


@callback
def async_set_issue(
    hass: HomeAssistant,
    entry: ConfigEntry,
    key: str,
    placeholders: dict[str, str] | None,
    severity: ir.IssueSeverity = ir.IssueSeverity.WARNING,
) -> None:
    """Raise the entry's issue ``key`` (titled after the entry); None deletes it."""
    if placeholders is None:
        ir.async_delete_issue(hass, DOMAIN, issue_id(key, entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(key, entry),
        is_fixable=False,
        is_persistent=False,
        severity=severity,
        translation_key=key,
        translation_placeholders={"title": entry.title, **placeholders},
    )


@callback
def async_delete_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete every issue of the entry (unloaded or removed)."""
    for key in (ISSUE_UNREACHABLE, ISSUE_ENTITY_LIMIT, ISSUE_OVERLOAD):
        ir.async_delete_issue(hass, DOMAIN, issue_id(key, entry))
