"""quality_scale.yaml covers every rule of the Integration Quality Scale.

hassfest is not installed with Home Assistant, so the rule list and the file's
schema are copied here from home-assistant/core's
``script/hassfest/quality_scale.py``. When core adds a rule, add it to RULES:
the test then asks for a status for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
import yaml

ROOT = Path(__file__).resolve().parents[1]
QUALITY_SCALE = ROOT / "custom_components" / "remote_bridge" / "quality_scale.yaml"

# script/hassfest/quality_scale.py, ALL_RULES, by tier.
RULES: dict[str, tuple[str, ...]] = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": (
        "async-dependency",
        "inject-websession",
        "strict-typing",
    ),
}
ALL_RULES = [rule for tier in RULES.values() for rule in tier]

# hassfest's SCHEMA: a bare todo/done, or a mapping with a comment; exempt
# always needs one.
STATUS = vol.Any(
    vol.In(["todo", "done"]),
    vol.Schema(
        {
            vol.Required("status"): vol.In(["todo", "done"]),
            vol.Required("comment"): str,
        }
    ),
    vol.Schema({vol.Required("status"): "exempt", vol.Required("comment"): str}),
)
SCHEMA = vol.Schema(
    {vol.Required("rules"): vol.Schema({vol.Optional(r): STATUS for r in ALL_RULES})}
)


def _rules() -> dict[str, Any]:
    data = yaml.safe_load(QUALITY_SCALE.read_text(encoding="utf-8"))
    SCHEMA(data)
    rules: dict[str, Any] = data["rules"]
    return rules


def _status(value: Any) -> str:
    status = value["status"] if isinstance(value, dict) else value
    assert isinstance(status, str), value
    return status


def test_rule_list_is_hassfests() -> None:
    """The copied list has no duplicates and hassfest's 54 rules."""
    assert len(ALL_RULES) == len(set(ALL_RULES)) == 54


def test_file_matches_hassfest_schema() -> None:
    """The file loads and has only known rules in hassfest's shapes."""
    _rules()


def test_every_rule_has_a_status() -> None:
    """No rule of any tier is left out: each is done, exempt or todo."""
    rules = _rules()
    missing = [rule for rule in ALL_RULES if rule not in rules]
    assert not missing


@pytest.mark.parametrize("rule", ALL_RULES)
def test_exempt_and_todo_say_why(rule: str) -> None:
    """An exemption gives a reason; a todo says what is missing."""
    value = _rules()[rule]
    if _status(value) in ("exempt", "todo"):
        assert isinstance(value, dict), f"{rule}: needs a comment"
        assert len(value["comment"].split()) >= 5, f"{rule}: the comment says why"


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("discovery-update-info", ("token", "reconfigure")),
        ("unique-config-entry", ("url", "instance id")),
        ("dynamic-devices", ("remote device", "live")),
        ("stale-devices", ("remote device", "last mirrored entity")),
    ],
)
def test_recorded_decisions(rule: str, words: tuple[str, ...]) -> None:
    """The decisions a reviewer will question carry their reason."""
    value = _rules()[rule]
    assert isinstance(value, dict)
    comment = value["comment"].lower()
    for word in words:
        assert word in comment, f"{rule}: {word!r}"
