"""remote/ is a pure library: no module imports homeassistant, and it runs without."""

from __future__ import annotations

import ast
from pathlib import Path
import subprocess
import sys

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


# Run in a fresh interpreter where any import of homeassistant fails, with the
# core imported as a top-level package (its imports are all relative).
_REFUSING = """
import asyncio, sys

class RefuseHomeAssistant:
    def find_spec(self, name, path=None, target=None):
        if name == "homeassistant" or name.startswith("homeassistant."):
            raise ImportError(f"refused: {name}")
        return None

sys.meta_path.insert(0, RefuseHomeAssistant())
# Only the core's folder, as the package ``remote``: the integration's folder
# on sys.path would let its platform modules shadow the standard library.
import importlib.util
spec = importlib.util.spec_from_file_location(
    "remote", sys.argv[1] + "/__init__.py", submodule_search_locations=[sys.argv[1]]
)
sys.modules["remote"] = module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""

_EXERCISE = """
import aiohttp
import remote

async def main():
    async with aiohttp.ClientSession() as session:
        link = remote.RemoteLink(
            session, "127.0.0.1:8123", "token",
            entity_filter=remote.EntityFilter(prefixes=["light."]),
        )
        heard = []
        link.add_listener(lambda changes: heard.append(dict(changes)))
        link.mirror.replace_all([{
            "entity_id": "light.a", "state": "on", "attributes": {},
            "last_changed": "x", "last_updated": "x", "last_reported": "x",
            "context": {"id": "c", "parent_id": None, "user_id": None},
        }])
        assert len(link.mirror) == 1
        assert link.stats().mirrored_entities == 1
        await link.stop()
        assert link.link_state is remote.ConnectionState.STOPPED
    assert callable(remote.probe)

asyncio.run(main())
loaded = sorted(name for name in sys.modules if name.startswith("homeassistant"))
print("loaded:", loaded)
"""


def _run_refusing(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", _REFUSING + code, str(REMOTE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_core_runs_with_homeassistant_refused() -> None:
    """Import and use the core in a process that cannot import homeassistant."""
    result = _run_refusing(_EXERCISE)
    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stdout


def test_the_hook_refuses_homeassistant() -> None:
    """The same process set-up does fail on an import of homeassistant."""
    result = _run_refusing("import homeassistant.core\n")
    assert result.returncode != 0
    assert "refused: homeassistant" in result.stderr
