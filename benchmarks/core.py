"""Import the integration's pure core on its own, as the top-level package ``remote``.

The core's imports are all relative, so it loads without the integration and
without Home Assistant. Only the ``remote`` folder is loaded (through an import
spec): putting the integration's folder on ``sys.path`` instead would let its
platform modules (``select.py``, ``event.py`` …) shadow the standard library.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys
from types import ModuleType

CORE = Path(__file__).resolve().parents[1] / "custom_components" / "remote_bridge"


def import_core() -> ModuleType:
    """Return the core package, importing it once as ``remote``."""
    if (module := sys.modules.get("remote")) is not None:
        return module
    package = CORE / "remote"
    spec = importlib.util.spec_from_file_location(
        "remote", package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["remote"] = module
    spec.loader.exec_module(module)
    return module
