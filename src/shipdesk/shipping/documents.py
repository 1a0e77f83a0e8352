"""The papers of the packing bench, as PDF (ReportLab): packing slips, 4×6 labels, pick lists.

Rendering only: every function takes plain data (`selectors.document_orders` builds it, scoped to
a seller) and returns the PDF's bytes; nothing here reads the database. Many orders make one
file: a slip (or a label) per order, one after the other, so a batch prints in one go.

The page furniture every paper shares — fonts, escaped text, the shop's logo — comes from
`shipdesk.paper_furniture`: everything a customer or seller typed is escaped before it reaches
ReportLab's paragraph markup. What issue 18 added (docs/papers.md): the logo on the slip, the
gift slip (no prices), "This is a gift" and the gift message on the slip, the products' handling
notes beside their lines, and the shop's promotional insert as a page after each slip.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader, PdfWriter
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER, inch
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from shipdesk.paper_furniture import SMALL_GREY, clean, fonts, logo_block, markup, style

# ReportLab and PIL weigh ~10 MiB in a process: only the PDF endpoints import this module, when
# first called (see shipping.api and shipping.views); the data it renders lives apart.
from .document_data import DocumentLine, DocumentOrder, DocumentShipment, PostageLabel

LABEL_SIZE = (4 * inch, 6 * inch)
# Countries that print on US Letter; everyone else uses A4.
LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PR"})
FRAME_PADDING = 6  # ReportLab's frames keep 6 pt inside the margins


@dataclass(frozen=True)
class PickRow:
    bin_location: str
    sku: str
    title: str
    quantity: int
    order_numbers: tuple[int, ...]
    handling: tuple[str, ...] = ()  # the product's handling notes, as printed


# --- fonts and text -------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "body": style("body", size=10, leading=13),
        "small": style("small", size=8, leading=10, textColor=SMALL_GREY),
        "cell": style("cell", size=9.5, leading=12),
        "head": style("head", size=9.5, leading=12, bold=True),
        "shop": style("shop", size=18, leading=22, bold=True),
        "title": style("title", size=13, leading=16, bold=True),
        "address": style("address", size=11, leading=14),
        "handling": style("handling", size=8.5, leading=11, bold=True),
        "gift": style("gift", size=12, leading=16),
        "insert": style("insert", size=12, leading=17),
    }


def _page_size(country: str) -> tuple[float, float]:
    return LETTER if country in LETTER_COUNTRIES else A4


class CheckBox(Flowable):
    """An empty square the packer ticks with a pen."""

    def __init__(self, size: float = 9):
        super().__init__()
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.width, self.height)


def _barcode(value: str, *, max_width: float, bar_height: float) -> Code128:
    """A Code 128 barcode of `value` as wide as allowed, with modules between 0.8 and 1.5 pt.

    Wide enough modules keep it readable by a cheap scanner (and by zbar at 150 dpi); the ASCII
    check keeps ReportLab from silently dropping characters Code 128 cannot carry.
    """
    value = "".join(ch for ch in clean(value) if 32 <= ord(ch) < 127)
    # The width includes the quiet zones (10 modules each side) without which no scanner reads it.
    probe = Code128(value, barWidth=1, barHeight=bar_height, humanReadable=False)
    bar_width = max(0.8, min(1.5, max_width / max(probe.width, 1)))
    return Code128(value, barWidth=bar_width, barHeight=bar_height, humanReadable=False)


def _render(build) -> bytes:
    buffer = io.BytesIO()
    build(buffer)
    return buffer.getvalue()


# --- packing slips --------------------------------------------------------------------------


def _shop_heading(order: DocumentOrder, styles: dict[str, ParagraphStyle]) -> list:
    """The top-left block of a slip: the shop's logo (when it has one) above its name."""
    logo = logo_block(order.logo)
    return [*([logo, Spacer(1, 2 * mm)] if logo else []), Paragraph(markup(order.shop_name), styles["shop"])]


def _item_cell(line: DocumentLine, styles: dict[str, ParagraphStyle]) -> list:
    """A line's title, with its handling notes under it in bold, where the packer reads the item."""
    cell = [Paragraph(markup(line.title), styles["cell"])]
    if line.handling:
        cell.append(Paragraph(markup("Handling: " + " · ".join(line.handling)), styles["handling"]))
    return cell


def _gift_block(order: DocumentOrder, styles: dict[str, ParagraphStyle], width: float) -> Table:
    """ "This is a gift", boxed, and the customer's message: the packer leaves out any price."""
    content = [Paragraph("This is a gift", styles["title"])]
    if order.gift_message.strip():
        content.append(Paragraph(markup(order.gift_message), styles["gift"]))
    return Table(
        [[content]],
        colWidths=[width],
        style=TableStyle([("BOX", (0, 0), (-1, -1), 1.2, colors.black), ("LEFTPADDING", (0, 0), (-1, -1), 8)]),
    )


def _slip(order: DocumentOrder, styles: dict[str, ParagraphStyle], width: float) -> list:
    barcode = _barcode(str(order.number), max_width=60 * mm, bar_height=14 * mm)
    header = Table(
        [
            [
                _shop_heading(order, styles),
                barcode,
            ],
            [
                Paragraph(f"Packing slip &nbsp;·&nbsp; Order #{order.number}", styles["title"]),
                Paragraph(
                    f"#{order.number}", ParagraphStyle("under_barcode", parent=styles["small"], alignment=TA_RIGHT)
                ),
            ],
            [Paragraph(f"Placed {order.placed_at:%d %b %Y}", styles["small"]), ""],
        ],
        colWidths=[width - 65 * mm, 65 * mm],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    ship_to = Paragraph("<br/>".join(markup(line) for line in order.ship_to if line), styles["address"])
    rows = [["", Paragraph("SKU", styles["head"]), Paragraph("Item", styles["head"]), Paragraph("Qty", styles["head"])]]
    rows += [
        [
            CheckBox(),
            Paragraph(markup(line.sku), styles["cell"]),
            _item_cell(line, styles),
            Paragraph(str(line.quantity), styles["head"]),
        ]
        for line in order.lines
    ]
    lines = Table(
        rows,
        colWidths=[10 * mm, 45 * mm, width - 75 * mm, 20 * mm],
        repeatRows=1,
        style=TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        ),
    )
    story: list = [header, Spacer(1, 6 * mm)]
    if order.is_gift:
        story += [_gift_block(order, styles, width), Spacer(1, 5 * mm)]
    story += [Paragraph("Ship to", styles["head"]), ship_to, Spacer(1, 6 * mm), lines]
    total = sum(line.quantity for line in order.lines)
    story.append(Paragraph(f"{total} item{'s' if total != 1 else ''}", styles["small"]))
    if order.customer_note.strip():
        story += [
            Spacer(1, 5 * mm),
            Paragraph("Note from the customer", styles["head"]),
            Paragraph(markup(order.customer_note), styles["body"]),
        ]
    if order.thank_you_note.strip():
        story += [Spacer(1, 8 * mm), KeepTogether([Paragraph(markup(order.thank_you_note), styles["body"])])]
    return story


def _insert_page(order: DocumentOrder, styles: dict[str, ParagraphStyle], width: float, height: float) -> list:
    """The shop's promotional insert, a page of its own to cut or fold into the box: its picture
    (up to half the page) and its text, with the shop's logo above."""
    story: list = []
    logo = logo_block(order.logo)
    if logo:
        story += [logo, Spacer(1, 6 * mm)]
    picture = logo_block(order.insert_image, max_width=width, max_height=height / 2)
    if picture:
        picture.hAlign = "CENTER"
        story += [picture, Spacer(1, 6 * mm)]
    if order.insert_text.strip():
        story.append(Paragraph(markup(order.insert_text), styles["insert"]))
    return story


def packing_slips_pdf(orders: Sequence[DocumentOrder]) -> bytes:
    """One packing slip per order, each starting on a new page, in one PDF; a shop that set a
    promotional insert gets its insert page after each of its slips."""
    styles = _styles()
    size = _page_size(orders[0].shop_country if orders else "")
    margin = 15 * mm

    def build(buffer):
        doc = SimpleDocTemplate(
            buffer,
            pagesize=size,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin,
            bottomMargin=margin,
            title="Packing slips" if len(orders) > 1 else f"Packing slip #{orders[0].number}",
            author="Shipdesk",
        )
        width, height = doc.width - 2 * FRAME_PADDING, doc.height - 2 * FRAME_PADDING
        story: list = []
        for i, order in enumerate(orders):
            if i:
                story.append(PageBreak())
            story += _slip(order, styles, width)
            if order.has_insert:
                # Its own page after the slip, printed with it and put in the same box.
                story += [PageBreak(), *_insert_page(order, styles, width, height)]
        doc.build(story)

    return _render(build)


# --- gift slips -----------------------------------------------------------------------------


def _gift_slip(order: DocumentOrder, styles: dict[str, ParagraphStyle], width: float) -> list:
    """What goes in a gift's box for the one who receives it: the shop, the message and the
    items — never a price, a total or the buyer's own details."""
    story: list = [
        *_shop_heading(order, styles),
        Spacer(1, 4 * mm),
        Paragraph(f"Gift slip &nbsp;·&nbsp; Order #{order.number}", styles["title"]),
        Spacer(1, 6 * mm),
    ]
    recipient = next((line for line in order.ship_to if line), "")
    if recipient:
        story.append(Paragraph(f"For {markup(recipient)}", styles["head"]))
    if order.gift_message.strip():
        story += [Spacer(1, 3 * mm), _gift_message_box(order, styles, width)]
    rows = [[Paragraph("Item", styles["head"]), Paragraph("Qty", styles["head"])]]
    rows += [
        [Paragraph(markup(line.title), styles["cell"]), Paragraph(str(line.quantity), styles["head"])]
        for line in order.lines
    ]
    story += [
        Spacer(1, 6 * mm),
        Table(
            rows,
            colWidths=[width - 20 * mm, 20 * mm],
            repeatRows=1,
            style=TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#999999")),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                ]
            ),
        ),
    ]
    if order.thank_you_note.strip():
        story += [Spacer(1, 8 * mm), KeepTogether([Paragraph(markup(order.thank_you_note), styles["body"])])]
    return story


def _gift_message_box(order: DocumentOrder, styles: dict[str, ParagraphStyle], width: float) -> Table:
    return Table(
        [[Paragraph(markup(order.gift_message), styles["gift"])]],
        colWidths=[width],
        style=TableStyle([("BOX", (0, 0), (-1, -1), 1.2, colors.black), ("LEFTPADDING", (0, 0), (-1, -1), 8)]),
    )


def gift_slips_pdf(orders: Sequence[DocumentOrder]) -> bytes:
    """One gift slip per order, each on its own page: no price anywhere (the data it is given
    carries none)."""
    styles = _styles()
    size = _page_size(orders[0].shop_country if orders else "")
    margin = 15 * mm

    def build(buffer):
        doc = SimpleDocTemplate(
            buffer,
            pagesize=size,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin,
            bottomMargin=margin,
            title="Gift slips" if len(orders) > 1 else f"Gift slip #{orders[0].number}",
            author="Shipdesk",
        )
        story: list = []
        for i, order in enumerate(orders):
            if i:
                story.append(PageBreak())
            story += _gift_slip(order, styles, doc.width - 2 * FRAME_PADDING)
        doc.build(story)

    return _render(build)


# --- shipping labels ------------------------------------------------------------------------


def _draw_paragraph(
    canvas: Canvas, text: str, style: ParagraphStyle, x: float, top: float, width: float, max_height: float
) -> float:
    paragraph = Paragraph(text, style)
    _, height = paragraph.wrap(width, max_height)
    paragraph.drawOn(canvas, x, top - height)
    return height


def _label(canvas: Canvas, order: DocumentOrder, shipment: DocumentShipment, styles: dict[str, ParagraphStyle]) -> None:
    width, height = LABEL_SIZE
    margin = 0.2 * inch
    inner = width - 2 * margin
    _, bold = fonts()

    canvas.setLineWidth(1.2)
    canvas.rect(margin / 2, margin / 2, width - margin, height - margin)
    top = height - margin
    top -= (
        _draw_paragraph(
            canvas,
            "FROM<br/>" + "<br/>".join(markup(x) for x in (order.shop_name, order.shop_email, order.shop_country) if x),
            styles["small"],
            margin,
            top,
            inner,
            1 * inch,
        )
        + 8
    )
    canvas.line(margin / 2, top, width - margin / 2, top)
    top -= 8
    to_style = ParagraphStyle("to", parent=styles["address"], fontSize=12, leading=15)
    top -= (
        _draw_paragraph(
            canvas,
            "SHIP TO<br/>"
            + "<br/>".join(
                f"<b>{markup(line)}</b>" if i == 0 else markup(line) for i, line in enumerate(order.ship_to) if line
            ),
            to_style,
            margin,
            top,
            inner,
            1.7 * inch,
        )
        + 8
    )
    canvas.line(margin / 2, top, width - margin / 2, top)
    top -= 6
    top -= (
        _draw_paragraph(
            canvas,
            f"<b>{markup(shipment.carrier)}</b> · {markup(shipment.service)}",
            styles["body"],
            margin,
            top,
            inner,
            0.6 * inch,
        )
        + 6
    )

    barcode = _barcode(shipment.tracking_number, max_width=inner, bar_height=0.9 * inch)
    barcode.drawOn(canvas, margin + (inner - barcode.width) / 2, top - barcode.height)
    top -= barcode.height + 4
    canvas.setFont(bold, 11)
    canvas.drawCentredString(width / 2, top - 11, clean(shipment.tracking_number))
    top -= 22
    canvas.setFont(fonts()[0], 8)
    parcel = f" · parcel {order.parcels.index(shipment) + 1} of {len(order.parcels)}" if len(order.parcels) > 1 else ""
    canvas.drawString(margin, margin, f"Order #{order.number}{parcel}")
    if shipment.sandbox:
        canvas.setFont(bold, 10)
        canvas.drawRightString(width - margin, margin, "SANDBOX · NOT A REAL LABEL")


def labels_pdf(orders: Sequence[DocumentOrder]) -> bytes:
    """One 4×6 in label per parcel of each order (one per shipped order that left in one box), one per page."""
    styles = _styles()

    def build(buffer):
        canvas = Canvas(buffer, pagesize=LABEL_SIZE)
        canvas.setTitle("Shipping labels" if len(orders) > 1 else f"Shipping label #{orders[0].number}")
        canvas.setAuthor("Shipdesk")
        for order in orders:
            for shipment in order.parcels:
                _label(canvas, order, shipment, styles)
                canvas.showPage()
        canvas.save()

    return _render(build)


def postage_label_pdf(label: PostageLabel) -> bytes:
    """A 4×6 in carrier label with postage: sender, recipient, service, weight and the tracking
    number as Code 128 (the sandbox label provider's; real providers send their own PDF)."""
    styles = _styles()
    regular, bold = fonts()

    def build(buffer):
        canvas = Canvas(buffer, pagesize=LABEL_SIZE)
        canvas.setTitle(f"Shipping label {label.tracking_number}")
        canvas.setAuthor("Shipdesk")
        width, height = LABEL_SIZE
        margin = 0.2 * inch
        inner = width - 2 * margin
        canvas.setLineWidth(1.2)
        canvas.rect(margin / 2, margin / 2, width - margin, height - margin)
        top = height - margin
        canvas.setFont(bold, 14)
        canvas.drawString(margin, top - 14, clean(label.carrier)[:40])
        canvas.setFont(regular, 9)
        canvas.drawRightString(width - margin, top - 12, f"{label.weight_grams / 1000:.2f} kg · {clean(label.postage)}")
        top -= 22
        canvas.line(margin / 2, top, width - margin / 2, top)
        top -= 6
        top -= (
            _draw_paragraph(
                canvas,
                "FROM<br/>" + "<br/>".join(markup(x) for x in label.sender if x),
                styles["small"],
                margin,
                top,
                inner,
                1.1 * inch,
            )
            + 8
        )
        canvas.line(margin / 2, top, width - margin / 2, top)
        top -= 8
        to_style = ParagraphStyle("to", parent=styles["address"], fontSize=12, leading=15)
        top -= (
            _draw_paragraph(
                canvas,
                "SHIP TO<br/>"
                + "<br/>".join(
                    f"<b>{markup(line)}</b>" if i == 0 else markup(line)
                    for i, line in enumerate(label.recipient)
                    if line
                ),
                to_style,
                margin,
                top,
                inner,
                1.7 * inch,
            )
            + 8
        )
        canvas.line(margin / 2, top, width - margin / 2, top)
        top -= 6
        top -= _draw_paragraph(
            canvas, f"<b>{markup(label.service)}</b>", styles["body"], margin, top, inner, 0.4 * inch
        )
        top -= 6
        barcode = _barcode(label.tracking_number, max_width=inner, bar_height=0.9 * inch)
        barcode.drawOn(canvas, margin + (inner - barcode.width) / 2, top - barcode.height)
        top -= barcode.height + 4
        canvas.setFont(bold, 11)
        canvas.drawCentredString(width / 2, top - 11, clean(label.tracking_number))
        canvas.setFont(regular, 8)
        canvas.drawString(margin, margin, clean(label.reference))
        if label.sandbox:
            canvas.setFont(bold, 10)
            canvas.drawRightString(width - margin, margin, "SANDBOX · NOT REAL POSTAGE")
        canvas.showPage()
        canvas.save()

    return _render(build)


def image_label_pdf(image: bytes) -> bytes:
    """A provider's 4×6 in label image (PNG) on a 4×6 in PDF page, so every label prints alike."""

    def build(buffer):
        canvas = Canvas(buffer, pagesize=LABEL_SIZE)
        canvas.setTitle("Shipping label")
        canvas.setAuthor("Shipdesk")
        canvas.drawImage(ImageReader(io.BytesIO(image)), 0, 0, *LABEL_SIZE, preserveAspectRatio=True, anchor="c")
        canvas.showPage()
        canvas.save()

    return _render(build)


def combined_pdf(documents: Sequence[bytes]) -> bytes:
    """Several PDFs as one, pages in the order given (a batch of labels prints in one go)."""
    writer = PdfWriter()
    for document in documents:
        for page in PdfReader(io.BytesIO(document)).pages:
            writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- pick list ------------------------------------------------------------------------------


def pick_rows(orders: Sequence[DocumentOrder]) -> list[PickRow]:
    """Quantities summed per SKU across the orders, in shelf order (bin location, then SKU);
    products without a bin come last."""
    rows: dict[str, dict] = {}
    for order in orders:
        for line in order.lines:
            row = rows.setdefault(
                line.sku,
                {"bin": line.bin_location, "title": line.title, "quantity": 0, "orders": [], "handling": line.handling},
            )
            row["quantity"] += line.quantity
            if order.number not in row["orders"]:
                row["orders"].append(order.number)
    return sorted(
        (
            PickRow(
                bin_location=r["bin"],
                sku=sku,
                title=r["title"],
                quantity=r["quantity"],
                order_numbers=tuple(r["orders"]),
                handling=r["handling"],
            )
            for sku, r in rows.items()
        ),
        key=lambda r: (r.bin_location == "", _natural(r.bin_location), r.sku),
    )


def _natural(text: str) -> tuple:
    # "A-2" before "A-10", as the shelves are numbered.
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def shop_clock_text(moment: datetime, orders: Sequence[DocumentOrder]) -> str:
    """ "15 Jan 2025 09:30 EST (America/New_York)": `moment` on the shop's clock, the zone named,
    so a paper printed in the morning does not read as printed in the afternoon. Orders of
    several shops with different clocks (a platform's batch) are stamped in UTC."""
    zones = {order.shop_timezone for order in orders}
    zone = ZoneInfo(zones.pop()) if len(zones) == 1 else ZoneInfo("UTC")
    local = moment.astimezone(zone)
    abbreviation = local.tzname() or ""
    name = abbreviation if abbreviation == zone.key else f"{abbreviation} ({zone.key})".strip()
    return f"{local:%d %b %Y %H:%M} {name}"


def pick_list_pdf(orders: Sequence[DocumentOrder], *, generated_at: datetime) -> bytes:
    styles = _styles()
    size = _page_size(orders[0].shop_country if orders else "")
    margin = 15 * mm
    width = size[0] - 2 * margin - 2 * FRAME_PADDING
    rows = pick_rows(orders)

    def build(buffer):
        doc = SimpleDocTemplate(
            buffer,
            pagesize=size,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin,
            bottomMargin=margin,
            title="Pick list",
            author="Shipdesk",
        )
        shops = sorted({o.shop_name for o in orders})
        numbers = ", ".join(f"#{o.number}" for o in orders)
        table = [[Paragraph(h, styles["head"]) for h in ("", "Bin", "SKU", "Item", "Qty", "Orders")]]
        table += [
            [
                CheckBox(),
                Paragraph(markup(r.bin_location or "—"), styles["head"]),
                Paragraph(markup(r.sku), styles["cell"]),
                _item_cell(DocumentLine(sku=r.sku, title=r.title, quantity=r.quantity, handling=r.handling), styles),
                Paragraph(str(r.quantity), styles["head"]),
                Paragraph(", ".join(f"#{n}" for n in r.order_numbers), styles["small"]),
            ]
            for r in rows
        ]
        story = [
            Paragraph(f"Pick list · {markup(', '.join(shops))}", styles["title"]),
            Paragraph(
                f"{len(orders)} order{'s' if len(orders) != 1 else ''}, {_items(sum(r.quantity for r in rows))} · "
                f"{shop_clock_text(generated_at, orders)}",
                styles["small"],
            ),
            Paragraph(f"Orders: {numbers}", styles["small"]),
            Spacer(1, 5 * mm),
            Table(
                table,
                colWidths=[10 * mm, 22 * mm, 38 * mm, width - 125 * mm, 15 * mm, 40 * mm],
                repeatRows=1,
                style=TableStyle(
                    [
                        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#999999")),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                ),
            ),
        ]
        doc.build(story)

    return _render(build)
