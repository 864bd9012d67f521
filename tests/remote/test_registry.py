"""The registry snapshot (parsed defensively) and the sharing filter it resolves."""

from __future__ import annotations

from typing import Any

from custom_components.remote_bridge.remote.registry import (
    MAX_TEXT,
    RegistrySnapshot,
    parse_devices,
    parse_entities,
    parse_names,
)
from custom_components.remote_bridge.remote.sharing import (
    SharedEntityFilter,
    SharingRules,
)


def snapshot() -> RegistrySnapshot:
    """Return a remote with two devices in two areas and a few labelled entities."""
    return RegistrySnapshot(
        entities=parse_entities(
            {
                "entities": [
                    {"ei": "light.desk", "pl": "hue", "di": "d1", "lb": ["shared"]},
                    {"ei": "light.hall", "pl": "hue", "di": "d2"},
                    {"ei": "sensor.power", "pl": "shelly", "di": "d2", "ai": "kitchen"},
                    {"ei": "switch.fan", "pl": "shelly", "lb": ["shared"], "hb": True},
                    {"ei": "sensor.hidden", "pl": "demo", "hb": True},
                ]
            }
        ),
        devices=parse_devices(
            [
                {"id": "d1", "name": "Desk", "area_id": "office", "labels": []},
                {
                    "id": "d2",
                    "name": "Hall",
                    "name_by_user": "Big hall",
                    "labels": ["x"],
                },
            ]
        ),
        areas=parse_names(
            [{"area_id": "office", "name": "Office"}, {"area_id": "kitchen"}],
            "area_id",
            10,
        ),
        labels=parse_names([{"label_id": "shared", "name": "Shared"}], "label_id", 10),
    )


def test_parsing_skips_what_is_malformed() -> None:
    """A hostile remote's junk is skipped, texts are capped, nothing raises."""
    junk: list[Any] = [
        None,
        "light.x",
        {"ei": 5},
        {"ei": "nodot"},
        {"ei": "light.ok", "pl": ["x"], "lb": "notalist", "hb": "yes"},
        {"ei": "light.long", "en": "n" * 10_000, "lb": [1, "", "a"]},
    ]
    entities = parse_entities({"entities": junk})
    assert set(entities) == {"light.ok", "light.long"}
    assert entities["light.ok"].platform is None
    assert entities["light.ok"].labels == frozenset()
    assert entities["light.ok"].hidden is False
    assert entities["light.long"].name == "n" * MAX_TEXT
    assert entities["light.long"].labels == {"a"}
    assert parse_entities([1, 2]) == {}
    assert parse_entities({"entities": "x"}) == {}
    assert parse_devices({"not": "a list"}) == {}
    assert parse_devices([{"id": None}, {"name": "no id"}]) == {}
    assert parse_names([{"area_id": "a", "name": 3}], "area_id", 10) == {"a": "a"}
    assert len(parse_names([{"area_id": str(i)} for i in range(20)], "area_id", 5)) == 5


def test_snapshot_answers_area_labels_and_names() -> None:
    """An entity's area is its own, else its device's; labels include the device's."""
    snap = snapshot()
    assert snap.area_of("light.desk") == "office"
    assert snap.area_of("sensor.power") == "kitchen"
    assert snap.area_of("switch.fan") is None
    assert snap.labels_of("light.hall") == {"x"}
    assert snap.devices["d2"].display_name == "Big hall"
    assert snap.area_name("kitchen") == "kitchen"
    assert snap.integrations == {"hue", "shelly", "demo"}


def test_rules_each_set_one_must_match() -> None:
    """Labels, areas and integrations combine with "and"; values with "or"."""
    snap = snapshot()
    only, hidden = SharingRules(labels=frozenset({"shared"})).resolve(snap)
    assert only == frozenset({"light.desk"})  # switch.fan is hidden
    assert hidden == frozenset({"switch.fan", "sensor.hidden"})
    only, _ = SharingRules(labels=frozenset({"shared"}), skip_hidden=False).resolve(
        snap
    )
    assert only == frozenset({"light.desk", "switch.fan"})
    rules = SharingRules(integrations=frozenset({"hue"}), areas=frozenset({"office"}))
    assert rules.resolve(snap)[0] == frozenset({"light.desk"})
    assert SharingRules(areas=frozenset({"kitchen"})).resolve(snap)[0] == frozenset(
        {"sensor.power"}
    )
    # Nothing selected: no list, only the hidden dropped.
    assert SharingRules().resolve(snap) == (
        None,
        frozenset({"switch.fan", "sensor.hidden"}),
    )


def test_without_a_registry_a_selection_shares_nothing() -> None:
    """A non-admin token: labels cannot match, so a selection mirrors nothing."""
    assert SharingRules(labels=frozenset({"shared"})).resolve(None) == (
        frozenset(),
        frozenset(),
    )
    assert SharingRules().resolve(None) == (None, frozenset())


def test_the_filter_sends_the_explicit_list() -> None:
    """The remote is sent exactly the shared ids the other options keep."""
    entity_filter = SharedEntityFilter(
        exclude_domains=["switch"],
        rules=SharingRules(labels=frozenset({"shared"}), skip_hidden=False),
    )
    assert entity_filter.matches_nothing  # nothing read yet
    assert entity_filter("light.desk") is False
    assert entity_filter.share(snapshot()) is True
    assert entity_filter.share(snapshot()) is False  # unchanged
    assert entity_filter.server_filter() == {"include": {"entities": ["light.desk"]}}
    assert entity_filter.server_filter_exact
    assert entity_filter("light.desk") is True
    assert entity_filter("switch.fan") is False  # shared, but its domain excluded
    assert entity_filter("light.hall") is False


def test_hidden_entities_join_the_exclusions() -> None:
    """With no selection, hidden ids are sent as exact exclusions."""
    entity_filter = SharedEntityFilter(prefixes=["light.", "switch."])
    assert entity_filter.share(snapshot())
    server = entity_filter.server_filter()
    assert server["exclude"]["entities"] == ["sensor.hidden", "switch.fan"]
    assert entity_filter("switch.fan") is False
    assert entity_filter("light.hall") is True
    # Filtering off keeps everything, as before.
    off = SharedEntityFilter(enabled=False)
    off.share(snapshot())
    assert off("switch.fan") is True
    assert off.server_filter() == {}
