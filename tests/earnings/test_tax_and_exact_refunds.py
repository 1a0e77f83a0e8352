"""Tax on orders, refunds worked out to the minor unit, and earnings that never include tax."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipdesk.earnings.models import LedgerEntry
from shipdesk.notifications.models import Notification
from shipdesk.orders import refunds, services
from shipdesk.orders.models import Cancellation, OrderEvent
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR, as_sent, new_order, order_payload

D = Decimal
PRE_TAX_FINGERPRINT = "392ddccb74d4c1db70371d79d312bd726aba6a8932889c8d2d4729cdd53158c5"


def _cancel_units(order, line, quantity: int = 1):
    return services.cancel_line(
        order_id=order.pk,
        seller_id=order.seller_id,
        line_id=line.pk,
        quantity=quantity,
        actor=SELLER_ACTOR,
        reason="out_of_stock",
    )


def _ledger(order) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for e in LedgerEntry.objects.filter(order=order):
        sums[e.kind] = sums.get(e.kind, D(0)) + e.pending + e.available
    return sums


# --- the rounding rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tax", "quantity", "currency", "shares"),
    [
        ("1.00", 3, "USD", ["0.33", "0.34", "0.33"]),
        ("100", 3, "JPY", ["33", "34", "33"]),
        ("1", 3, "JPY", ["0", "1", "0"]),
        ("0.05", 2, "USD", ["0.02", "0.03"]),  # 0.025 rounds half to even
        ("2.47", 7, "USD", ["0.35", "0.36", "0.35", "0.35", "0.35", "0.36", "0.35"]),
    ],
)
def test_unit_by_unit_tax_shares_follow_the_cumulative_formula_and_add_up_to_the_line_tax_exactly(
    tax, quantity, currency, shares
):
    got = [
        refunds.line_tax_share(tax=D(tax), quantity=quantity, cancelled_before=c, cancelling=1, currency=currency)
        for c in range(quantity)
    ]
    assert got == [D(s) for s in shares]
    assert sum(got) == D(tax)


def test_a_refund_made_outside_shipdesk_carries_tax_in_proportion_and_all_of_it_when_it_refunds_everything():
    assert refunds.tax_part_of(
        amount=D("11.00"), remaining_total=D("22.00"), remaining_tax=D("2.00"), currency="USD"
    ) == D("1.00")
    assert refunds.tax_part_of(
        amount=D("22.00"), remaining_total=D("22.00"), remaining_tax=D("2.00"), currency="USD"
    ) == D("2.00")
    assert refunds.tax_part_of(amount=D("1"), remaining_total=D("3"), remaining_tax=D("1"), currency="JPY") == D("0")


# --- placing orders with tax ------------------------------------------------------------------


def test_an_order_with_line_and_shipping_tax_totals_them_and_shows_them_over_the_api(
    seller, make_product, seller_api, platform_api
):
    make_product(seller, "MUG-1", price="12.50")
    body = order_payload(
        lines=[{"sku": "MUG-1", "quantity": 2, "unit_price": "12.50", "tax": "2.00"}],
        shipping_fee="4.99",
        shipping_tax="0.40",
    )

    placed = platform_api.post("/orders", body)

    assert placed.status_code == 201, placed.json()
    got = seller_api.get(f"/orders/{placed.json()['id']}").json()
    assert (got["subtotal"], got["shipping_fee"], got["shipping_tax"], got["tax_total"], got["total"]) == (
        "25.00",
        "4.99",
        "0.40",
        "2.40",
        "32.39",
    )
    assert got["lines"][0]["tax"] == "2.00" and got["refunded_tax"] == "0.00"
    # a retry is the same order; the same external id with different tax is a conflict
    assert platform_api.post("/orders", body).status_code == 200
    conflicting = platform_api.post("/orders", {**body, "shipping_tax": "0.41"})
    assert conflicting.status_code == 409 and conflicting.json()["error"]["code"] == "idempotency_conflict"


def test_an_order_without_tax_keeps_the_request_fingerprint_it_had_before_tax_existed():
    # The hash of this exact request as computed before tax was added: a storefront retrying a
    # request from then still gets its order back (200), not an idempotency conflict.
    data = new_order(lines=(("MUG-1", 2, "12.50"),))
    assert data.fingerprint() == PRE_TAX_FINGERPRINT
    assert new_order(lines=(("MUG-1", 2, "12.50", "0.01"),)).fingerprint() != PRE_TAX_FINGERPRINT


@pytest.mark.parametrize(
    ("currency", "line_tax", "shipping_tax", "errors"),
    [
        ("USD", "-1.00", "0", {"lines.0.tax"}),
        ("USD", "0.001", "0", {"lines.0.tax"}),
        ("USD", "0", "-0.01", {"shipping_tax"}),
        ("JPY", "10.5", "1.5", {"lines.0.tax", "shipping_tax"}),
    ],
)
def test_bad_tax_amounts_are_refused_per_field_with_422(
    seller, make_product, platform_api, currency, line_tax, shipping_tax, errors
):
    make_product(seller, "MUG-1", price="1250" if currency == "JPY" else "12.50", currency=currency)
    price = "1250" if currency == "JPY" else "12.50"
    body = order_payload(
        currency=currency,
        shipping_fee="0",
        lines=[{"sku": "MUG-1", "quantity": 1, "unit_price": price, "tax": line_tax}],
        shipping_tax=shipping_tax,
    )

    response = platform_api.post("/orders", body)

    assert response.status_code == 422, response.json()
    assert errors <= set(response.json()["error"]["details"])


# --- exact refunds ----------------------------------------------------------------------------


def test_three_units_with_one_dollar_tax_cancelled_one_by_one_refund_their_exact_tax_shares(
    seller, make_product, place
):
    make_product(seller, "MUG-1")
    make_product(seller, "CAP-1", price="8.00")
    order = place(
        seller,
        lines=(("MUG-1", 3, "10.00", "1.00"), ("CAP-1", 1, "8.00", "0.80")),
        shipping_fee=D("5.00"),
        shipping_tax=D("0.50"),
    )
    line = order.lines.get(sku="MUG-1")

    for _ in range(3):
        order = _cancel_units(order, line)

    rows = list(Cancellation.objects.filter(order=order).order_by("id"))
    assert [(r.refund_items, r.refund_tax, r.refund_shipping, r.refund_amount) for r in rows] == [
        (D("10.00"), D("0.33"), D(0), D("10.33")),
        (D("10.00"), D("0.34"), D(0), D("10.34")),
        (D("10.00"), D("0.33"), D(0), D("10.33")),
    ]
    assert sum(r.refund_tax for r in rows) == D("1.00")
    assert (order.refunded_total, order.refunded_tax, order.status) == (D("31.00"), D("1.00"), "pending")
    # the seller's ledger reverses the units only, never their tax
    assert _ledger(order)["refund_reversal"] == D("-30.00")
    event = order.events.filter(type=OrderEvent.Type.LINE_CANCELLED).order_by("id").last()
    assert {k: event.params[k] for k in ("refund_amount", "refund_items", "refund_shipping", "refund_tax")} == {
        "refund_amount": "10.33",
        "refund_items": "10.00",
        "refund_shipping": "0.00",
        "refund_tax": "0.33",
    }


def test_cancelling_the_rest_refunds_the_open_units_their_remaining_tax_shipping_and_shipping_tax(
    seller, make_product, place
):
    make_product(seller, "MUG-1")
    make_product(seller, "CAP-1", price="8.00")
    order = place(
        seller,
        lines=(("MUG-1", 3, "10.00", "1.00"), ("CAP-1", 1, "8.00", "0.80")),
        shipping_fee=D("5.00"),
        shipping_tax=D("0.50"),
    )
    order = _cancel_units(order, order.lines.get(sku="MUG-1"))  # 10.00 + 0.33

    order = services.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request")

    whole = Cancellation.objects.get(order=order, line__isnull=True)
    # open units 2 × 10.00 + 8.00; tax 0.67 + 0.80 + 0.50
    assert (whole.refund_items, whole.refund_shipping, whole.refund_tax, whole.refund_amount) == (
        D("28.00"),
        D("5.00"),
        D("1.97"),
        D("34.97"),
    )
    assert (order.payment_status, order.refunded_total, order.refunded_tax) == (
        "refunded",
        order.total,
        order.tax_total,
    )
    # nothing of the sale is left with the seller, and no tax ever was
    ledger = _ledger(order)
    assert ledger["sale_pending"] == order.total - order.tax_total == D("43.00")
    assert sum(ledger.values()) == 0
    email = Notification.objects.get(order=order, kind=Notification.Kind.CUSTOMER_CANCELLED)
    assert (email.context["refund_items"], email.context["refund_shipping"], email.context["refund_tax"]) == (
        "28.00",
        "5.00",
        "1.97",
    )


def test_cancelling_the_last_open_units_with_cancel_line_cancels_the_order_and_refunds_shipping_too(
    seller, make_product, place
):
    make_product(seller, "MUG-1")
    order = place(seller, lines=(("MUG-1", 2, "10.00", "1.00"),), shipping_fee=D("5.00"), shipping_tax=D("0.50"))

    order = _cancel_units(order, order.lines.get(), quantity=2)

    assert order.status == "cancelled"
    whole = Cancellation.objects.get(order=order)
    assert (whole.line_id, whole.refund_items, whole.refund_shipping, whole.refund_tax) == (
        None,
        D("20.00"),
        D("5.00"),
        D("1.50"),
    )


def test_jpy_orders_refund_whole_yen_and_the_units_tax_adds_up_to_the_line_tax(seller, make_product, place):
    make_product(seller, "TEA-1", price="1000", currency="JPY")
    make_product(seller, "POT-1", price="500", currency="JPY")
    order = place(
        seller,
        currency="JPY",
        lines=(("TEA-1", 3, "1000", "100"), ("POT-1", 1, "500", "50")),
        shipping_fee=D("300"),
        shipping_tax=D("30"),
    )
    assert (order.tax_total, order.total) == (D("180"), D("3980"))
    line = order.lines.get(sku="TEA-1")

    for _ in range(3):
        order = _cancel_units(order, line)

    assert [r.refund_tax for r in Cancellation.objects.filter(order=order).order_by("id")] == [
        D("33"),
        D("34"),
        D("33"),
    ]
    assert (order.refunded_total, order.refunded_tax) == (D("3100"), D("100"))
    ledger = _ledger(order)
    # sale = 3000 + 500 + 300 = 3800; commission 10 % = 380, returned at the same rate on the 3000 refunded
    assert (ledger["sale_pending"], ledger["refund_reversal"], ledger["commission"]) == (
        D("3800"),
        D("-3000"),
        D("-80"),
    )


def test_units_cancelled_before_payment_are_refunded_with_their_tax_when_the_payment_arrives(
    seller, make_product, place
):
    make_product(seller, "MUG-1")
    make_product(seller, "CAP-1", price="8.00")
    order = place(seller, paid=False, lines=(("MUG-1", 3, "10.00", "1.00"), ("CAP-1", 1, "8.00")), shipping_fee=D("0"))
    order = _cancel_units(order, order.lines.get(sku="MUG-1"))
    assert order.refunded_total == 0

    order = services.update_payment(
        order_id=order.pk, seller_id=None, actor=PLATFORM_ACTOR, status="paid", amount=order.total, reference="pi_1"
    )

    assert (order.refunded_total, order.refunded_tax) == (D("10.33"), D("0.33"))
    order = _cancel_units(order, order.lines.get(sku="MUG-1"))
    assert order.refunded_tax == D("0.67")  # 0.33 + 0.34: the second unit's share, not the first's again


def test_the_sellers_earnings_and_commission_leave_out_tax(seller, make_product, place):
    make_product(seller, "MUG-1")
    order = place(seller, lines=(("MUG-1", 2, "12.50", "2.50"),), shipping_fee=D("5.00"), shipping_tax=D("1.00"))

    ledger = _ledger(order)

    assert order.total == D("33.50")
    assert (ledger["sale_pending"], ledger["commission"]) == (D("30.00"), D("-3.00"))


def test_the_customer_emails_show_the_refund_breakdown(seller, make_product, place):
    make_product(seller, "MUG-1")
    make_product(seller, "CAP-1", price="8.00")
    order = place(
        seller,
        lines=(("MUG-1", 3, "10.00", "1.00"), ("CAP-1", 1, "8.00")),
        shipping_fee=D("5.00"),
        shipping_tax=D("0.50"),
    )
    order = _cancel_units(order, order.lines.get(sku="MUG-1"))
    services.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request")

    line_email = as_sent(Notification.objects.get(order=order, kind=Notification.Kind.CUSTOMER_LINE_CANCELLED))
    order_email = as_sent(Notification.objects.get(order=order, kind=Notification.Kind.CUSTOMER_CANCELLED))

    for email, parts in (
        (line_email, ("Items  $10.00", "Tax  $0.33", "Total refunded  $10.33")),
        (order_email, ("Items  $28.00", "Shipping  $5.00", "Tax  $1.17", "Total refunded  $34.17")),
    ):
        for part in parts:
            assert part in email.body_text, (part, email.body_text)
            assert part.split("  ")[1] in email.body_html


# --- where people see it ----------------------------------------------------------------------


def test_the_order_page_shows_tax_and_the_timeline_shows_the_refund_breakdown(seller, make_product, place):
    from django.test import Client

    from shipdesk.accounts.services import create_user

    make_product(seller, "MUG-1")
    make_product(seller, "CAP-1", price="8.00")
    order = place(
        seller,
        lines=(("MUG-1", 3, "10.00", "1.00"), ("CAP-1", 1, "8.00")),
        shipping_fee=D("5.00"),
        shipping_tax=D("0.50"),
    )
    _cancel_units(order, order.lines.get(sku="MUG-1"))
    client = Client()
    client.force_login(create_user(email="owner@acme.test", password=None, seller=seller, role="owner"))

    html = client.get(f"/orders/{order.pk}/").content.decode()

    totals = html.split('<dl class="totals">', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Tax</dt><dd>$1.50" in totals and "(shipping $0.50)" in totals and "$44.50" in totals
    assert "(tax $0.33)" in totals  # of the $10.33 refunded
    assert "$10.33 refunded (items $10.00, tax $0.33)" in html


def test_the_openapi_schema_documents_the_tax_fields(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert {"tax"} <= set(schema["LineIn"]["properties"]) and {"shipping_tax"} <= set(schema["OrderIn"]["properties"])
    assert {"shipping_tax", "tax_total", "refunded_tax"} <= set(schema["OrderOut"]["properties"])
    assert {"refund_items", "refund_shipping", "refund_tax"} <= set(schema["CancellationOut"]["properties"])
