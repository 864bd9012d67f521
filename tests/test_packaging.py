"""What hassfest and the HACS action would check, as far as it can be offline."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

from homeassistant.components import binary_sensor, sensor
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from PIL import Image, ImageStat
import pytest
import yaml

from custom_components.remote_bridge.binary_sensor import BINARY_SENSORS
from custom_components.remote_bridge.const import DOMAIN
from custom_components.remote_bridge.sensor import RATE_SENSORS, SENSORS

ROOT = Path(__file__).resolve().parents[1]
COMPONENT = ROOT / "custom_components" / DOMAIN

# Keys the HACS action accepts in hacs.json.
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "render_readme",
    "hacs",
    "persistent_directory",
}
IOT_CLASSES = {
    "assumed_state",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
    "calculated",
}
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_manifest() -> None:
    """The manifest has the contract's keys, in hassfest's order."""
    manifest = _json(COMPONENT / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:]), "after domain and name, keys are sorted"
    assert manifest["domain"] == DOMAIN
    assert manifest["name"] == "Remote Bridge"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["iot_class"] == "local_push"
    assert manifest["integration_type"] == "hub"
    assert manifest["dependencies"] == ["http"]
    assert manifest["requirements"] == []  # HA ships aiohttp and orjson
    assert SEMVER.match(manifest["version"])
    assert manifest["codeowners"]
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    for key in ("documentation", "issue_tracker"):
        assert manifest[key].startswith("https://")


def test_changelog_names_the_version() -> None:
    """The changelog has an entry for the manifest's version."""
    version = _json(COMPONENT / "manifest.json")["version"]
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_hacs_json() -> None:
    """hacs.json has only keys HACS accepts and a minimum HA version."""
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"] == "Remote Bridge"
    assert re.match(r"^\d{4}\.\d{1,2}\.\d+$", hacs["homeassistant"])


BRAND = COMPONENT / "brand"
BRAND_IMAGES = [
    f"{theme}{kind}{density}.png"
    for theme in ("", "dark_")
    for kind in ("icon", "logo")
    for density in ("", "@2x")
]


@pytest.mark.parametrize("name", BRAND_IMAGES)
def test_brand_image(name: str) -> None:
    """Each brand image follows Home Assistant's brand rules.

    PNG with a transparent background, trimmed to the drawing; icons square at
    256 (512 for @2x) pixels, logos landscape with their shortest side within
    128-256 (256-512 for @2x) pixels.
    """
    hdpi = "@2x" in name
    with Image.open(BRAND / name) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        alpha = image.getchannel("A")
        assert alpha.getextrema()[0] == 0, "a transparent background"
        box = alpha.getbbox()
        assert box is not None
        width, height = image.size
        if name.removeprefix("dark_").startswith("icon"):
            assert image.size == ((512, 512) if hdpi else (256, 256))
            # Square, so padded on one side: the drawing spans the other.
            assert (box[0], box[2]) == (0, width) or (box[1], box[3]) == (0, height)
        else:
            assert (256 if hdpi else 128) <= height <= (512 if hdpi else 256)
            assert width >= height
            assert box == (0, 0, width, height), "trimmed"


@pytest.mark.parametrize("kind", ["icon", "logo"])
def test_brand_hdpi_images_match(kind: str) -> None:
    """Each @2x image is the same picture at twice the size."""
    for theme in ("", "dark_"):
        with (
            Image.open(BRAND / f"{theme}{kind}.png") as image,
            Image.open(BRAND / f"{theme}{kind}@2x.png") as hdpi,
        ):
            assert hdpi.height == 2 * image.height
            assert abs(hdpi.width - 2 * image.width) <= 1


def _lightness(image: Image.Image) -> float:
    """Return the mean lightness of the opaque pixels."""
    gray = image.convert("L")
    opaque = image.getchannel("A").point(lambda value: 255 if value > 128 else 0)
    return float(ImageStat.Stat(gray, mask=opaque).mean[0])


@pytest.mark.parametrize("kind", ["icon", "logo"])
def test_dark_brand_images_are_lighter(kind: str) -> None:
    """The dark_ variants are drawn to show up on a dark theme."""
    with (
        Image.open(BRAND / f"{kind}.png") as image,
        Image.open(BRAND / f"dark_{kind}.png") as dark,
    ):
        assert image.size == dark.size
        assert _lightness(dark) > _lightness(image) + 30


def test_icons_for_every_entity_and_action() -> None:
    """Every entity and action has an icon; none repeats a device class's.

    An entity with a device class takes that class's icon, unless icons.json
    gives it one per state (which says more).
    """
    icons = _json(COMPONENT / "icons.json")
    platforms = {
        "binary_sensor": (binary_sensor, BINARY_SENSORS),
        "sensor": (sensor, (*SENSORS, *RATE_SENSORS)),
    }
    for platform, (module, descriptions) in platforms.items():
        assert module.__file__ is not None
        class_icons = _json(Path(module.__file__).parent / "icons.json")
        for description in descriptions:
            assert description.key == description.translation_key
            own = icons["entity"].get(platform, {}).get(description.key)
            if description.device_class is None:
                assert own is not None, description.key
            elif own is None:
                assert description.device_class in class_icons["entity_component"]
            else:
                assert "state" in own, description.key
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    assert set(icons["services"]) == set(services)


async def test_services_yaml_matches_registered_actions(hass: HomeAssistant) -> None:
    """services.yaml and strings.json describe exactly the registered actions."""
    assert await async_setup_component(hass, "http", {})
    assert await async_setup_component(hass, DOMAIN, {})
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    assert set(services) == registered
    strings = _json(COMPONENT / "strings.json")
    assert set(strings["services"]) == registered
    for name, service in services.items():
        assert set(service["fields"]) == set(strings["services"][name]["fields"])
