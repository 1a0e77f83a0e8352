"""The invoice and credit note PDFs (ReportLab), rendered from the issued rows only.

Built from the page furniture every paper shares (`shipdesk.paper_furniture`): the shop's logo
above the heading when it has one, its fonts, and everything a customer or seller typed escaped
before it reaches ReportLab's paragraph markup. Dates are in the seller's timezone.
"""

from __future__ import annotations

import io
from decimal import Decimal
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shipdesk.accounts.paper_images import stored_image
from shipdesk.dashboard.display import money_text
from shipdesk.paper_furniture import logo_block, markup, style

from .models import CreditNote, Invoice


def _styles():
    return (
        style("body", size=9.5, leading=12),
        style("head", size=9.5, leading=12, bold=True),
        style("title", size=16, leading=20, bold=True),
    )


def _header(invoice: Invoice, heading: str, body, head, title) -> list:
    order, seller = invoice.order, invoice.order.seller
    logo = logo_block(stored_image(seller.logo))
    return [
        *([logo, Spacer(1, 4 * mm)] if logo else []),
        Paragraph(markup(heading), title),
        Spacer(1, 3 * mm),
        Table(
            [
                [
                    Paragraph("<br/>".join([markup(seller.name), markup(f"Tax id: {invoice.seller_tax_id}")]), body),
                    Paragraph(
                        "<br/>".join(["<b>Bill to</b>", *(markup(line) for line in invoice.bill_to)]),
                        body,
                    ),
                ]
            ],
            colWidths=[85 * mm, 85 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]),
        ),
        Spacer(1, 3 * mm),
        Paragraph(markup(f"Order #{order.number}"), head),
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
        [[Paragraph(markup(c), head if i == 0 else body) for c in row] for i, row in enumerate(rows)],
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
    story.append(Paragraph(markup(f"Issued {invoice.issued_at.astimezone(zone):%Y-%m-%d}"), body))
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
        Paragraph(markup(f"Issued {note.issued_at.astimezone(zone):%Y-%m-%d}"), body),
        Paragraph(markup(f"Credits invoice {invoice.label} of {invoice.issued_at.astimezone(zone):%Y-%m-%d}"), body),
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
