"""Draw the brand images: two houses joined by a bridge arc.

python scripts/brand.py   # writes custom_components/remote_bridge/brand/

Home Assistant's brand rules: PNG with transparency, trimmed to the drawing (no
empty margins), icons 256x256 and 512x512 (@2x), logos 256 and 512 (@2x)
pixels on their shortest side. The ``dark_`` variants are shown on a dark
theme, so their lines and text are light instead of navy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parents[1] / "custom_components/remote_bridge/brand"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SCALE = 4  # draw large, then downsample for smooth edges
CLEAR = (0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of one theme."""

    house: tuple[int, int, int, int]
    line: tuple[int, int, int, int]  # bridge, ground and the name


LIGHT = Palette(house=(3, 169, 244, 255), line=(13, 71, 161, 255))
DARK = Palette(house=(3, 169, 244, 255), line=(179, 229, 252, 255))


def _house(
    draw: ImageDraw.ImageDraw, x: float, y: float, s: float, fill: tuple[int, ...]
) -> None:
    """Draw a house whose base centre is at (x, y) and width is s."""
    half = s / 2
    draw.polygon(
        [
            (x - half * 1.15, y - s * 0.55),
            (x, y - s * 1.15),
            (x + half * 1.15, y - s * 0.55),
        ],
        fill=fill,
    )
    draw.rectangle([x - half * 0.8, y - s * 0.6, x + half * 0.8, y], fill=fill)
    door = s * 0.18
    draw.rectangle([x - door, y - s * 0.38, x + door, y], fill=CLEAR)


def trim(image: Image.Image) -> Image.Image:
    """Crop ``image`` to its visible pixels."""
    if (box := image.getchannel("A").getbbox()) is None:
        raise ValueError("nothing was drawn")
    return image.crop(box)


def mark(big: int, palette: Palette) -> Image.Image:
    """Return the drawing on a ``big`` square canvas, trimmed."""
    image = Image.new("RGBA", (big, big), CLEAR)
    draw = ImageDraw.Draw(image)
    ground = big * 0.78
    house = big * 0.28
    _house(draw, big * 0.2, ground, house, palette.house)
    _house(draw, big * 0.8, ground, house, palette.house)
    width = int(big * 0.045)
    draw.arc(
        [big * 0.2, big * 0.22, big * 0.8, big * 1.02],
        start=200,
        end=340,
        fill=palette.line,
        width=width,
    )
    for offset in (-0.12, 0.0, 0.12):  # the bridge's hangers: data flowing across
        cx = big * (0.5 + offset)
        draw.ellipse(
            [cx - width, big * 0.3 - width, cx + width, big * 0.3 + width],
            fill=palette.line,
        )
    draw.rectangle([big * 0.06, ground, big * 0.94, ground + width], fill=palette.line)
    return trim(image)


def icon(size: int, palette: Palette = LIGHT) -> Image.Image:
    """Return the square icon: the drawing fills it on its longer side."""
    drawing = mark(size * SCALE, palette)
    side = max(drawing.size)
    square = Image.new("RGBA", (side, side), CLEAR)
    square.paste(drawing, ((side - drawing.width) // 2, (side - drawing.height) // 2))
    return square.resize((size, size), Image.Resampling.LANCZOS)


def logo(height: int, palette: Palette = LIGHT) -> Image.Image:
    """Return the drawing followed by the name, trimmed, ``height`` pixels tall."""
    big = height * SCALE
    drawing = mark(big * 2, palette)
    drawing = drawing.resize(
        (round(drawing.width * big / drawing.height), big), Image.Resampling.LANCZOS
    )
    font = ImageFont.truetype(FONT, int(big * 0.5))
    text = "Remote Bridge"
    left, top, right, bottom = font.getbbox(text)
    gap = int(big * 0.15)
    image = Image.new("RGBA", (drawing.width + gap + right - left, big), CLEAR)
    image.paste(drawing, (0, 0))
    ImageDraw.Draw(image).text(
        (drawing.width + gap - left, (big - (bottom - top)) // 2 - top),
        text,
        font=font,
        fill=palette.line,
    )
    image = trim(image)
    width = round(image.width * height / image.height)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def main() -> None:
    """Write icon, logo and their @2x and dark_ variants."""
    BRAND.mkdir(parents=True, exist_ok=True)
    for prefix, palette in (("", LIGHT), ("dark_", DARK)):
        icon(256, palette).save(BRAND / f"{prefix}icon.png", optimize=True)
        icon(512, palette).save(BRAND / f"{prefix}icon@2x.png", optimize=True)
        logo(256, palette).save(BRAND / f"{prefix}logo.png", optimize=True)
        logo(512, palette).save(BRAND / f"{prefix}logo@2x.png", optimize=True)


if __name__ == "__main__":
    main()
