"""Out of stock: the seller offers a substitute SKU, the customer accepts or declines by link."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shipdesk.accounts.services import create_api_token, create_user
from shipdesk.errors import NotFound, StateConflict, StockShort, ValidationFailed
from shipdesk.inventory.models import Product, StockMove
from shipdesk.inventory.services import change_stock
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders import services
from shipdesk.orders.models import Order, OrderEvent, OrderLine, SubstituteOffer
from shipdesk.orders.substitutions import (
    OFFER_VALID_FOR,
    accept_substitute,
    decline_substitute,
    offer_id_from_token,
    offer_path,
    offer_substitute,
)
from tests.builders import SELLER_ACTOR, Api, as_sent


@pytest.fixture
def short_order(seller, make_product, place):
    """A paid order for 2 mugs (none in stock) and 1 tote (in stock), and a teacup to offer instead."""
    make_product(seller, "MUG-1", on_hand=0)
    make_product(seller, "TOTE-1", on_hand=5, price="8.00")
    make_product(seller, "CUP-1", on_hand=3, title="Teacup")
    make_product(seller, "BOWL-9", on_hand=1, title="Bowl")  # in stock, but 1 where the line needs 2
    order = place(seller, lines=(("MUG-1", 2, "12.50"), ("TOTE-1", 1, "8.00")))
    assert [line.stock for line in order.lines.order_by("id")] == ["short", "reserved"]
    return order


def mug_line(order) -> OrderLine:
    return order.lines.get(sku="MUG-1")


def offer(order, sku="CUP-1", **kw) -> SubstituteOffer:
    return offer_substitute(
        order_id=order.pk, seller_id=order.seller_id, line_id=mug_line(order).pk, sku=sku, actor=SELLER_ACTOR, **kw
    )


def test_an_offer_emails_the_customer_a_link_and_is_in_the_timeline(short_order):
    made = offer(short_order, note="Same size, blue glaze.")

    [email] = map(as_sent, Notification.objects.filter(order=short_order, kind="customer_substitute_offer"))
    assert email.recipient == short_order.customer_email
    [link] = [word for word in email.body_text.split() if "/s/" in word]
    assert offer_id_from_token(link.rstrip("/").rsplit("/", 1)[1]) == made.pk
    assert "Teacup (CUP-1)" in email.body_text and "Same size, blue glaze." in email.body_text
    assert (
        OrderEvent.objects.filter(order=short_order, type="substitute_offered", params__substitute_sku="CUP-1").count()
        == 1
    )
    # nothing is reserved until the customer says yes
    assert Product.objects.get(sku="CUP-1").reserved == 0


def test_accepting_swaps_the_line_reserves_the_substitute_at_the_same_price_and_unblocks_confirm(short_order):
    made = offer(short_order)

    accept_substitute(offer_id=made.pk)

    line = OrderLine.objects.get(order=short_order, sku="CUP-1")
    assert (line.stock, line.title, line.unit_price, line.open_quantity) == ("reserved", "Teacup", Decimal("12.50"), 2)
    cup = Product.objects.get(sku="CUP-1")
    assert (cup.on_hand, cup.reserved) == (3, 2)
    assert StockMove.objects.filter(product=cup, kind="reserved", reserved_delta=2, order=short_order).count() == 1
    made.refresh_from_db()
    assert made.status == "accepted" and made.decided_at is not None
    assert Alert.objects.filter(seller=short_order.seller, order=short_order, kind="substitute_accepted").count() == 1
    # the order total did not change, and it can be confirmed now
    order = services.confirm_order(order_id=short_order.pk, seller_id=short_order.seller_id, actor=SELLER_ACTOR)
    assert order.status == "confirmed" and (order.subtotal, order.total) == (short_order.subtotal, short_order.total)


def test_declining_cancels_the_line_and_refunds_it(short_order):
    made = offer(short_order)

    decline_substitute(offer_id=made.pk)

    order = Order.objects.get(pk=short_order.pk)
    line = mug_line(order)
    assert line.stock == "released" and line.quantity_cancelled == 2
    assert order.status == "pending" and order.refunded_total == Decimal("25.00")
    assert order.cancellations.get().reason == "out_of_stock"
    assert Product.objects.get(sku="CUP-1").reserved == 0
    assert Alert.objects.filter(order=order, kind="substitute_declined").count() == 1


def test_declining_the_only_line_cancels_the_whole_order(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=0)
    make_product(seller, "CUP-1", on_hand=3)
    order = place(seller, lines=(("MUG-1", 1, "12.50"),))

    decline_substitute(offer_id=offer(order).pk)

    order.refresh_from_db()
    assert order.status == "cancelled" and order.refunded_total == order.total


def test_an_answer_counts_once(short_order):
    made = offer(short_order)
    accept_substitute(offer_id=made.pk)

    with pytest.raises(StateConflict, match="already accepted"):
        decline_substitute(offer_id=made.pk)
    with pytest.raises(StateConflict):
        accept_substitute(offer_id=made.pk)
    assert Product.objects.get(sku="CUP-1").reserved == 2


def test_a_substitute_sold_out_meanwhile_is_refused_and_the_offer_stays_open(short_order, seller):
    made = offer(short_order)
    change_stock(seller_id=seller.pk, sku="CUP-1", on_hand=1, actor=SELLER_ACTOR, reason="breakage")

    with pytest.raises(StockShort, match="sold out"):
        accept_substitute(offer_id=made.pk)

    made.refresh_from_db()
    assert made.status == "offered"
    assert mug_line(short_order).stock == "short"
    assert not OrderEvent.objects.filter(order=short_order, type="substitute_accepted").exists()


def test_an_expired_offer_is_withdrawn_when_answered(short_order):
    made = offer(short_order)

    with (
        time_machine.travel(timezone.now() + OFFER_VALID_FOR + timedelta(minutes=1)),
        pytest.raises(StateConflict, match="expired"),
    ):
        accept_substitute(offer_id=made.pk)

    made.refresh_from_db()
    assert made.status == "withdrawn"
    assert mug_line(short_order).stock == "short"


def test_an_offer_is_moot_once_the_original_stock_arrives(short_order, seller):
    made = offer(short_order)
    change_stock(seller_id=seller.pk, sku="MUG-1", delta=5, actor=SELLER_ACTOR, reason="delivery")
    assert mug_line(short_order).stock == "reserved"

    with pytest.raises(StateConflict, match="already withdrawn"):
        accept_substitute(offer_id=made.pk)

    made.refresh_from_db()
    assert made.status == "withdrawn"
    assert mug_line(short_order).sku == "MUG-1"
    assert Product.objects.get(sku="CUP-1").reserved == 0


def test_a_new_offer_for_the_line_withdraws_the_open_one(short_order, make_product):
    make_product(short_order.seller, "BOWL-1", on_hand=4)
    first = offer(short_order)

    second = offer(short_order, sku="BOWL-1")

    first.refresh_from_db()
    assert (first.status, second.status) == ("withdrawn", "offered")
    assert SubstituteOffer.objects.filter(line=mug_line(short_order), status="offered").count() == 1


@pytest.mark.parametrize(
    "sku, error",
    [("", ValidationFailed), ("NOPE", ValidationFailed), ("MUG-1", ValidationFailed), ("BOWL-9", StockShort)],
)
def test_a_bad_substitute_is_refused_and_nothing_is_written(short_order, make_product, sku, error):

    with pytest.raises(error):
        offer(short_order, sku=sku)

    assert not SubstituteOffer.objects.exists()
    assert not Notification.objects.filter(kind="customer_substitute_offer").exists()


def test_only_a_short_line_of_a_pending_order_takes_an_offer(short_order):
    tote = short_order.lines.get(sku="TOTE-1")
    with pytest.raises(StateConflict, match="needs no substitute"):
        offer_substitute(
            order_id=short_order.pk, seller_id=short_order.seller_id, line_id=tote.pk, sku="CUP-1", actor=SELLER_ACTOR
        )


def test_another_sellers_order_is_not_found(short_order, make_seller):
    other = make_seller("other")
    with pytest.raises(NotFound):
        offer_substitute(
            order_id=short_order.pk,
            seller_id=other.pk,
            line_id=mug_line(short_order).pk,
            sku="CUP-1",
            actor=SELLER_ACTOR,
        )


# --- the customer's page --------------------------------------------------------------------


def test_the_customer_page_accepts_with_one_click(short_order):
    made = offer(short_order, note="<script>alert(1)</script>")
    customer = Client(enforce_csrf_checks=False)

    page = customer.get(offer_path(made.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Yes, send Teacup" in html and "No, remove the item and refund it" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert page["Cache-Control"] == "private, no-store"

    answered = customer.post(offer_path(made.pk), {"answer": "accept"})
    assert answered.status_code == 200
    assert "We will send you 2 × Teacup" in answered.content.decode()
    assert OrderLine.objects.filter(order=short_order, sku="CUP-1", stock="reserved").exists()

    again = customer.post(offer_path(made.pk), {"answer": "decline"})
    assert again.status_code == 409 and "already accepted" in again.content.decode()


def test_the_customer_page_needs_a_csrf_token(short_order):
    made = offer(short_order)
    customer = Client(enforce_csrf_checks=True)

    assert customer.post(offer_path(made.pk), {"answer": "accept"}).status_code == 403
    made.refresh_from_db()
    assert made.status == "offered"


@pytest.mark.parametrize("token", ["abc", "1:forged"])
def test_a_forged_offer_link_is_a_404(db, token):
    response = Client().get(f"/s/{token}/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


# --- the API ----------------------------------------------------------------------------------


def test_the_api_offers_a_substitute_and_shows_the_offer_with_its_customer_link(short_order, seller_api):
    line = mug_line(short_order)

    response = seller_api.post(f"/orders/{short_order.pk}/lines/{line.pk}/substitute", {"sku": "CUP-1", "note": "Blue"})

    assert response.status_code == 200, response.json()
    [made] = response.json()["substitute_offers"]
    assert (made["line_id"], made["original_sku"], made["substitute_sku"], made["quantity"], made["status"]) == (
        line.pk,
        "MUG-1",
        "CUP-1",
        2,
        "offered",
    )
    assert "/s/" in made["customer_url"]
    # the customer opens exactly that link
    path = "/s/" + made["customer_url"].split("/s/", 1)[1]
    assert Client().get(path).status_code == 200


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"sku": "NOPE"}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"sku": "BOWL-9"}, 409, "insufficient_stock"),
    ],
)
def test_the_api_refuses_a_bad_offer_with_its_error_code(short_order, seller_api, body, status, code):

    response = seller_api.post(f"/orders/{short_order.pk}/lines/{mug_line(short_order).pk}/substitute", body)

    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not SubstituteOffer.objects.exists()


def test_the_api_is_a_404_for_another_sellers_order(short_order, make_seller):
    other = Api(create_api_token(name="other", seller=make_seller("other")).token)

    response = other.post(f"/orders/{short_order.pk}/lines/{mug_line(short_order).pk}/substitute", {"sku": "CUP-1"})

    assert response.status_code == 404


# --- the dashboard ------------------------------------------------------------------------------


@pytest.fixture
def owner_client(seller):
    client = Client()
    client.force_login(
        create_user(email="owner@acme.test", password="correct horse battery staple", seller=seller, role="owner")
    )
    return client


def test_the_order_page_offers_a_substitute_for_a_short_line_only(short_order, owner_client):
    html = owner_client.get(f"/orders/{short_order.pk}/").content.decode()

    assert "Offer a substitute for MUG-1" in html
    assert "Offer a substitute for TOTE-1" not in html


def test_the_seller_offers_a_substitute_from_the_order_page_and_sees_it_waiting(short_order, owner_client):
    line = mug_line(short_order)

    response = owner_client.post(
        f"/orders/{short_order.pk}/lines/{line.pk}/substitute/", {"sku": "CUP-1", "note": ""}, follow=True
    )

    html = response.content.decode()
    assert "Offered CUP-1 instead of MUG-1; the customer has been emailed." in html
    assert "Substitute offered: <strong>CUP-1</strong>" in html
    assert "Offered the customer CUP-1 instead of MUG-1" in html  # the timeline


def test_an_unknown_sku_is_a_form_error_and_nothing_is_offered(short_order, owner_client):
    line = mug_line(short_order)

    response = owner_client.post(f"/orders/{short_order.pk}/lines/{line.pk}/substitute/", {"sku": "NOPE"})

    assert response.status_code == 422
    assert "No active product with SKU" in response.content.decode()
    assert not SubstituteOffer.objects.exists()


# --- what makes an offer impossible or moot ---------------------------------------------------------


def test_a_substitute_in_another_currency_or_already_on_the_order_is_refused(short_order, make_product):
    make_product(short_order.seller, "CUP-EUR", on_hand=5, currency="EUR", price="9.00")

    with pytest.raises(ValidationFailed) as other_currency:
        offer(short_order, sku="CUP-EUR")
    with pytest.raises(ValidationFailed) as on_the_order:
        offer(short_order, sku="TOTE-1")

    assert "sold in EUR" in str(other_currency.value.details["sku"])
    assert "already on this order" in str(on_the_order.value.details["sku"])


def test_a_substitute_the_seller_stopped_selling_cannot_be_accepted(short_order):
    made = offer(short_order)
    Product.objects.filter(sku="CUP-1").update(is_active=False)

    with pytest.raises(StockShort, match="no longer sold"):
        accept_substitute(offer_id=made.pk)

    assert mug_line(short_order).sku == "MUG-1" and Product.objects.get(sku="CUP-1").reserved == 0


def test_two_short_lines_offered_the_same_sku_cannot_both_become_it(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=0)
    make_product(seller, "MUG-2", on_hand=0)
    make_product(seller, "CUP-1", on_hand=10)
    order = place(seller, lines=(("MUG-1", 1, "12.50"), ("MUG-2", 1, "12.50")))
    first, second = (
        offer_substitute(order_id=order.pk, seller_id=seller.pk, line_id=line.pk, sku="CUP-1", actor=SELLER_ACTOR)
        for line in order.lines.order_by("id")
    )
    accept_substitute(offer_id=first.pk)

    with pytest.raises(StateConflict, match="already on your order"):
        accept_substitute(offer_id=second.pk)

    assert list(order.lines.order_by("id").values_list("sku", flat=True)) == ["CUP-1", "MUG-2"]


@pytest.mark.parametrize("change", ["order cancelled", "line cancelled", "stock arrived"])
def test_an_offer_made_moot_is_withdrawn_at_once_and_its_page_says_so(short_order, seller, change):
    made = offer(short_order)
    line = mug_line(short_order)
    if change == "order cancelled":
        services.cancel_order(
            order_id=short_order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request"
        )
    elif change == "line cancelled":
        services.cancel_line(
            order_id=short_order.pk,
            seller_id=seller.pk,
            line_id=line.pk,
            quantity=1,
            actor=SELLER_ACTOR,
            reason="out_of_stock",
        )
    else:
        change_stock(seller_id=seller.pk, sku="MUG-1", delta=5, actor=SELLER_ACTOR, reason="delivery")

    made.refresh_from_db()
    assert made.status == "withdrawn"
    page = Client().get(offer_path(made.pk)).content.decode()
    assert "This offer is closed" in page and "Yes, send" not in page
