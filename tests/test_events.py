"""Forwarded remote events, against the test hass as its own remote.

The test hass is both sides: an event fired here is also on the "remote" bus,
and a ``remote_bridge_event`` fired here is one too. Refusing to forward
``remote_bridge_event`` is what keeps such a bridge from looping.
"""

from __future__ import annotations

from http import HTTPStatus
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, Event, EventOrigin, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.remote_bridge.const import DEFAULT_OPTIONS, DOMAIN

from .conftest import RemoteHass
from .integration_helpers import bridge_of, mock_entry, setup_integration, wait_for
from .views_helpers import next_event

TEST_EVENT = "acc_test_event"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        """Start at an arbitrary time."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the current time."""
        return self.now


def collect(hass: HomeAssistant, event_type: str) -> list[Event]:
    """Return a list that every local event of ``event_type`` is appended to."""
    events: list[Event] = []

    @callback
    def listener(event: Event) -> None:
        events.append(event)

    hass.bus.async_listen(event_type, listener)
    return events


async def forwarding_entry(
    hass: HomeAssistant, remote: RemoteHass, **options: Any
) -> MockConfigEntry:
    """Set up a bridge forwarding ``acc_test_event`` (and ``options``)."""
    return await setup_integration(
        hass, remote, **{"forward_events": [TEST_EVENT], **options}
    )


def forwarded(bridge: Any) -> int:
    """Return how many events the bridge forwarded and dropped, together."""
    stats = bridge.stats
    return int(stats.events_forwarded + stats.events_dropped)


async def test_fired_as_remote_bridge_event(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Each remote event fires one remote_bridge_event, in order, with its context."""
    entry = await forwarding_entry(hass, remote)
    bridge = bridge_of(entry)
    fired = collect(hass, "remote_bridge_event")
    originals = collect(hass, TEST_EVENT)
    contexts = [Context() for _ in range(20)]
    for number, context in enumerate(contexts):
        hass.bus.async_fire(
            TEST_EVENT, {"n": number, "nested": {"a": [1]}}, context=context
        )
    await wait_for(lambda: len(fired) == 20, what="20 forwarded events")

    assert [event.data["data"] for event in fired] == [
        {"n": number, "nested": {"a": [1]}} for number in range(20)
    ]
    first = fired[0]
    assert set(first.data) == {"entry_id", "event_type", "data", "origin", "time_fired"}
    assert first.data["entry_id"] == entry.entry_id
    assert first.data["event_type"] == TEST_EVENT
    assert first.data["origin"] == "LOCAL"  # where it happened on the remote
    assert first.data["time_fired"] == originals[0].time_fired.isoformat()
    assert first.origin is EventOrigin.remote
    assert [event.context.id for event in fired] == [c.id for c in contexts]
    # Never fired again under its own type: only the 20 the test fired.
    assert len(originals) == 20
    assert bridge.stats.events_forwarded == 20
    assert bridge.stats.events_dropped == 0


async def test_self_bridge_does_not_loop(
    hass: HomeAssistant, remote: RemoteHass, caplog: pytest.LogCaptureFixture
) -> None:
    """A bridge to itself with remote_bridge_event in its saved options does not loop.

    The options flow refuses it; an entry written by hand keeps it, and the
    bridge still does not subscribe to it. Each event arrives once.
    """
    entry = await setup_integration(
        hass,
        remote,
        forward_events=["remote_bridge_event", "state_changed", TEST_EVENT],
    )
    bridge = bridge_of(entry)
    fired = collect(hass, "remote_bridge_event")
    for number in range(3):
        hass.bus.async_fire(TEST_EVENT, {"n": number})

        def arrived(count: int = number + 1) -> bool:
            return len(fired) == count

        await wait_for(arrived, what="the event")
        # A ping goes round after the event: anything looped would be in by now.
        await bridge.link.client.send_command({"type": "ping"})
    assert [event.data["data"]["n"] for event in fired] == [0, 1, 2]
    assert bridge.stats.events_forwarded == 3
    assert bridge.stats.events_dropped == 0
    # Entities, two service events, the entity registry, one forwarded type.
    assert bridge.stats.subscriptions == 5


async def test_automation_triggers_on_forwarded_event(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """The README's automation runs for the forwarded type and nested data only."""
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": {
                    "trigger": "event",
                    "event_type": "remote_bridge_event",
                    "event_data": {
                        "event_type": TEST_EVENT,
                        "data": {"button": "left"},
                    },
                },
                "actions": {
                    "action": "test.automation",
                    "data": {
                        "n": "{{ trigger.event.data.data.n }}",
                        "entry": "{{ trigger.event.data.entry_id }}",
                    },
                },
            }
        },
    )
    entry = await forwarding_entry(hass, remote, forward_events=[TEST_EVENT, "other"])
    hass.bus.async_fire("other", {"button": "left", "n": 1})
    hass.bus.async_fire(TEST_EVENT, {"button": "right", "n": 2})
    hass.bus.async_fire(TEST_EVENT, {"button": "left", "n": 3})
    await wait_for(lambda: len(calls) == 1, what="the automation")
    await hass.async_block_till_done()
    assert [call.data for call in calls] == [{"n": 3, "entry": entry.entry_id}]


async def test_burst_is_bounded(
    hass: HomeAssistant, remote: RemoteHass, caplog: pytest.LogCaptureFixture
) -> None:
    """Past the rate, events are dropped and counted, with one warning per burst."""
    entry = await forwarding_entry(hass, remote, forward_events_rate=5)
    bridge = bridge_of(entry)
    assert bridge.link.forwarder is not None
    clock = bridge.link.forwarder.bucket.clock = Clock()
    fired = collect(hass, "remote_bridge_event")
    for number in range(50):
        hass.bus.async_fire(TEST_EVENT, {"n": number})
    await wait_for(lambda: forwarded(bridge) == 50, what="50 events")
    assert [event.data["data"]["n"] for event in fired] == [0, 1, 2, 3, 4]
    assert (bridge.stats.events_forwarded, bridge.stats.events_dropped) == (5, 45)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        (
            f"More than 5 events per second from {remote.url}: dropping events "
            "until the burst is over (counted in events_dropped)"
        )
    ]

    clock.now += 1  # the burst is over
    hass.bus.async_fire(TEST_EVENT, {"n": 50})
    await wait_for(lambda: len(fired) == 6, what="the event after the burst")
    assert fired[-1].data["data"] == {"n": 50}
    assert bridge.link.connected
    assert entry.state is ConfigEntryState.LOADED


async def test_figures_in_metrics_and_status(
    hass: HomeAssistant, remote: RemoteHass, hass_client: ClientSessionGenerator
) -> None:
    """/metrics and /status show what was forwarded and dropped."""
    entry = await forwarding_entry(hass, remote, forward_events_rate=2)
    bridge = bridge_of(entry)
    assert bridge.link.forwarder is not None
    bridge.link.forwarder.bucket.clock = Clock()
    for number in range(3):
        hass.bus.async_fire(TEST_EVENT, {"n": number})
    await wait_for(lambda: forwarded(bridge) == 3, what="3 events")
    client = await hass_client()
    base = f"/api/remote_bridge/{entry.entry_id}"
    metrics = await (await client.get(f"{base}/metrics")).text()
    label = f'{{entry_id="{entry.entry_id}"}}'
    assert f"remote_bridge_events_forwarded_total{label} 2.0" in metrics
    assert f"remote_bridge_events_dropped_total{label} 1.0" in metrics
    status = await (await client.get(f"{base}/status")).json()
    assert status["forwarded_events"] == {"forwarded": 2, "dropped": 1}


async def test_stream_sends_remote_events_to_admins(
    hass: HomeAssistant,
    remote: RemoteHass,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
) -> None:
    """Admins' streams get remote_event whatever their ?domain=; others' do not."""
    hass.states.async_set("light.kitchen", "on")
    entry = await forwarding_entry(hass, remote)
    url = f"/api/remote_bridge/{entry.entry_id}/stream?domain=light"
    admin = await hass_client()
    reader = await hass_client(hass_read_only_access_token)
    fired = collect(hass, "remote_bridge_event")
    async with admin.get(url) as admin_stream, reader.get(url) as reader_stream:
        assert admin_stream.status == reader_stream.status == HTTPStatus.OK
        assert (await next_event(admin_stream))[0] == "snapshot"
        assert (await next_event(reader_stream))[0] == "snapshot"
        hass.bus.async_fire(TEST_EVENT, {"button": "left"})
        await wait_for(lambda: len(fired) == 1, what="the forwarded event")
        hass.states.async_set("light.kitchen", "off")  # a sentinel for both
        assert await next_event(admin_stream) == ("remote_event", fired[0].data)
        assert (await next_event(admin_stream))[0] == "state"
        event, data = await next_event(reader_stream)
        assert (event, data["entity_id"]) == ("state", "light.kitchen")


def options_input(**changes: Any) -> dict[str, Any]:
    """Return a full options form submission."""
    return {**DEFAULT_OPTIONS, **changes}


@pytest.mark.parametrize(
    ("forward_events", "key", "value"),
    [
        (["zha_event", "state_changed"], "refused_event_type", "state_changed"),
        ([" remote_bridge_event "], "refused_event_type", "remote_bridge_event"),
        (["service_registered"], "refused_event_type", "service_registered"),
        (["zha event"], "invalid_event_type", "zha event"),
        (["*"], "invalid_event_type", "*"),
        (["x" * 65], "invalid_event_type", "x" * 65),
        (["x" * 200], "invalid_event_type", "x" * 69 + "…"),
        ([" "], "empty_event_type", " "),
        (["zha_event", "zha_event "], "duplicate_event_type", "zha_event"),
        ([f"event_{n}" for n in range(33)], "too_many_event_types", "32"),
    ],
)
async def test_options_refuse_event_types(
    hass: HomeAssistant, forward_events: list[str], key: str, value: str
) -> None:
    """Each refused event type is shown on its field with the offending value."""
    entry = mock_entry(url="http://127.0.0.1:1", token="x")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], options_input(forward_events=forward_events)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"forward_events": key}
    assert result["description_placeholders"] == {"value": value}


@pytest.mark.parametrize("rate", [0, 1_001])
async def test_options_rate_range(hass: HomeAssistant, rate: int) -> None:
    """A rate outside 1 to 1,000 per second is refused by the form."""
    entry = mock_entry(url="http://127.0.0.1:1", token="x")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], options_input(forward_events_rate=rate)
        )


async def test_options_saved_and_applied(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """Saved event types are stripped, subscribed on reload and forwarded."""
    entry = await setup_integration(hass, remote)
    assert bridge_of(entry).link.forwarder is None
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        options_input(
            entity_filters=["light."],
            forward_events=[f" {TEST_EVENT} ", "zha_event"],
            forward_events_rate=20.0,
        ),
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["forward_events"] == [TEST_EVENT, "zha_event"]
    assert entry.options["forward_events_rate"] == 20
    assert isinstance(entry.options["forward_events_rate"], int)
    bridge = bridge_of(entry)
    assert bridge.link.forwarder is not None
    assert bridge.link.forwarder.bucket.rate == 20
    fired = collect(hass, "remote_bridge_event")
    hass.bus.async_fire("zha_event", {"command": "on"})
    await wait_for(lambda: len(fired) == 1, what="the forwarded event")
    assert fired[0].data["event_type"] == "zha_event"
    assert fired[0].data["entry_id"] == entry.entry_id
    assert DOMAIN in hass.config_entries.async_domains()


async def test_forwarding_survives_a_reconnect(
    hass: HomeAssistant, remote: RemoteHass
) -> None:
    """After the link is rebuilt, each event still arrives, and only once."""
    entry = await forwarding_entry(hass, remote)
    bridge = bridge_of(entry)
    snapshots = bridge.link.snapshots
    await bridge.async_reconnect()
    await wait_for(
        lambda: bridge.link.connected and bridge.link.snapshots > snapshots,
        what="the new link",
    )
    fired = collect(hass, "remote_bridge_event")
    hass.bus.async_fire(TEST_EVENT, {"n": 1})
    await wait_for(lambda: len(fired) == 1, what="the event")
    await bridge.link.client.send_command(
        {"type": "ping"}
    )  # anything doubled is in now
    assert [event.data["data"] for event in fired] == [{"n": 1}]
    assert bridge.stats.subscriptions == 5  # with the entity registry events
