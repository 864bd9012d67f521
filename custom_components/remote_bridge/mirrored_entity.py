"""The base of every local entity that stands for one of the remote's entities.

State and attributes come from the remote: the remote's attributes pass
through as they are (plus the ``remote_bridge_source`` marker), and each domain
module maps the few ``_attr_*`` its Home Assistant base class needs to compute
the state string and to validate an action's data before it is forwarded. An
action goes to the remote over the websocket (``forward`` makes the methods
that only pass their arguments on); the local state changes when the
remote's does (nothing optimistic).

Names: an entity that is named the modern way on the remote (``has_entity_name``,
on a device) is named the same way here, on the local device standing for
that one; any other takes the remote's friendly name whole.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from enum import IntFlag
import time
from typing import TYPE_CHECKING, Any, ClassVar

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Context, callback
from homeassistant.helpers.entity import CONTEXT_RECENT_TIME_SECONDS, Entity

from .const import ATTR_BRIDGED_FROM
from .mirrored_devices import async_link_to_bridge
from .remote.protocol import State

if TYPE_CHECKING:
    from .mirrored import LocalEntities


def as_number(value: Any) -> float | None:
    """Return a number of the remote, or None (unknown or not a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value) if value.isdigit() else float(value)
        except ValueError:
            return None
    return None


def on_off(state: str) -> bool | None:
    """Map an on/off state; anything else (``unknown``) is None."""
    if state == "on":
        return True
    return False if state == "off" else None


class MirroredEntity(Entity):
    """A local entity whose state is the remote entity's, and whose actions go there.

    Subclasses set ``local_domain``, ``_features`` (the domain's feature
    flags) and implement ``_map`` for the ``_attr_*`` of their base class.

    ``state_free_attributes``: the domain's base class computes the same
    attributes whatever the state (a sensor, a switch; not a light, whose
    colour attributes are None when off). Then a change of the state alone,
    most of a busy remote's changes, is written with the attributes last
    written instead of computing them all again: about half the cost of
    ``async_write_ha_state``, with the same result.
    """

    local_domain: ClassVar[str]
    state_free_attributes: ClassVar[bool] = False
    _attr_should_poll = False
    _features: type[IntFlag] | None = None
    # When an action called here last set the context its writes carry.
    _context_at = 0.0

    def __init__(
        self, link: LocalEntities, remote_entity_id: str, state: State
    ) -> None:
        """Stand for ``remote_entity_id``; the entity id is only a suggestion."""
        self._link = link
        self.remote_entity_id = remote_entity_id
        self.remote_domain, _, object_id = remote_entity_id.partition(".")
        self._attr_unique_id = f"{link.entry_id}-{remote_entity_id}"
        self._attr_device_info = link.device_info(remote_entity_id)
        # The registry keeps this id unless taken; then it appends _2, _3...
        self.entity_id = f"{self.local_domain}.{link.prefix}{object_id}"
        self._remote_state = ""
        # None until the first state: even empty attributes must be mapped.
        self._remote_attributes: dict[str, Any] | None = None
        self._attr_has_entity_name = False
        self._attr_name = None
        self.follow_registry()
        self.take(state)

    async def async_added_to_hass(self) -> None:
        """Hang the entity's remote device under the bridge's device."""
        await super().async_added_to_hass()
        if self.registry_entry is not None and self.registry_entry.device_id:
            async_link_to_bridge(
                self.hass, self._link.entry_id, self.registry_entry.device_id
            )

    @property
    def available(self) -> bool:
        """Unavailable when the remote says so, or once the cache expired."""
        return self._link.fresh and self._remote_state != STATE_UNAVAILABLE

    @callback
    def async_set_context(self, context: Context) -> None:
        """Keep an action's context: the writes that follow carry it."""
        super().async_set_context(context)
        self._context_at = time.time()

    @callback
    def async_write_change(self, state_alone: bool) -> None:
        """Write what ``take`` took: ``state_alone`` as it returned it."""
        if (
            state_alone
            and self.state_free_attributes
            and time.time() - self._context_at > CONTEXT_RECENT_TIME_SECONDS
            and self.available
            and (old := self.hass.states.get(self.entity_id)) is not None
            and old.state != STATE_UNAVAILABLE
        ):
            # What async_write_ha_state would write: the same attributes.
            self.hass.states.async_set(
                self.entity_id,
                self._stringify_state(True),
                old.attributes,
                self.force_update,
                None,
                old.state_info,
            )
            return
        self.async_write_ha_state()

    @callback
    def take(self, state: State) -> bool | None:
        """Take a new remote state: True if the state alone changed.

        None: nothing shown changed; False: the attributes changed too.
        """
        value = state["state"]
        attributes = state["attributes"]
        if attributes is self._remote_attributes or (
            attributes == self._remote_attributes
        ):
            if value == self._remote_state:
                return None
            # Most changes change the state alone: what comes from the
            # attributes is already set, only the mapping sees the new state.
            self._remote_state = value
            self._map_state(value if value != STATE_UNKNOWN else None, attributes)
            return True
        self._remote_state = value
        self._remote_attributes = attributes
        if not self._attr_has_entity_name:
            self._attr_name = attributes.get("friendly_name")
        self._attr_icon = attributes.get("icon")
        picture = attributes.get("entity_picture")
        if isinstance(picture, str) and picture.startswith("/"):
            # A path on the remote (a media player's proxy): the browser
            # would resolve it against this Home Assistant.
            picture = f"{self._link.bridge.link.url}{picture}"
        self._attr_entity_picture = picture
        features = attributes.get("supported_features")
        if self._features is not None and isinstance(features, int):
            self._attr_supported_features = self._features(features)
        # Everything the remote shows, as it shows it; what the base class
        # computes itself (friendly name, icon, unit, device class) wins.
        self._attr_extra_state_attributes = {
            **attributes,
            ATTR_BRIDGED_FROM: self.remote_entity_id,
        }
        self._attr_device_class = attributes.get("device_class")
        self._map(value if value != STATE_UNKNOWN else None, attributes)
        return False

    @callback
    def follow_registry(self) -> bool:
        """Take the name the remote's registry gives; return True if it changed."""
        entry = self._link.registry_entry(self.remote_entity_id)
        snapshot = self._link.snapshot
        modern = (
            entry is not None
            and entry.has_entity_name
            and snapshot is not None
            and snapshot.device_of(self.remote_entity_id) is not None
        )
        name = (
            entry.name
            if modern and entry is not None
            else (self._remote_attributes or {}).get("friendly_name")
        )
        if modern == self._attr_has_entity_name and name == self._attr_name:
            return False
        self._attr_has_entity_name = modern
        self._attr_name = name
        return True

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        """Set the ``_attr_*`` of the base class; ``state`` None: unknown."""

    def _map_state(self, state: str | None, attributes: dict[str, Any]) -> None:
        """Set what depends on the state when the attributes did not change."""
        self._map(state, attributes)

    async def _call(self, service: str, **data: Any) -> None:
        """Call ``service`` of the remote entity's own domain for it."""
        await self._link.bridge.async_call_remote(
            self.remote_domain, service, data, {"entity_id": self.remote_entity_id}
        )


type Action = Callable[..., Coroutine[Any, Any, None]]


def forward(service: str, *names: str, **renamed: str) -> Action:
    """Make an action method that calls ``service`` for the remote entity.

    Its arguments, by position (the base class calls some so) or by name,
    are ``names`` then ``renamed``'s keys: each goes under its own name, or
    under the remote action's name for it (``volume="volume_level"``). Other
    keyword arguments go as they are. None, Home Assistant's "not given", is
    not sent.
    """
    keys = {name: name for name in names} | renamed
    positions = tuple(keys)

    async def action(self: MirroredEntity, *args: Any, **kwargs: Any) -> None:
        data = dict(zip(positions, args, strict=False)) | kwargs
        await self._call(
            service,
            **{keys.get(k, k): v for k, v in data.items() if v is not None},
        )

    action.__doc__ = f"Call the remote entity's ``{service}``."
    return action
