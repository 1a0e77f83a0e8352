"""The invoice and credit note PDFs (ReportLab), rendered from the issued rows only.

Everything a customer or seller typed is escaped before it reaches ReportLab's paragraph markup;
dates are in the seller's timezone. Fonts as the evidence pack: DejaVu when installed.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shipdesk.dashboard.display import money_text

from .models import CreditNote, Invoice

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@cache
def _fonts() -> tuple[str, str]:
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdfmetrics.registerFont(TTFont("InvoiceSans", str(regular)))
        pdfmetrics.registerFont(TTFont("InvoiceSans-Bold", str(bold)))
        return "InvoiceSans", "InvoiceSans-Bold"
    return "Helvetica", "Helvetica-Bold"  # Latin-1 only


def _text(value) -> str:
    return escape(_CONTROL.sub("", str(value or ""))).replace("\n", "<br/>")


def _styles():
    regular, bold = _fonts()
    return (
        ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12),
        ParagraphStyle("head", fontName=bold, fontSize=9.5, leading=12),
        ParagraphStyle("title", fontName=bold, fontSize=16, leading=20),
    )


def _header(invoice: Invoice, heading: str, body, head, title) -> list:
    order, seller = invoice.order, invoice.order.seller
    return [
        Paragraph(_text(heading), title),
        Spacer(1, 3 * mm),
        Table(
            [
                [
                    Paragraph("<br/>".join([_text(seller.name), _text(f"Tax id: {invoice.seller_tax_id}")]), body),
                    Paragraph(
                        "<br/>".join(["<b>Bill to</b>", *(_text(line) for line in invoice.bill_to)]),
                        body,
                    ),
                ]
            ],
            colWidths=[85 * mm, 85 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]),
        ),
        Spacer(1, 3 * mm),
        Paragraph(_text(f"Order #{order.number}"), head),
    ]


def _build(story: list, title: str, author: str) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
    ).build(story)
    return buffer.getvalue()


def _grid(rows: list[list[str]], widths: list[float], body, head) -> Table:
    return Table(
        [[Paragraph(_text(c), head if i == 0 else body) for c in row] for i, row in enumerate(rows)],
        colWidths=widths,
        repeatRows=1,
        style=TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        ),
    )


def render_invoice(invoice: Invoice) -> bytes:
    body, head, title = _styles()
    zone = ZoneInfo(invoice.order.seller.timezone)
    cur = invoice.currency
    story = _header(invoice, f"Tax invoice {invoice.label}", body, head, title)
    story.append(Paragraph(_text(f"Issued {invoice.issued_at.astimezone(zone):%Y-%m-%d}"), body))
    story.append(Spacer(1, 3 * mm))
    rows = [["SKU", "Item", "Qty", "Unit price", "Net", "Tax rate", "Tax"]]
    rows += [
        [
            line["sku"],
            line["title"],
            str(line["quantity"]),
            money_text(Decimal(line["unit_price"]), cur),
            money_text(Decimal(line["net"]), cur),
            f"{line['rate']}%",
            money_text(Decimal(line["tax"]), cur),
        ]
        for line in invoice.lines
    ]
    if invoice.shipping_fee or invoice.shipping_tax:
        rate = (
            (invoice.shipping_tax * 100 / invoice.shipping_fee).quantize(Decimal("0.01")) if invoice.shipping_fee else 0
        )
        rows.append(
            [
                "",
                "Shipping",
                "1",
                money_text(invoice.shipping_fee, cur),
                money_text(invoice.shipping_fee, cur),
                f"{rate}%",
                money_text(invoice.shipping_tax, cur),
            ]
        )
    story.append(_grid(rows, [24 * mm, 44 * mm, 10 * mm, 22 * mm, 22 * mm, 18 * mm, 30 * mm], body, head))
    story.append(Spacer(1, 4 * mm))
    story.append(
        _grid(
            [
                ["", ""],
                ["Net total", money_text(invoice.net_total, cur)],
                ["Tax total", money_text(invoice.tax_total, cur)],
                ["Total", money_text(invoice.total, cur)],
            ],
            [40 * mm, 40 * mm],
            body,
            head,
        )
    )
    return _build(story, f"Invoice {invoice.label}", invoice.order.seller.name)


def render_credit_note(note: CreditNote) -> bytes:
    body, head, title = _styles()
    invoice = note.invoice
    zone = ZoneInfo(invoice.order.seller.timezone)
    cur = invoice.currency
    story = _header(invoice, f"Credit note {note.label}", body, head, title)
    story += [
        Paragraph(_text(f"Issued {note.issued_at.astimezone(zone):%Y-%m-%d}"), body),
        Paragraph(_text(f"Credits invoice {invoice.label} of {invoice.issued_at.astimezone(zone):%Y-%m-%d}"), body),
        Spacer(1, 3 * mm),
        _grid(
            [
                ["", ""],
                ["Net refunded", money_text(note.net, cur)],
                ["Tax refunded", money_text(note.tax, cur)],
                ["Total refunded", money_text(note.total, cur)],
            ],
            [40 * mm, 40 * mm],
            body,
            head,
        ),
    ]
    return _build(story, f"Credit note {note.label}", invoice.order.seller.name)
