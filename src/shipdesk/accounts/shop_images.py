"""The images a shop puts on its papers (the logo, the promotional insert's picture), checked.

An upload is accepted only if Pillow reads it as a real PNG or JPEG within bounds: at most
`MAX_IMAGE_BYTES` as sent and `MAX_IMAGE_PIXELS` once decoded (the pixel count is read from the
header before anything is decoded, so a decompression bomb is refused without being inflated).
What is kept is the image re-encoded as PNG: no EXIF, no text chunks, no trailing bytes of the
upload survive, and a JPEG's orientation tag is applied first so it prints the right way up.
Pure: bytes in, bytes out (or `ValidationFailed`); storing is `accounts.services`'s job.
"""

from __future__ import annotations

import io
import warnings

from shipdesk.errors import ValidationFailed

MAX_IMAGE_BYTES = 1_000_000
MAX_IMAGE_PIXELS = 16_000_000  # 4000 × 4000: far more than a logo printed 6 cm wide needs
# What is stored: at most this many pixels on the long side (a 6 cm logo at 600 dpi is ~1400).
STORED_LONG_SIDE = 1600
ACCEPTED_FORMATS = ("PNG", "JPEG")


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("The image cannot be used.", details={field: [message]})


def shop_image_png(content: bytes, *, field: str = "file") -> bytes:
    """`content` checked and re-encoded as PNG; `ValidationFailed` (422) naming `field` otherwise."""
    # Pillow (~2 MiB) is loaded at the first upload, not by every web worker that imports the
    # account services.
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415  (deferred for memory)

    if not content:
        raise _refuse(field, "Choose a PNG or JPEG file.")
    if len(content) > MAX_IMAGE_BYTES:
        raise _refuse(field, f"At most {MAX_IMAGE_BYTES // 1_000_000} MB.")
    try:
        with warnings.catch_warnings():
            # Pillow warns (then errors) past its own bomb limit; ours is lower and checked below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse(field, "Only PNG and JPEG images.")
            width, height = image.size
            if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
                raise _refuse(field, f"At most {MAX_IMAGE_PIXELS:,} pixels (4000 × 4000).")
            image.load()  # decodes it all: a truncated or corrupt file fails here
            image = ImageOps.exif_transpose(image)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(field, "Not a PNG or JPEG image.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(field, "The image is damaged or incomplete.") from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((STORED_LONG_SIDE, STORED_LONG_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG")  # a fresh file: only pixels, no metadata chunks
    return out.getvalue()
