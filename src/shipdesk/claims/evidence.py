"""The chargeback evidence pack as a PDF (ReportLab): what the seller sends the payment provider.

Rendering only, from `claims.selectors.evidence_pack`: the dispute, the order and its items, the
address it was shipped to, every parcel with every carrier scan (the delivery scan is the proof
most disputes turn on), what the customer reported (claims, in their words), the conversation
with the customer (every message with its time, direction, author and attachment names) and the
order's whole timeline. Everything a customer or seller typed is
escaped before it reaches ReportLab's paragraph markup; times are in the seller's timezone.
"""

from __future__ import annotations

import io
import re
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

from shipdesk.conversations import terms as conversation_terms
from shipdesk.dashboard.display import describe_event, money_text, service_name
from shipdesk.orders import terms as order_terms
from shipdesk.shipping.models import TrackingStatus

from . import terms
from .selectors import EvidencePack

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@cache
def _fonts() -> tuple[str, str]:
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdfmetrics.registerFont(TTFont("EvidenceSans", str(regular)))
        pdfmetrics.registerFont(TTFont("EvidenceSans-Bold", str(bold)))
        return "EvidenceSans", "EvidenceSans-Bold"
    return "Helvetica", "Helvetica-Bold"  # Latin-1 only


def _text(value) -> str:
    return escape(_CONTROL.sub("", str(value or ""))).replace("\n", "<br/>")


def render_evidence_pack(pack: EvidencePack) -> bytes:
    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12)
    head = ParagraphStyle("head", fontName=bold, fontSize=9.5, leading=12)
    title = ParagraphStyle("title", fontName=bold, fontSize=15, leading=19)
    section = ParagraphStyle("section", fontName=bold, fontSize=11.5, leading=15, spaceBefore=8)
    order, dispute = pack.order, pack.dispute
    zone = ZoneInfo(order.seller.timezone)
    currency = order.currency

    def when(moment) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "—"

    def table(rows: list[list], widths: list[float]) -> Table:
        cells = [[Paragraph(_text(c), head if i == 0 else body) for c in row] for i, row in enumerate(rows)]
        return Table(
            cells,
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

    def facts(rows: list[tuple[str, str]]) -> Table:
        return Table(
            [[Paragraph(_text(k), head), Paragraph(_text(v), body)] for k, v in rows],
            colWidths=[45 * mm, 125 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]),
        )

    story: list = [
        Paragraph(_text(f"Evidence for dispute {dispute.provider_dispute_id} — order #{order.number}"), title),
        Paragraph(_text(f"{order.seller.name} · generated {when(pack.generated_at)}"), body),
        Paragraph("Dispute", section),
        facts(
            [
                ("Provider", dispute.provider),
                ("Reason", terms.DISPUTE_REASONS.label(dispute.reason)),
                ("Status", terms.DISPUTE_STATUSES.label(dispute.status)),
                ("Amount", money_text(dispute.amount, currency)),
                ("Evidence due by", when(dispute.evidence_due_by)),
            ]
        ),
        Paragraph("Order", section),
        facts(
            [
                ("Order", f"#{order.number} ({order.channel} {order.external_id})"),
                ("Customer", f"{order.customer_name} <{order.customer_email}>"),
                ("Placed", when(order.placed_at)),
                ("Paid", f"{when(order.paid_at)} · {order.payment_reference or '—'}"),
                ("Shipped", when(order.shipped_at)),
                ("Delivered", when(order.delivered_at)),
                ("Status", order_terms.ORDER_STATUSES.label(order.status)),
                ("Total", money_text(order.total, currency)),
                ("Refunded", money_text(order.refunded_total, currency)),
            ]
        ),
        Paragraph("Shipping address", section),
        Paragraph(
            "<br/>".join(
                _text(part)
                for part in (
                    order.ship_name,
                    order.ship_line1,
                    order.ship_line2,
                    f"{order.ship_postal_code} {order.ship_city}",
                    order.ship_region,
                    order.ship_country,
                )
                if part and part.strip()
            ),
            body,
        ),
        Paragraph("Items", section),
        table(
            [["SKU", "Item", "Qty", "Cancelled", "Unit price"]]
            + [
                [line.sku, line.title, line.quantity, line.quantity_cancelled, money_text(line.unit_price, currency)]
                for line in pack.lines
            ],
            [30 * mm, 75 * mm, 15 * mm, 20 * mm, 30 * mm],
        ),
    ]
    if not pack.shipments:
        story += [Paragraph("Shipments", section), Paragraph("No shipment recorded.", body)]
    for number, shipment in enumerate(pack.shipments, start=1):
        delivered = [s for s in pack.scans[shipment.pk] if s.status == TrackingStatus.DELIVERED]
        story += [
            Paragraph(_text(f"Shipment {number}: {shipment.tracking_number}"), section),
            facts(
                [
                    ("Carrier", service_name(shipment.carrier, shipment.service_level)),
                    ("Tracking number", shipment.tracking_number),
                    ("Tracking page", shipment.tracking_url or "—"),
                    ("Shipped", when(shipment.shipped_at)),
                    ("Expected", when(shipment.eta)),
                    (
                        "Delivery scan",
                        f"{when(delivered[-1].occurred_at)} {delivered[-1].location}".strip()
                        if delivered
                        else "none reported by the carrier",
                    ),
                ]
            ),
            Spacer(1, 2 * mm),
            table(
                [["Time", "Status", "Description", "Location"]]
                + [
                    [when(s.occurred_at), s.get_status_display(), s.description, s.location]
                    for s in pack.scans[shipment.pk]
                ]
                if pack.scans[shipment.pk]
                else [["Time", "Status", "Description", "Location"], ["—", "no carrier scan", "", ""]],
                [38 * mm, 30 * mm, 67 * mm, 35 * mm],
            ),
        ]
    if pack.claims:
        story += [
            Paragraph("What the customer reported", section),
            table(
                [["Reported", "Problem", "In the customer's words", "Outcome"]]
                + [
                    [
                        when(c.opened_at),
                        terms.CLAIM_KINDS.label(c.kind),
                        c.description,
                        terms.CLAIM_STATUSES.label(c.status)
                        + (f": {terms.RESOLUTIONS.label(c.resolution)}" if c.resolution else ""),
                    ]
                    for c in pack.claims
                ],
                [38 * mm, 30 * mm, 67 * mm, 35 * mm],
            ),
        ]
    # One block per message, not a table: a long message reads as a paragraph, in order.
    story += [Paragraph("Messages with the customer", section)]
    for m in pack.messages:
        names = ", ".join(a.filename for a in m.attachments.all())
        story += [
            Paragraph(
                _text(f"{when(m.created_at)} · {conversation_terms.DIRECTIONS.label(m.direction)} · {m.author_label}"),
                head,
            ),
            Paragraph(_text(m.body) or "—", body),
        ]
        if names:
            story.append(Paragraph(_text(f"Attachments: {names}"), body))
        story.append(Spacer(1, 2 * mm))
    if not pack.messages:
        story.append(Paragraph("No message exchanged with the customer.", body))
    story += [
        Paragraph("Timeline", section),
        table(
            [["Time", "Who", "What"]]
            + [[when(e.created_at), e.actor_label, describe_event(e.type, e.params, currency)] for e in pack.events],
            [38 * mm, 40 * mm, 92 * mm],
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Dispute evidence, order #{order.number}",
        author=order.seller.name,
    ).build(story)
    return buffer.getvalue()
