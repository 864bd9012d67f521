"""Consumers that write every update into a Home Assistant state machine.

They measure what ``create_entities`` is compared with, in the same run as the
integration (``ingest.py`` runs each in its own subprocess):

- ``bare``: what remote_homeassistant does per event: decode each update and
  write it with ``hass.states.async_set`` (for ``subscribe_entities`` it folds
  the diff into the last state it wrote first: a diff alone is not a state);
- ``write``: the floor of an entity platform: one plain ``Entity`` per remote
  entity, registered like the bridge's (unique id, registry entry), whose
  ``_attr_state`` and ``_attr_extra_state_attributes`` take each decoded
  update before one ``async_write_ha_state``. No entity platform writes a
  state for less.

Both start from ``get_states`` (their entities exist before the timed window,
as the bridge's local entities do), skip the domains the bridge excludes by
default and stop at the replay's sentinel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import resource
import tempfile
import time
from typing import Any

STATE_KEYS = ("state", "attributes")


def _usage() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


class _Replay:
    """A websocket to the replay remote, subscribed as the run asks."""

    def __init__(self, ws: Any, cfg: dict[str, Any]) -> None:
        import orjson  # noqa: PLC0415

        self.ws = ws
        self.cfg = cfg
        self.loads = orjson.loads
        self.dumps = orjson.dumps
        self.next_id = 0

    async def command(self, message: dict[str, Any]) -> Any:
        self.next_id += 1
        await self.ws.send_str(self.dumps({"id": self.next_id, **message}).decode())
        while True:
            payload = self.loads((await self.ws.receive()).data)
            for item in payload if type(payload) is list else (payload,):
                if item.get("type") == "result" and item["id"] == self.next_id:
                    if not item["success"]:
                        raise RuntimeError(f"{message['type']}: {item['error']}")
                    return item["result"]

    async def connect(self, exclude: tuple[str, ...]) -> list[dict[str, Any]]:
        """Authenticate, subscribe; return the remote's states (filtered)."""
        await self.ws.receive()  # auth_required
        await self.ws.send_str(
            self.dumps({"type": "auth", "access_token": self.cfg["token"]}).decode()
        )
        if self.loads((await self.ws.receive()).data)["type"] != "auth_ok":
            raise RuntimeError("authentication failed")
        if self.cfg["coalesce"]:
            await self.command(
                {"type": "supported_features", "features": {"coalesce_messages": 1}}
            )
        if self.cfg["subscription"] == "entities":
            await self.command(
                {"type": "subscribe_entities", "exclude": {"domains": exclude}}
            )
        else:
            await self.command(
                {"type": "subscribe_events", "event_type": "state_changed"}
            )
        states: list[dict[str, Any]] = await self.command({"type": "get_states"})
        return [s for s in states if s["entity_id"].partition(".")[0] not in exclude]

    async def stream(  # noqa: PLR0912 - kept inline: it is the timed loop
        self, apply: Callable[[str, str | None, dict[str, Any] | None], None]
    ) -> tuple[float, float, dict[str, Any]]:
        """Stream the replay through ``apply``; return wall, CPU and its figures.

        ``apply(entity_id, state, attributes)`` gets every update (state None:
        removed); for diffs, ``attributes`` holds only what changed and
        ``apply`` folds it.
        """
        import aiohttp  # noqa: PLC0415

        sentinel = self.cfg["sentinel"]
        prepared = await self.command({"type": "replay/prepare"})
        entities = self.cfg["subscription"] == "entities"
        text = aiohttp.WSMsgType.TEXT
        loads = self.loads
        t0, c0 = _usage()
        await self.ws.send_str(
            self.dumps({"id": 1000, "type": "replay/start"}).decode()
        )
        done = False
        while not done:
            frame = await self.ws.receive()
            if frame.type is not text:
                raise RuntimeError(f"the socket closed: {frame.type!r}")
            payload = loads(frame.data)
            for item in payload if type(payload) is list else (payload,):
                if item["type"] != "event":
                    continue
                event = item["event"]
                if entities:
                    for entity_id, diff in event.get("c", {}).items():
                        plus = diff.get("+", {})
                        removed = diff.get("-", {}).get("a")
                        changed = plus.get("a", {})
                        if removed:
                            changed = {**changed, **dict.fromkeys(removed, _GONE)}
                        apply(entity_id, plus.get("s"), changed)
                        done = done or entity_id == sentinel
                    for entity_id in event.get("r", ()):
                        apply(entity_id, None, None)
                    for entity_id, added in event.get("a", {}).items():
                        apply(entity_id, added["s"], added.get("a", {}))
                else:
                    data = event["data"]
                    entity_id = data["entity_id"]
                    new = data["new_state"]
                    if entity_id.partition(".")[0] in self.exclude:
                        continue
                    if new is None:
                        apply(entity_id, None, None)
                    else:
                        apply(entity_id, new["state"], new["attributes"])
                    done = done or entity_id == sentinel
        t1, c1 = _usage()
        return t1 - t0, c1 - c0, prepared

    exclude: tuple[str, ...] = ()


_GONE = object()


def _fold(old: dict[str, Any], changed: dict[str, Any]) -> dict[str, Any]:
    """Return ``old`` with a diff's attribute changes (and removals) applied."""
    new = {**old, **changed}
    if _GONE in changed.values():
        new = {key: value for key, value in new.items() if value is not _GONE}
    return new


async def consume_local(
    cfg: dict[str, Any], exclude: tuple[str, ...]
) -> dict[str, Any]:
    """Run ``bare`` or ``write`` in a Home Assistant test instance."""
    import aiohttp  # noqa: PLC0415
    from homeassistant.helpers.entity import Entity  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        MockEntityPlatform,
        async_test_home_assistant,
    )

    entities = cfg["subscription"] == "entities"
    with tempfile.TemporaryDirectory(prefix="rb-bench-local-") as config_dir:
        async with (
            async_test_home_assistant(config_dir=config_dir) as hass,
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{cfg['url']}/api/websocket", max_msg_size=0) as ws,
        ):
            replay = _Replay(ws, cfg)
            replay.exclude = exclude
            initial = await replay.connect(exclude)
            states = hass.states
            # What each entity shows now: diffs fold into it.
            shown: dict[str, tuple[str, dict[str, Any]]] = {
                s["entity_id"]: (s["state"], s["attributes"]) for s in initial
            }
            writes = 0

            if cfg["consumer"] == "bare":
                for entity_id, (value, attributes) in shown.items():
                    states.async_set(entity_id, value, attributes)

                def apply(
                    entity_id: str, value: str | None, attributes: dict[str, Any] | None
                ) -> None:
                    nonlocal writes
                    if value is None and attributes is None:
                        shown.pop(entity_id, None)
                        states.async_remove(entity_id)
                        return
                    if entities:
                        old_value, old_attributes = shown.get(entity_id, ("", {}))
                        value = old_value if value is None else value
                        attributes = _fold(old_attributes, attributes or {})
                        shown[entity_id] = (value, attributes)
                    assert value is not None
                    states.async_set(entity_id, value, attributes)
                    writes += 1

            else:

                class Plain(Entity):
                    """An entity that shows what it is given."""

                    _attr_should_poll = False

                    def __init__(
                        self, entity_id: str, value: str, attributes: dict[str, Any]
                    ) -> None:
                        self.entity_id = entity_id
                        self._attr_unique_id = entity_id
                        self._attr_state = value
                        self._attr_extra_state_attributes = attributes

                by_id: dict[str, Plain] = {}
                by_domain: dict[str, list[Plain]] = {}
                for entity_id, (value, attributes) in shown.items():
                    entity = by_id[entity_id] = Plain(entity_id, value, attributes)
                    by_domain.setdefault(entity_id.partition(".")[0], []).append(entity)
                for domain, domain_entities in by_domain.items():
                    platform = MockEntityPlatform(
                        hass, domain=domain, platform_name="bench"
                    )
                    await platform.async_add_entities(domain_entities)
                if len(states.async_all()) != len(by_id):
                    raise RuntimeError("the plain entities are not all live")

                def apply(
                    entity_id: str, value: str | None, attributes: dict[str, Any] | None
                ) -> None:
                    nonlocal writes
                    entity = by_id.get(entity_id)
                    if entity is None or attributes is None:
                        return  # the replay adds and removes nothing mid-stream
                    if entities:
                        attributes = _fold(
                            entity._attr_extra_state_attributes or {}, attributes
                        )
                    if value is not None:
                        entity._attr_state = value
                    entity._attr_extra_state_attributes = attributes
                    entity.async_write_ha_state()
                    writes += 1

            wall, cpu, prepared = await replay.stream(apply)
            final = states.get(cfg["sentinel"])
            if final is None or final.state != cfg["sentinel_state"]:
                raise RuntimeError(
                    f"the sentinel did not reach the state machine: {final}"
                )
            local_states = len(states.async_all())
            await hass.async_stop(force=True)
    await asyncio.sleep(0)
    return {
        "wall": wall,
        "cpu": cpu,
        "wire_bytes": prepared["bytes"],
        "frames": prepared["frames"],
        "writes": writes,
        "local_states": local_states,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
