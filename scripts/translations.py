"""Build translations/en.json from strings.json.

Home Assistant resolves ``[%key:common::...%]`` references only for core
integrations; a custom integration must ship the resolved English text.

Run ``python scripts/translations.py`` to write translations/en.json, or with
``--check`` to fail when it is out of date.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys
from typing import Any

COMPONENT = Path(__file__).resolve().parents[1] / "custom_components" / "remote_bridge"

# The common strings this integration references (from Home Assistant's own).
COMMON = {
    "common::config_flow::data::url": "URL",
    "common::config_flow::data::access_token": "Access token",
    "common::config_flow::data::verify_ssl": "Verify SSL certificate",
    "common::config_flow::error::unknown": "Unexpected error",
    "common::config_flow::abort::reauth_successful": (
        "Re-authentication was successful"
    ),
    "common::config_flow::abort::reconfigure_successful": (
        "Re-configuration was successful"
    ),
}
_REFERENCE = re.compile(r"\[%key:([^%]+)%\]")


def resolve(value: Any) -> Any:
    """Replace every reference in a strings.json tree by its text."""
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    if isinstance(value, str):
        return _REFERENCE.sub(lambda match: COMMON[match.group(1)], value)
    return value


def render() -> str:
    """Return the en.json text strings.json produces."""
    strings = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))
    return json.dumps(resolve(strings), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Write or check translations/en.json."""
    target = COMPONENT / "translations" / "en.json"
    text = render()
    if "--check" in sys.argv:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print("translations/en.json is out of date: run scripts/translations.py")
            return 1
        return 0
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
