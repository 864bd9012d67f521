"""Draw the brand images: two houses joined by a bridge arc.

python scripts/brand.py   # writes custom_components/remote_bridge/brand/
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parents[1] / "custom_components/remote_bridge/brand"
BLUE = (3, 169, 244, 255)
DARK = (13, 71, 161, 255)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _house(draw: ImageDraw.ImageDraw, x: float, y: float, s: float) -> None:
    """Draw a house whose base centre is at (x, y) and width is s."""
    half = s / 2
    draw.polygon(
        [
            (x - half * 1.15, y - s * 0.55),
            (x, y - s * 1.15),
            (x + half * 1.15, y - s * 0.55),
        ],
        fill=BLUE,
    )
    draw.rectangle([x - half * 0.8, y - s * 0.6, x + half * 0.8, y], fill=BLUE)
    door = s * 0.18
    draw.rectangle([x - door, y - s * 0.38, x + door, y], fill=(255, 255, 255, 0))


def icon(size: int) -> Image.Image:
    """Return the square icon at ``size`` pixels."""
    scale = 4  # draw large, then downsample for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ground = big * 0.78
    house = big * 0.28
    _house(draw, big * 0.2, ground, house)
    _house(draw, big * 0.8, ground, house)
    width = int(big * 0.045)
    draw.arc(
        [big * 0.2, big * 0.22, big * 0.8, big * 1.02],
        start=200,
        end=340,
        fill=DARK,
        width=width,
    )
    for offset in (-0.12, 0.0, 0.12):  # the bridge's hangers: data flowing across
        cx = big * (0.5 + offset)
        draw.ellipse(
            [cx - width, big * 0.3 - width, cx + width, big * 0.3 + width], fill=DARK
        )
    draw.rectangle([big * 0.06, ground, big * 0.94, ground + width], fill=DARK)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def logo(height: int) -> Image.Image:
    """Return the icon followed by the name, ``height`` pixels tall."""
    mark = icon(height)
    font = ImageFont.truetype(FONT, int(height * 0.34))
    text = "Remote Bridge"
    left, top, right, bottom = font.getbbox(text)
    width = height + int(height * 0.1) + (right - left) + int(height * 0.1)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste(mark, (0, 0), mark)
    draw = ImageDraw.Draw(image)
    draw.text(
        (height + int(height * 0.1) - left, (height - (bottom - top)) // 2 - top),
        text,
        font=font,
        fill=DARK,
    )
    return image


def main() -> None:
    """Write icon.png, icon@2x.png, logo.png and logo@2x.png."""
    BRAND.mkdir(parents=True, exist_ok=True)
    icon(256).save(BRAND / "icon.png", optimize=True)
    icon(512).save(BRAND / "icon@2x.png", optimize=True)
    logo(256).save(BRAND / "logo.png", optimize=True)
    logo(512).save(BRAND / "logo@2x.png", optimize=True)


if __name__ == "__main__":
    main()
