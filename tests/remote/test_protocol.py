"""protocol: URLs, and decoding compressed states exactly like HA's as_dict()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import itertools
from typing import Any

from homeassistant.core import Context, Event, EventStateChangedData, State
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.remote_bridge.remote import InvalidUrl
from custom_components.remote_bridge.remote.protocol import (
    apply_diff,
    expand_compressed_state,
    is_full_state,
    normalize_url,
    services_as_list,
    timestamp_to_iso,
    websocket_url,
)

from .scripted_server import full, state_diff, to_json


@pytest.mark.parametrize(
    ("raw", "base", "ws"),
    [
        ("192.168.1.5:8123", "http://192.168.1.5:8123", "ws://192.168.1.5:8123"),
        ("homeassistant.local", "http://homeassistant.local", None),
        ("http://ha:8123", "http://ha:8123", "ws://ha:8123"),
        ("https://ha.example.com", "https://ha.example.com", "wss://ha.example.com"),
        ("HTTPS://HA.Example.com:443/", "https://ha.example.com:443", None),
        ("ws://ha:8123", "http://ha:8123", "ws://ha:8123"),
        ("wss://ha.example.com", "https://ha.example.com", "wss://ha.example.com"),
        ("ws://ha:8123/api/websocket", "http://ha:8123", None),
        ("https://ha:8123/api/websocket/", "https://ha:8123", None),
        ("https://proxy/ha/api/websocket", "https://proxy/ha", "wss://proxy/ha"),
        ("  http://ha:8123  ", "http://ha:8123", None),
        ("http://[::1]:8123", "http://[::1]:8123", "ws://[::1]:8123"),
        ("[fe80::1]:8123", "http://[fe80::1]:8123", None),
        ("https://[2001:db8::1]", "https://[2001:db8::1]", None),
    ],
)
def test_normalize_url(raw: str, base: str, ws: str | None) -> None:
    """Every way a user writes the address becomes http(s)://host[:port]."""
    assert normalize_url(raw) == base
    assert websocket_url(base) == f"{ws or base.replace('http', 'ws', 1)}/api/websocket"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ftp://ha:21",
        "http://",
        "http://ha:99999",
        "http://ha:port",
        "http://user:pw@ha:8123",
        "http://ha:8123/?x=1",
        "http://ha:8123/#frag",
        "http://[::1",
        "http://ha kitchen:8123",
        "://ha",
    ],
)
def test_invalid_url(raw: str) -> None:
    """Garbage raises InvalidUrl, a RemoteBridgeError, not a ValueError."""
    with pytest.raises(InvalidUrl):
        normalize_url(raw)


# -- compressed states against HA's own State and helpers ------------------------

T0 = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)


def ha_state(
    entity_id: str,
    state: str,
    attributes: dict[str, Any] | None = None,
    *,
    changed: datetime = T0,
    updated: datetime | None = None,
    context: Context | None = None,
) -> State:
    """Build a real HA State (last_reported = last_updated, as after a change)."""
    updated = updated or changed
    return State(
        entity_id,
        state,
        attributes,
        last_changed=changed,
        last_updated=updated,
        last_reported=updated,
        context=context or Context(id="01JDCTX0000000000000000000"),
    )


def diff_of(old: State, new: State) -> dict[str, Any]:
    """HA's own subscribe_entities diff for old -> new, as it crosses the wire."""
    event = Event[EventStateChangedData](
        "state_changed",
        {"entity_id": new.entity_id, "old_state": old, "new_state": new},
    )
    diff: dict[str, Any] = state_diff(event)["c"][new.entity_id]
    return diff


def compressed_of(state: State) -> dict[str, Any]:
    """HA's compressed state (the subscribe_entities ``a`` entry), over JSON."""
    compressed: dict[str, Any] = to_json(state.as_compressed_state)
    return compressed


@pytest.mark.parametrize(
    "state",
    [
        ha_state("light.a", "on", {"brightness": 255, "rgb": [1, 2, 3]}),
        ha_state("sensor.t", "21.5", {}),
        ha_state("sensor.t", "1", {"x": None}, updated=T0 + timedelta(seconds=5)),
        ha_state(
            "switch.s",
            "off",
            context=Context(id="C1", parent_id="P1", user_id="U1"),
        ),
        ha_state("sensor.t", "1", context=Context(id="C2", user_id="U2")),
        ha_state("sensor.whole", "2", changed=T0.replace(microsecond=0)),
    ],
)
def test_expand_compressed_state(state: State) -> None:
    """An ``a`` entry expands to exactly HA's State.as_dict()."""
    assert expand_compressed_state(state.entity_id, compressed_of(state)) == full(state)


CTX_A = Context(id="A")
CTX_B = Context(id="B")
CTX_B_USER = Context(id="B", user_id="user1")
CTX_C_PARENT = Context(id="C", parent_id="P", user_id="user1")
T1 = T0 + timedelta(seconds=1, microseconds=7)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # state change: lc (and so lu) move
        (
            ha_state("light.a", "off", {"b": 1}, context=CTX_A),
            ha_state("light.a", "on", {"b": 1}, changed=T1, context=CTX_B),
        ),
        # attribute-only change: lu moves, lc stays
        (
            ha_state("light.a", "on", {"b": 1}, context=CTX_A),
            ha_state("light.a", "on", {"b": 2}, updated=T1, context=CTX_B),
        ),
        # attribute removed and one added
        (
            ha_state("light.a", "on", {"b": 1, "gone": True}, context=CTX_A),
            ha_state("light.a", "on", {"b": 1, "new": [1]}, updated=T1, context=CTX_B),
        ),
        # all attributes removed
        (
            ha_state("light.a", "on", {"b": 1, "c": 2}, context=CTX_A),
            ha_state("light.a", "on", {}, updated=T1, context=CTX_B),
        ),
        # last_updated-only change (force_update), same context
        (
            ha_state("sensor.t", "1", {"u": "C"}, context=CTX_A),
            ha_state("sensor.t", "1", {"u": "C"}, updated=T1, context=CTX_A),
        ),
        # context gains a user id
        (
            ha_state("sensor.t", "1", context=CTX_A),
            ha_state("sensor.t", "2", changed=T1, context=CTX_B_USER),
        ),
        # context gains a parent, keeps the user
        (
            ha_state("sensor.t", "1", context=CTX_B_USER),
            ha_state("sensor.t", "2", changed=T1, context=CTX_C_PARENT),
        ),
        # context loses parent and user
        (
            ha_state("sensor.t", "1", context=CTX_C_PARENT),
            ha_state("sensor.t", "1", {"a": 1}, updated=T1, context=CTX_A),
        ),
        # lc was != lu before, a state change makes them equal again
        (
            ha_state("sensor.t", "1", updated=T1, context=CTX_A),
            ha_state("sensor.t", "2", changed=T1 + timedelta(seconds=1)),
        ),
    ],
)
def test_apply_diff_matches_ha(old: State, new: State) -> None:
    """Old as_dict() + HA's diff == new as_dict(), and the old one is untouched."""
    before = full(old)
    snapshot = to_json(before)
    assert apply_diff(before, diff_of(old, new)) == full(new)
    assert before == snapshot


def test_apply_diff_chain_from_compressed() -> None:
    """Expand an add, then apply several diffs: always HA's as_dict()."""
    states = [
        ha_state("climate.h", "heat", {"t": 20, "modes": ["a"]}, context=CTX_A),
        ha_state("climate.h", "heat", {"t": 21, "modes": ["a"]}, updated=T1),
        ha_state(
            "climate.h",
            "off",
            {"modes": ["a", "b"]},
            changed=T1 + timedelta(seconds=3),
            context=CTX_C_PARENT,
        ),
    ]
    current = expand_compressed_state("climate.h", compressed_of(states[0]))
    for old, new in itertools.pairwise(states):
        current = apply_diff(current, diff_of(old, new))
        assert current == full(new)


def test_unchanged_attributes_are_shared() -> None:
    """A diff without attribute changes keeps the same attributes object."""
    old = ha_state("sensor.t", "1", {"big": list(range(100))}, context=CTX_A)
    new = ha_state("sensor.t", "2", {"big": list(range(100))}, changed=T1)
    before = full(old)
    after = apply_diff(before, diff_of(old, new))
    assert after["attributes"] is before["attributes"]


@settings(max_examples=300, database=None)
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - naive bounds
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    )
)
def test_timestamps_round_trip(moment: datetime) -> None:
    """Timestamp -> isoformat gives HA's isoformat to the microsecond."""
    aware = moment.replace(tzinfo=UTC)
    assert timestamp_to_iso(aware.timestamp()) == aware.isoformat()


def test_is_full_state_and_services() -> None:
    """Shape checks, and get_services' dict as /api/services' list."""
    assert is_full_state(full(ha_state("a.b", "1")))
    assert not is_full_state({"entity_id": "a.b", "state": 1, "attributes": {}})
    assert not is_full_state({"entity_id": "a.b", "state": "1"})
    assert not is_full_state(["a.b"])
    assert services_as_list({"light": {"turn_on": {}}, "x": {}}) == [
        {"domain": "light", "services": {"turn_on": {}}},
        {"domain": "x", "services": {}},
    ]
