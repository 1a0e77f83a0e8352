"""The order page: what it shows, the actions it offers, and each action through its service."""

from __future__ import annotations

import re

import pytest

from shipdesk.inventory.models import Product
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import Shipment
from tests.builders import UPS_NUMBER, advance

FEDEX_NUMBER = "123456789012"  # a FedEx Express number with a valid check digit, not a UPS one


def action_buttons(response) -> list[str]:
    return re.findall(
        r'<button type="submit" class="button button-primary">([^<]+)</button>', response.content.decode()
    )


def test_a_pending_paid_order_offers_confirm_and_cancel_only(owner_client, seller, product, place):
    order = place(seller)
    response = owner_client.get(f"/orders/{order.pk}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert action_buttons(response) == ["Confirm order"]
    assert "Cancel this order…" in html
    assert 'name="tracking_number"' not in html
    assert "confirm within 23 h 59 min" in html
    for text in (
        "Ada Lovelace",
        "ada@example.com",
        "1 Main St",
        "Springfield, IL 62701",
        "MUG-1",
        "$29.99",
        "Reserved",
    ):
        assert text in html


def test_an_unpaid_order_says_it_waits_for_payment_and_offers_no_confirm(owner_client, seller, product, place):
    order = place(seller, paid=False)
    response = owner_client.get(f"/orders/{order.pk}/")
    assert action_buttons(response) == []
    assert "The order is unpaid; it must be paid first." in response.content.decode()


def test_a_short_line_is_shown_and_blocks_confirm(owner_client, seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=1)
    order = place(seller, lines=(("MUG-1", 2, "12.50"),))
    html = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Short of stock" in html
    assert "A line is short of stock: add stock or cancel the line before confirming." in html
    assert "Confirm order" not in html


def test_confirm_process_and_ship_go_through_the_services_and_land_on_the_timeline(
    owner_client, owner, seller, product, place
):
    order = place(seller)

    page = owner_client.post(f"/orders/{order.pk}/confirm/", follow=True)
    assert f"Order #{order.number} confirmed." in page.content.decode()
    assert action_buttons(page) == ["Start processing"]

    page = owner_client.post(f"/orders/{order.pk}/process/", follow=True)
    assert action_buttons(page) == ["Ship order"]
    product.refresh_from_db()
    assert (product.on_hand, product.reserved) == (8, 0)

    page = owner_client.post(
        f"/orders/{order.pk}/ship/",
        {"carrier": "ups", "service_level": "ground", "tracking_number": "1z999aa1 0123456784"},
        follow=True,
    )
    html = page.content.decode()
    assert f"Order #{order.number} shipped." in html
    assert "Shipped with UPS Ground, tracking 1Z999AA10123456784" in html
    assert "Processing started" in html and "Confirmed" in html
    assert re.search(r'badge-status-shipped">Shipped<', html)
    event = OrderEvent.objects.get(order=order, type="shipped")
    assert (event.actor_kind, event.actor_label, event.user_id) == ("seller", owner.email, owner.pk)


def test_an_invalid_tracking_number_is_an_inline_error_and_ships_nothing(owner_client, seller, product, place):
    order = advance(place(seller), "processing")

    response = owner_client.post(
        f"/orders/{order.pk}/ship/",
        {"carrier": "ups", "service_level": "ground", "tracking_number": "1Z999AA10123456785"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert (
        'id="id_tracking_number_error" role="alert">1Z999AA10123456785 is not a valid UPS tracking number.</p>' in html
    )
    assert 'aria-invalid="true"' in html
    assert 'value="1Z999AA10123456785"' in html  # what was typed stays, to be corrected
    assert Order.objects.get(pk=order.pk).status == "processing"
    assert not Shipment.objects.filter(order=order).exists()


def test_a_tracking_number_used_on_another_shipment_is_refused_on_the_field(owner_client, seller, product, place):
    advance(place(seller), "shipped")  # uses UPS_NUMBER
    order = advance(place(seller), "processing")
    response = owner_client.post(
        f"/orders/{order.pk}/ship/", {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}
    )
    assert response.status_code == 422
    assert "is already used on another of your shipments" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "processing"


def test_the_ship_form_lists_the_chosen_carriers_service_levels(owner_client):
    html = owner_client.get("/orders/service-levels/", {"carrier": "usps"}).content.decode()
    assert 'value="ground_advantage"' in html and "Priority Mail Express" in html
    assert "UPS Ground" not in html


@pytest.mark.parametrize(
    "carrier, number, says",
    [
        ("ups", UPS_NUMBER, f"✓ {UPS_NUMBER} is a valid UPS tracking number."),
        ("ups", "1Z999AA10123456785", "✗ 1Z999AA10123456785 is not a valid UPS tracking number."),
        ("ups", FEDEX_NUMBER, f"✗ {FEDEX_NUMBER} is not a valid UPS tracking number. It looks like a FedEx number."),
        ("", UPS_NUMBER, "Looks like a UPS number. Choose the carrier."),
        ("ups", "", ""),
    ],
)
def test_the_tracking_number_is_checked_as_it_is_typed(owner_client, carrier, number, says):
    response = owner_client.get(
        "/orders/tracking-check/", {"carrier": carrier, "tracking_number": number}, headers={"HX-Request": "true"}
    )
    text = re.sub(r"<[^>]+>", "", response.content.decode()).strip()
    assert response.status_code == 200
    assert text == says


def test_cancelling_with_a_reason_refunds_and_releases_the_stock(owner_client, seller, product, place):
    order = advance(place(seller), "confirmed")
    confirmed = {"reason": "out_of_stock", "note": "Last one was damaged", "confirm_refund": "on"}
    html = owner_client.post(f"/orders/{order.pk}/cancel/", confirmed, follow=True).content.decode()
    order.refresh_from_db()
    assert order.status == "cancelled" and order.payment_status == "refunded"
    assert f"Order #{order.number} cancelled. The customer is refunded." in html
    assert "Order cancelled: Out of stock; $29.99 refunded" in html
    assert "Last one was damaged" in html
    assert Product.objects.get(pk=product.pk).reserved == 0


def test_cancelling_a_paid_order_asks_to_confirm_the_refund_and_changes_nothing_until_then(
    owner_client, seller, product, place
):
    order = advance(place(seller), "confirmed")

    response = owner_client.post(
        f"/orders/{order.pk}/cancel/", {"reason": "customer_request", "note": "Changed their mind"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Cancel order #{order.number} and refund $29.99?" in html
    assert "Cancel and refund $29.99</button>" in html
    assert 'name="confirm_refund" value="on"' in html
    assert 'name="note" value="Changed their mind"' in html  # carried to the confirming post
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.refunded_total) == ("confirmed", "paid", 0)

    owner_client.post(
        f"/orders/{order.pk}/cancel/",
        {"reason": "customer_request", "note": "Changed their mind", "confirm_refund": "on"},
    )

    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("cancelled", "refunded")
    assert order.cancellations.get().note == "Changed their mind"


def test_cancelling_an_unpaid_order_refunds_nothing_and_needs_no_confirmation(owner_client, seller, product, place):
    order = place(seller, paid=False)

    response = owner_client.post(f"/orders/{order.pk}/cancel/", {"reason": "payment_issue"})

    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_the_cancel_form_says_the_amount_to_be_refunded(owner_client, seller, product, place):
    order = place(seller)
    html = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "The customer is refunded $29.99." in html


@pytest.mark.parametrize("action, anchor", [("ship", "#ship-form"), ("cancel", "")])
def test_reloading_an_action_url_goes_back_to_the_order_page(owner_client, seller, product, place, action, anchor):
    order = advance(place(seller), "processing")

    response = owner_client.get(f"/orders/{order.pk}/{action}/")

    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/{anchor}"
    assert Order.objects.get(pk=order.pk).status == "processing"


def test_the_live_check_flags_a_tracking_number_already_on_another_shipment(owner_client, seller, product, place):
    advance(place(seller), "shipped")  # uses UPS_NUMBER

    response = owner_client.get(
        "/orders/tracking-check/",
        {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER.lower()},
        headers={"HX-Request": "true"},
    )

    text = re.sub(r"<[^>]+>", "", response.content.decode()).strip()
    assert text == f"✗ Tracking number {UPS_NUMBER} is already used on another of your shipments."


def test_a_refused_ships_error_sits_where_the_live_check_writes(owner_client, seller, product, place):
    order = advance(place(seller), "processing")

    response = owner_client.post(
        f"/orders/{order.pk}/ship/",
        {"carrier": "ups", "service_level": "ground", "tracking_number": "1Z999AA10123456785"},
    )

    # The live check swaps #tracking-feedback: the refusal inside it goes at the first keystroke.
    feedback = re.search(r'<div id="tracking-feedback"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert feedback and "is not a valid UPS tracking number." in feedback.group(1)


def test_the_ship_anyway_box_stays_ticked_when_the_next_refusal_is_about_the_number(
    owner_client, seller, product, place
):
    from shipdesk.shipping.pack_checks import record_pack_scans
    from tests.builders import SELLER_ACTOR

    order = advance(place(seller), "processing")  # 2 × MUG-1
    record_pack_scans(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, scans=["MUG-1"])
    ship = {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}

    first = owner_client.post(f"/orders/{order.pk}/ship/", ship).content.decode()
    assert "The pack check is missing 1 × MUG-1. Confirm to ship it anyway." in first
    assert 'name="confirm_incomplete_pack"' in first

    retyped = {
        **ship,
        "tracking_number": "1Z999AA10123456785",
        "incomplete_pack_offered": "1",
        "confirm_incomplete_pack": "on",
    }
    second = owner_client.post(f"/orders/{order.pk}/ship/", retyped).content.decode()
    assert "is not a valid UPS tracking number." in second
    assert re.search(r'name="confirm_incomplete_pack"[^>]*checked', second)

    third = owner_client.post(f"/orders/{order.pk}/ship/", {**retyped, "tracking_number": UPS_NUMBER})
    assert third.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_cancel_without_a_reason_is_a_form_error(owner_client, seller, product, place):
    order = place(seller)
    response = owner_client.post(f"/orders/{order.pk}/cancel/", {"reason": "bored"})
    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_cancelling_part_of_a_line_refunds_those_units(owner_client, seller, product, place):
    order = place(seller, lines=(("MUG-1", 3, "10.00"),))
    line = order.lines.get()
    confirmed = {"quantity": 1, "reason": "customer_request", "confirm_refund": "on"}
    html = owner_client.post(f"/orders/{order.pk}/lines/{line.pk}/cancel/", confirmed, follow=True).content.decode()
    line.refresh_from_db()
    assert line.quantity_cancelled == 1
    assert "Cancelled 1 unit of MUG-1: Customer asked; $10.00 refunded" in html
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_cancelling_units_of_a_paid_line_asks_to_confirm_their_refund_first(owner_client, seller, product, place):
    order = place(seller, lines=(("MUG-1", 3, "10.00"),))
    line = order.lines.get()

    response = owner_client.post(
        f"/orders/{order.pk}/lines/{line.pk}/cancel/", {"quantity": 2, "reason": "out_of_stock"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Cancel 2 × MUG-1 of order #{order.number} and refund $20.00?" in html
    assert f'action="/orders/{order.pk}/lines/{line.pk}/cancel/"' in html
    assert 'name="quantity" value="2"' in html
    assert order.lines.get().quantity_cancelled == 0

    owner_client.post(
        f"/orders/{order.pk}/lines/{line.pk}/cancel/", {"quantity": 2, "reason": "out_of_stock", "confirm_refund": "on"}
    )

    assert order.lines.get().quantity_cancelled == 2
    assert Order.objects.get(pk=order.pk).refunded_total == 20


def test_cancelling_the_last_open_units_from_an_older_page_still_asks_to_confirm_the_whole_refund(
    owner_client, seller, product, place
):
    # given a paid order of one line, whose page no longer offers a line cancel (it is the last unit)
    order = place(seller, lines=(("MUG-1", 1, "10.00"),))
    line = order.lines.get()

    # when a line-cancel form from an older page is posted for that last unit
    response = owner_client.post(
        f"/orders/{order.pk}/lines/{line.pk}/cancel/", {"quantity": 1, "reason": "out_of_stock"}
    )

    # then it asks first, naming the whole refund, and nothing is cancelled yet
    assert response.status_code == 200
    assert "and refund $" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_cancelling_more_units_than_the_line_has_is_refused_on_the_field(owner_client, seller, product, place):
    order = place(seller, lines=(("MUG-1", 2, "10.00"),))
    line = order.lines.get()
    response = owner_client.post(
        f"/orders/{order.pk}/lines/{line.pk}/cancel/", {"quantity": 5, "reason": "customer_request"}
    )
    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 2." in response.content.decode()
    assert order.lines.get().quantity_cancelled == 0


def test_an_internal_note_is_recorded_in_the_timeline(owner_client, owner, seller, product, place):
    order = place(seller)
    html = owner_client.post(f"/orders/{order.pk}/notes/", {"text": "Gift wrap, please"}, follow=True).content.decode()
    assert "Gift wrap, please" in html and "Internal note" in html
    assert OrderEvent.objects.filter(
        order=order, type="note_added", actor_label=owner.email, params__text="Gift wrap, please"
    ).exists()


def test_acting_on_an_order_in_a_state_that_refuses_it_says_why(owner_client, seller, product, place):
    order = advance(place(seller), "shipped")
    html = owner_client.post(f"/orders/{order.pk}/confirm/", follow=True).content.decode()
    assert "Cannot confirm an order that is shipped." in html


@pytest.mark.parametrize(
    "method, path", [("get", ""), ("post", "confirm/"), ("post", "cancel/"), ("post", "notes/"), ("post", "ship/")]
)
def test_another_shops_order_is_a_404_and_is_left_alone(owner_client, make_seller, make_product, place, method, path):
    elsewhere = make_seller()
    make_product(elsewhere)
    theirs = place(elsewhere, customer_name="Someone Else")

    response = getattr(owner_client, method)(
        f"/orders/{theirs.pk}/{path}",
        {"reason": "other", "text": "x", "carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}
        if method == "post"
        else None,
    )

    assert response.status_code == 404
    assert "Someone Else" not in response.content.decode()
    assert Order.objects.get(pk=theirs.pk).status == "pending"
    assert not OrderEvent.objects.filter(order=theirs, type="note_added").exists()


def test_user_text_is_escaped_everywhere_it_is_shown(owner_client, seller, product, place):
    order = place(seller, customer_name="<script>alert(1)</script>Eve", note="<img src=x onerror=alert(2)>")
    owner_client.post(f"/orders/{order.pk}/notes/", {"text": "<b>bold</b>"})
    for url in (f"/orders/{order.pk}/", "/orders/"):
        html = owner_client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;Eve" in html
    html = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "<img src=x" not in html and "<b>bold</b>" not in html


def test_the_order_page_reads_the_same_number_of_queries_whatever_the_order_holds(
    owner_client, seller, make_product, place
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for sku in ("A-1", "B-1", "C-1", "D-1", "E-1"):
        make_product(seller, sku, on_hand=50)
    small = advance(place(seller, lines=(("A-1", 1, "5.00"),)), "shipped")
    big = place(seller, lines=tuple((sku, 2, "5.00") for sku in ("A-1", "B-1", "C-1", "D-1", "E-1")))
    for text in ("one", "two", "three"):
        owner_client.post(f"/orders/{big.pk}/notes/", {"text": text})
    owner_client.post(
        f"/orders/{big.pk}/lines/{big.lines.first().pk}/cancel/", {"quantity": 1, "reason": "out_of_stock"}
    )
    big = advance(big, "processing")
    owner_client.post(
        f"/orders/{big.pk}/ship/", {"carrier": "fedex", "service_level": "ground", "tracking_number": FEDEX_NUMBER}
    )
    assert Order.objects.get(pk=big.pk).status == "shipped"

    counts = []
    for order in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(f"/orders/{order.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
