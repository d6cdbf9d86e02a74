"""Draw the web app icons (static/icons/opencpts-192.png and -512.png) with Pillow: the SVG's white cross on
the OpenCPTS blue (#0b4f8a), inside the safe zone of a maskable icon. Run: `python scripts/make_icons.py`."""

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (11, 79, 138, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parents[1] / "static" / "icons"


def icon(size: int) -> Image.Image:
    image = Image.new("RGBA", (size, size), BLUE)
    draw = ImageDraw.Draw(image)
    unit = size / 512
    radius = round(16 * unit)
    draw.rounded_rectangle([216 * unit, 112 * unit, 296 * unit, 400 * unit], radius=radius, fill=WHITE)
    draw.rounded_rectangle([112 * unit, 216 * unit, 400 * unit, 296 * unit], radius=radius, fill=WHITE)
    return image


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"opencpts-{size}.png", optimize=True)
        print(OUT / f"opencpts-{size}.png")
