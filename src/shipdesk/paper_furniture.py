"""What every paper a shop prints has in common (ReportLab): fonts, escaped text, the logo block.

The packing slip, the gift slip, the pick list, the promotional insert (`shipping.documents`) and
the invoice and credit note (`invoices.documents`) are built from these pieces, so they look
alike and none of them passes a customer's or a seller's words to ReportLab's paragraph markup
unescaped. Pure rendering: bytes and text in, flowables out; nothing here reads the database or
storage (the callers hand over the logo's PNG bytes).

Fonts: DejaVu Sans where installed (Debian's fonts-dejavu-core), so accented and non-Latin names
print as typed rather than as black boxes; the PDF standard fonts (Latin-1 only) otherwise.
"""

from __future__ import annotations

import io
import re
import unicodedata
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# The logo block: at most this wide and this tall, its proportions kept.
LOGO_MAX_WIDTH = 60 * mm
LOGO_MAX_HEIGHT = 20 * mm


@cache
def fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered once per process."""
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        # So that <b> in a paragraph picks the bold face.
        registerFontFamily(
            "DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold", italic="DejaVuSans", boldItalic="DejaVuSans-Bold"
        )
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"  # the PDF standard fonts: Latin-1 only


def clean(text) -> str:
    """Text as it can be printed: control characters dropped (a PDF cannot show them and ReportLab
    may choke on some), composed to NFC so an accent prints on its letter."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", str(text or "")))


def markup(text) -> str:
    """User text made safe for a Paragraph: escaped, line breaks kept. Every word a person typed
    goes through here; a paragraph's own markup (`<b>`) is only ever written by our code."""
    return escape(clean(text)).replace("\r\n", "\n").replace("\n", "<br/>")


def style(name: str, *, size: float, leading: float, bold: bool = False, **kwargs) -> ParagraphStyle:
    """A paragraph style in the papers' fonts. Words longer than the line are split (ReportLab's
    `splitLongWords`), so a 300-letter word wraps inside its column instead of running off the page."""
    regular, bold_face = fonts()
    return ParagraphStyle(
        name, fontName=bold_face if bold else regular, fontSize=size, leading=leading, splitLongWords=1, **kwargs
    )


SMALL_GREY = colors.HexColor("#444444")


def logo_block(png: bytes | None, *, max_width: float = LOGO_MAX_WIDTH, max_height: float = LOGO_MAX_HEIGHT):
    """The shop's logo as a flowable, scaled to fit the block with its proportions kept; None
    when the shop has none. `png` is what `accounts.shop_images` stored: a checked, re-encoded image."""
    if not png:
        return None
    reader = ImageReader(io.BytesIO(png))
    width, height = reader.getSize()
    scale = min(max_width / width, max_height / height)
    image = Image(io.BytesIO(png), width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image
