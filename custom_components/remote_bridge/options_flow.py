"""Options flow: filters, cache, reconnect tuning, local entities, actions.

Saved options reload the entry (see ``_async_options_updated`` in ``__init__``).
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.core import valid_entity_id
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
import voluptuous as vol

from .bridge import entry_options
from .const import (
    CONF_ALLOWED_ACTION_DOMAINS,
    CONF_CACHE_TTL,
    CONF_CREATE_ENTITIES,
    CONF_ENTITY_FILTERS,
    CONF_ENTITY_PREFIX,
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
)
from .remote import FilterValidationError
from .remote.filters import validate_domains, validate_filter
from .remote_events import validate_event_types

LIST_SELECTOR = TextSelector(TextSelectorConfig(multiple=True))

# Sane ranges of the numeric options: (minimum, maximum).
NUMBER_RANGES: dict[str, tuple[int, int]] = {
    CONF_CACHE_TTL: (0, 86_400),
    CONF_RECONNECT_MAX_ATTEMPTS: (0, 1_000),
    CONF_RECONNECT_MAX_DELAY: (1, 3_600),
    CONF_HEARTBEAT_INTERVAL: (5, 3_600),
}
# Forwarded events per second: at least one, at most what a bus takes calmly.
FORWARD_EVENTS_RATE_RANGE = (1, 1_000)

# The options holding lists of filter entries, and the field each error key
# of the filter's validation belongs to.
FILTER_LISTS = (CONF_ENTITY_FILTERS, CONF_EXCLUDE_DOMAINS, CONF_EXCLUDE_ENTITIES)
FILTER_ERROR_FIELDS = {
    "empty_prefix": CONF_ENTITY_FILTERS,
    "invalid_prefix": CONF_ENTITY_FILTERS,
    "duplicate_prefix": CONF_ENTITY_FILTERS,
    "filter_matches_nothing": CONF_ENTITY_FILTERS,
    "empty_domain": CONF_EXCLUDE_DOMAINS,
    "invalid_domain": CONF_EXCLUDE_DOMAINS,
    "duplicate_domain": CONF_EXCLUDE_DOMAINS,
    "empty_entity": CONF_EXCLUDE_ENTITIES,
    "invalid_entity": CONF_EXCLUDE_ENTITIES,
    "duplicate_entity": CONF_EXCLUDE_ENTITIES,
}


class RemoteBridgeOptionsFlow(OptionsFlow):
    """Filters, cache mode and reconnect tuning; saved options reload the entry."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and validate every option."""
        errors: dict[str, str] = {}
        placeholders = {"value": ""}
        if user_input is not None:
            try:
                validate_filter(
                    enabled=user_input[CONF_FILTER_ENABLED],
                    prefixes=user_input.get(CONF_ENTITY_FILTERS, []),
                    exclude_domains=user_input.get(CONF_EXCLUDE_DOMAINS, []),
                    exclude_entities=user_input.get(CONF_EXCLUDE_ENTITIES, []),
                )
            except FilterValidationError as err:
                errors[FILTER_ERROR_FIELDS[err.key]] = err.key
                placeholders["value"] = err.value
            try:
                allowed_domains = validate_domains(
                    user_input.get(CONF_ALLOWED_ACTION_DOMAINS, [])
                )
            except FilterValidationError as err:
                errors.setdefault(CONF_ALLOWED_ACTION_DOMAINS, err.key)
                placeholders["value"] = placeholders["value"] or err.value
            if not _valid_prefix(user_input.get(CONF_ENTITY_PREFIX, "")):
                errors[CONF_ENTITY_PREFIX] = "invalid_entity_prefix"
            try:
                event_types = validate_event_types(
                    user_input.get(CONF_FORWARD_EVENTS, [])
                )
            except FilterValidationError as err:
                errors[CONF_FORWARD_EVENTS] = err.key
                placeholders["value"] = placeholders["value"] or err.value
            if not errors:
                options = {
                    **user_input,
                    **{
                        key: [value.strip() for value in user_input.get(key, [])]
                        for key in FILTER_LISTS
                    },
                }
                for key in NUMBER_RANGES:
                    options[key] = int(options[key])
                options[CONF_ALLOWED_ACTION_DOMAINS] = allowed_domains
                options[CONF_ENTITY_PREFIX] = user_input.get(CONF_ENTITY_PREFIX, "")
                options[CONF_FORWARD_EVENTS] = event_types
                options[CONF_FORWARD_EVENTS_RATE] = int(
                    user_input[CONF_FORWARD_EVENTS_RATE]
                )
                return self.async_create_entry(data=options)
        current = {**entry_options(self.config_entry), **(user_input or {})}
        choices = await self._async_registry_choices(current)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _options_schema(choices), current
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_registry_choices(
        self, current: dict[str, Any]
    ) -> dict[str, list[SelectOptionDict]]:
        """Return the remote's labels, areas and integrations, read now.

        A remote that cannot be read (disconnected, entry not loaded) offers
        the saved values, so saving never drops them silently.
        """
        names: dict[str, dict[str, str]] = {
            key: {value: value for value in current.get(key, [])}
            for key in (
                CONF_INCLUDE_LABELS,
                CONF_INCLUDE_AREAS,
                CONF_INCLUDE_INTEGRATIONS,
            )
        }
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            registry = entry.runtime_data.registry
            if entry.runtime_data.link.connected:
                await registry.async_refresh()
            if (snapshot := registry.snapshot) is not None:
                names[CONF_INCLUDE_LABELS].update(snapshot.labels)
                names[CONF_INCLUDE_AREAS].update(snapshot.areas)
                names[CONF_INCLUDE_INTEGRATIONS].update(
                    dict.fromkeys(snapshot.integrations, "")
                )
        return {
            key: [
                SelectOptionDict(value=value, label=label or value)
                for value, label in sorted(
                    by_id.items(), key=lambda item: (item[1] or item[0]).casefold()
                )
            ]
            for key, by_id in names.items()
        }


def _valid_prefix(prefix: str) -> bool:
    """Return True if ``prefix`` can start an object id (empty: no prefix)."""
    return not prefix or valid_entity_id(f"light.{prefix}x")


def _number(low: int, high: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=low, max=high, step=1, mode=NumberSelectorMode.BOX)
    )


def _options_schema(choices: dict[str, list[SelectOptionDict]]) -> vol.Schema:
    numbers: dict[vol.Marker, NumberSelector] = {
        vol.Required(key): _number(low, high)
        for key, (low, high) in NUMBER_RANGES.items()
    }
    return vol.Schema(
        {
            vol.Required(CONF_FILTER_ENABLED): bool,
            vol.Optional(CONF_ENTITY_FILTERS): LIST_SELECTOR,
            vol.Optional(CONF_EXCLUDE_DOMAINS): LIST_SELECTOR,
            vol.Required(CONF_UPDATE_CACHE): bool,
            **numbers,
            vol.Optional(CONF_EXCLUDE_ENTITIES): LIST_SELECTOR,
            vol.Optional(CONF_ALLOWED_ACTION_DOMAINS): LIST_SELECTOR,
            vol.Required(CONF_CREATE_ENTITIES): bool,
            vol.Optional(CONF_ENTITY_PREFIX): TextSelector(),
            vol.Optional(CONF_FORWARD_EVENTS): LIST_SELECTOR,
            vol.Required(CONF_FORWARD_EVENTS_RATE): _number(*FORWARD_EVENTS_RATE_RANGE),
            **{
                vol.Optional(key): SelectSelector(
                    SelectSelectorConfig(
                        options=options,
                        multiple=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                )
                for key, options in choices.items()
            },
            vol.Required(CONF_SKIP_HIDDEN): bool,
        }
    )
