"""remote/ is a pure library: no module may import homeassistant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REMOTE = Path(__file__).parents[2] / "custom_components" / "remote_bridge" / "remote"


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


MODULES = sorted(REMOTE.glob("*.py"))


def test_modules_found() -> None:
    """The glob really finds the package (an empty list would pass vacuously)."""
    names = {path.name for path in MODULES}
    assert {"client.py", "mirror.py", "filters.py", "protocol.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_homeassistant_import(path: Path) -> None:
    """Neither ``import homeassistant`` nor ``from homeassistant... import``."""
    offending = [
        name
        for name in _imports(path)
        if name == "homeassistant" or name.startswith("homeassistant.")
    ]
    assert offending == []


def test_detector_catches_an_import(tmp_path: Path) -> None:
    """The parser would see a nested, aliased import."""
    module = tmp_path / "bad.py"
    module.write_text(
        "def f():\n    from homeassistant.core import State as S\n    return S\n"
    )
    assert "homeassistant.core" in _imports(module)
