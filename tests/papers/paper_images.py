"""Test helpers for the papers: images made with Pillow, and PDF pages rendered back to pixels.

A plain module (not a conftest.py), imported by full name as tests/shipping/shipping_fixtures is.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

# A colour nothing else on our papers uses (they are black, greys and white): where it shows,
# the shop's image was drawn.
LOGO_COLOUR = (230, 0, 126)
INSERT_COLOUR = (0, 140, 220)


def image_bytes(colour=LOGO_COLOUR, size=(300, 100), *, fmt: str = "PNG", mode: str = "RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour if mode != "L" else 128).save(out, format=fmt, **save)
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a folder of this test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def rendered_page(content: bytes, tmp_path: Path, *, page: int = 1, dpi: int = 40) -> Image.Image:
    """Page `page` of a PDF as poppler draws it (pdftoppm), as an RGB image."""
    source = tmp_path / f"render-{page}-{len(content)}.pdf"
    source.write_bytes(content)
    prefix = tmp_path / f"render-{page}-{len(content)}"
    done = subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(source), str(prefix)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return Image.open(prefix.with_suffix(".png")).convert("RGB")


def colour_share(image: Image.Image, colour, *, top: float = 0.0, bottom: float = 1.0) -> float:
    """The share of the pixels between `top` and `bottom` (fractions of the height) within a
    small distance of `colour` (antialiasing blends the edges)."""
    width, height = image.size
    area = image.crop((0, int(height * top), width, int(height * bottom)))
    pixels = list(area.get_flattened_data())
    near = sum(1 for p in pixels if all(abs(a - b) <= 12 for a, b in zip(p, colour, strict=True)))
    return near / max(len(pixels), 1)
