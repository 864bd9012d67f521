"""The base of every local entity that stands for one of the remote's entities.

State and attributes come from the remote: the remote's attributes pass
through as they are (plus the ``remote_bridge_source`` marker), and each domain
module maps the few ``_attr_*`` its Home Assistant base class needs to compute
the state string and to validate an action's data before it is forwarded. An
action goes to the remote over the websocket; the local state changes when
the remote's does (nothing optimistic).
"""

from __future__ import annotations

from enum import IntFlag
from typing import TYPE_CHECKING, Any, ClassVar

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity

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
    """

    local_domain: ClassVar[str]
    _attr_should_poll = False
    _features: type[IntFlag] | None = None

    def __init__(
        self, link: LocalEntities, remote_entity_id: str, state: State
    ) -> None:
        """Stand for ``remote_entity_id``; the entity id is only a suggestion."""
        self._link = link
        self.remote_entity_id = remote_entity_id
        self.remote_domain, _, object_id = remote_entity_id.partition(".")
        self._attr_unique_id = f"{link.entry_id}-{remote_entity_id}"
        self._attr_device_info = link.devices.device_info(remote_entity_id)
        # The registry keeps this id unless taken; then it appends _2, _3...
        self.entity_id = f"{self.local_domain}.{link.prefix}{object_id}"
        self._remote_state = ""
        self._remote_attributes: dict[str, Any] = {}
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
    def take(self, state: State) -> bool:
        """Take a new remote state; return False when nothing shown changes."""
        value = state["state"]
        attributes = state["attributes"]
        if value == self._remote_state and attributes == self._remote_attributes:
            return False
        self._remote_state = value
        self._remote_attributes = attributes
        self._attr_name = attributes.get("friendly_name")
        self._attr_icon = attributes.get("icon")
        picture = attributes.get("entity_picture")
        if isinstance(picture, str) and picture.startswith("/"):
            # A path on the remote (a media player's proxy): the browser
            # would resolve it against this Home Assistant.
            picture = f"{self._link.bridge.client.base_url}{picture}"
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
        return True

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        """Set the ``_attr_*`` of the base class; ``state`` None: unknown."""

    async def _call(self, service: str, **data: Any) -> None:
        """Call ``service`` of the remote entity's own domain for it."""
        await self._link.bridge.async_call_remote(
            self.remote_domain, service, data, {"entity_id": self.remote_entity_id}
        )
