"""Every message the integration can show has its English text."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path
import re
from types import ModuleType
from typing import Any

import pytest

from custom_components.remote_bridge.binary_sensor import BINARY_SENSORS
from custom_components.remote_bridge.const import (
    ISSUE_ENTITY_LIMIT,
    ISSUE_OVERLOAD,
    ISSUE_UNREACHABLE,
)
from custom_components.remote_bridge.sensor import RATE_SENSORS, SENSORS

ROOT = Path(__file__).resolve().parents[1]
COMPONENT = ROOT / "custom_components" / "remote_bridge"
GLUE = sorted(COMPONENT.glob("*.py"))
STRINGS: dict[str, Any] = json.loads(
    (COMPONENT / "strings.json").read_text(encoding="utf-8")
)


def load_script() -> ModuleType:
    """Import scripts/translations.py by its path."""
    spec = importlib.util.spec_from_file_location(
        "translations_script", ROOT / "scripts" / "translations.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_en_json_is_generated_from_strings_json() -> None:
    """translations/en.json is exactly what strings.json renders to."""
    script = load_script()
    en = (COMPONENT / "translations" / "en.json").read_text(encoding="utf-8")
    assert en == script.render()
    assert "[%key:" not in en


def test_every_reference_resolves() -> None:
    """Each ``[%key:...%]`` names a common string the script knows."""
    script = load_script()
    references = re.findall(
        r"\[%key:([^%]+)%\]", json.dumps(STRINGS, ensure_ascii=False)
    )
    assert references
    assert set(references) <= set(script.COMMON)


# -- what the code can produce -------------------------------------------------


def calls(name: str) -> list[ast.Call]:
    """Return every call of a function or method called ``name`` in the glue."""
    found = []
    for path in GLUE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else None
                if isinstance(func, ast.Name):
                    called = func.id
                if called == name:
                    found.append(node)
    return found


def keyword_strings(nodes: list[ast.Call], keyword: str) -> set[str]:
    """Return the literal string values passed as ``keyword=`` to ``nodes``."""
    return {
        kw.value.value
        for node in nodes
        for kw in node.keywords
        if kw.arg == keyword
        and isinstance(kw.value, ast.Constant)
        and isinstance(kw.value.value, str)
    }


def form_errors() -> set[str]:
    """Return every literal assigned to ``errors[...]`` in the glue."""
    found = set()
    for path in GLUE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Subscript)
                and isinstance(node.targets[0].value, ast.Name)
                and node.targets[0].value.id == "errors"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    return found


def filter_errors() -> set[str]:
    """Return every key ``remote/filters.py`` raises a FilterValidationError with."""
    source = (COMPONENT / "remote" / "filters.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'FilterValidationError\(\s*"([a-z_]+)"', source))
    # Each list option's (empty, invalid, duplicate) keys, passed to `_clean`.
    for triple in re.findall(r'\(\s*("empty_[a-z_]+",[^)]*)\)', source):
        keys.update(re.findall(r'"([a-z_]+)"', triple))
    return keys


def test_scanners_find_something() -> None:
    """The scans below see the code (a broken scan would pass vacuously)."""
    assert {"invalid_url", "invalid_auth", "ssl_error", "cannot_connect"} <= (
        form_errors()
    )
    assert "self_discovery" in keyword_strings(calls("async_abort"), "reason")
    assert "entry_not_found" in keyword_strings(
        calls("ServiceValidationError"), "translation_key"
    )
    assert len(filter_errors()) == 10


def event_type_errors() -> set[str]:
    """Return every key ``remote_events.py`` refuses a forwarded event type with."""
    source = (COMPONENT / "remote_events.py").read_text(encoding="utf-8")
    return set(re.findall(r'FilterValidationError\(\s*"([a-z_]+)"', source))


# Errors of the options form that are not the filter's.
OPTIONS_FORM_ERRORS = {"invalid_entity_prefix"}


def test_config_errors_and_aborts_translated() -> None:
    """Every form error and abort reason of the config flow has a text."""
    config = STRINGS["config"]
    missing_errors = form_errors() - set(config["error"]) - OPTIONS_FORM_ERRORS
    assert not missing_errors
    aborts = keyword_strings(calls("async_abort"), "reason") | {
        # Raised by Home Assistant's helpers the flow uses.
        "already_configured",  # _abort_if_unique_id_configured
        "reauth_successful",  # async_update_reload_and_abort (reauth)
        "reconfigure_successful",  # async_update_reload_and_abort (reconfigure)
    }
    assert not aborts - set(config["abort"])


def test_options_errors_translated() -> None:
    """Every filter validation error has a text in the options flow."""
    assert form_errors() >= OPTIONS_FORM_ERRORS
    assert len(event_type_errors()) == 5
    assert filter_errors() | event_type_errors() | OPTIONS_FORM_ERRORS == set(
        STRINGS["options"]["error"]
    )


def test_exceptions_and_issues_translated() -> None:
    """Every translation_key of an exception or a repair issue has a text."""
    exception_keys = set()
    for name in (
        "ConfigEntryNotReady",
        "ConfigEntryAuthFailed",
        "ServiceValidationError",
        "HomeAssistantError",
    ):
        exception_keys |= keyword_strings(calls(name), "translation_key")
    assert exception_keys == set(STRINGS["exceptions"])
    for key, value in STRINGS["exceptions"].items():
        assert value["message"], key

    issue_nodes = calls("async_create_issue")
    assert issue_nodes
    # The bridge passes the ISSUE_* constants.
    issues = {
        ISSUE_ENTITY_LIMIT,
        ISSUE_OVERLOAD,
        ISSUE_UNREACHABLE,
        ISSUE_ENTITY_LIMIT,
        ISSUE_OVERLOAD,
    }
    assert set(STRINGS["issues"]) == issues
    for key in issues:
        assert {"title", "description"} <= set(STRINGS["issues"][key])


def test_entities_translated() -> None:
    """Every entity has a name, and every enum option a state text."""
    entity = STRINGS["entity"]
    assert set(entity["binary_sensor"]) == {d.translation_key for d in BINARY_SENSORS}
    sensors = (*SENSORS, *RATE_SENSORS)
    assert set(entity["sensor"]) == {d.translation_key for d in sensors}
    for description in (*BINARY_SENSORS, *sensors):
        assert description.key == description.translation_key
    for description in sensors:
        texts = entity["sensor"][description.key]
        assert texts["name"]
        if description.options:
            assert set(texts["state"]) == set(description.options)


def test_steps_describe_every_field() -> None:
    """Each form field has a label and a data_description."""
    steps = {
        **{f"config.{k}": v for k, v in STRINGS["config"]["step"].items()},
        **{f"options.{k}": v for k, v in STRINGS["options"]["step"].items()},
    }
    for name, step in steps.items():
        assert set(step["data"]) == set(step["data_description"]), name


@pytest.mark.parametrize("section", ["reconnect", "resync"])
def test_actions_translated(section: str) -> None:
    """Both actions and their field have names and descriptions."""
    service = STRINGS["services"][section]
    assert service["name"]
    assert service["description"]
    assert service["fields"]["config_entry_id"]["name"]


def test_icons_match_translation_keys() -> None:
    """icons.json uses only entity and action keys that strings.json has.

    Entities whose device class gives the icon have none there.
    """
    icons = json.loads((COMPONENT / "icons.json").read_text(encoding="utf-8"))
    for platform, platform_icons in icons["entity"].items():
        assert set(platform_icons) <= set(STRINGS["entity"][platform])
    assert set(icons["services"]) == set(STRINGS["services"])
