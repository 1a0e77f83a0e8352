"""The customer's order page `/o/<token>/`: opened from any customer email, it tells the order's
story in the customer's words and offers what the status allows."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import time_machine
from django.test import Client
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.orders.order_page_links import order_page_order_id, order_page_path
from shipdesk.returns.models import ReturnRequest
from tests.builders import advance, as_sent


def _open(order):
    return Client().get(order_page_path(order.pk))


def test_every_customer_email_links_the_order_page(seller, product, place):
    order = advance(place(seller), "delivered")
    customer_mail = Notification.objects.filter(order=order, kind__startswith="customer_")
    assert customer_mail.count() >= 4  # confirmed, being prepared, shipped, delivered
    for mail in map(as_sent, customer_mail):
        for text in (mail.body_text, mail.body_html):
            [token] = set(re.findall(r"/o/([^/\s\"]+)/", text))
            assert order_page_order_id(token) == order.pk, mail.kind


def test_the_being_prepared_email_goes_at_processing_unless_the_shop_turned_it_off(seller, product, place):
    told = advance(place(seller), "processing")
    assert Notification.objects.filter(order=told, kind="customer_preparing").count() == 1

    Seller.objects.filter(pk=seller.pk).update(preparing_email=False)
    quiet = advance(place(seller), "processing")
    assert not Notification.objects.filter(order=quiet, kind="customer_preparing").exists()


def test_the_page_tells_the_status_and_story_in_the_customers_words_and_hides_the_shops_business(
    seller, product, place
):
    order = advance(place(seller), "shipped")
    from shipdesk.orders import services
    from tests.builders import SELLER_ACTOR

    services.add_note(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, text="customer seems grumpy")

    page = _open(order)

    assert page.status_code == 200
    text = page.content.decode()
    assert "On its way" in text and "The parcel was handed to the carrier." in text
    assert "grumpy" not in text
    assert page["Cache-Control"] == "private, no-store" and page["Referrer-Policy"] == "no-referrer"


def test_a_forged_or_altered_link_opens_nothing(seller, product, place):
    order = place(seller)
    assert Client().get("/o/not-a-token/").status_code == 404
    assert Client().get(order_page_path(order.pk)[:-3] + "xx/").status_code == 404


def test_a_pending_order_is_cancelled_at_once_from_the_page(seller, product, place):
    order = place(seller)

    answer = Client().post(order_page_path(order.pk), {"action": "cancel", "note": "wrong size"})

    assert answer.status_code == 302
    order = Order.objects.get(pk=order.pk)
    assert order.status == "cancelled" and order.refunded_total == order.total
    assert order.cancellations.get().reason == "customer_request"


def test_a_confirmed_order_becomes_a_request_the_seller_is_alerted_to_once(seller, product, place):
    order = advance(place(seller), "confirmed")
    client = Client()

    assert (
        client.post(order_page_path(order.pk), {"action": "cancel", "note": "<b>changed</b> my mind"}).status_code
        == 302
    )
    again = client.post(order_page_path(order.pk), {"action": "cancel"})

    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert again.status_code == 409
    assert Alert.objects.filter(order=order, kind="seller_cancel_requested").count() == 1
    assert OrderEvent.objects.filter(order=order, type="cancel_requested").count() == 1
    assert "asked to cancel" in client.get(order_page_path(order.pk)).content.decode()


def test_the_customer_asks_for_a_return_from_the_page_within_the_window_only(seller, make_product, place):
    make_product(seller, "MUG-1", price="10.00")
    order = advance(place(seller, lines=(("MUG-1", 3, "10.00"),)), "delivered")
    line = order.lines.get()
    client = Client()

    page = client.get(order_page_path(order.pk)).content.decode()
    assert "Ask for a return" in page and "(up to 3)" in page

    too_many = client.post(
        order_page_path(order.pk), {"action": "return", f"quantity_{line.pk}": "4", f"reason_{line.pk}": "faulty"}
    )
    assert too_many.status_code == 422 and "Between 1 and 3" in too_many.content.decode()
    assert not ReturnRequest.objects.exists()

    asked = client.post(
        order_page_path(order.pk),
        {"action": "return", f"quantity_{line.pk}": "2", f"reason_{line.pk}": "faulty", "note": "cracked"},
    )
    assert asked.status_code == 302
    rma = ReturnRequest.objects.get()
    assert (rma.status, rma.requested_by_kind, rma.lines.get().quantity) == ("requested", "customer", 2)
    assert "Asked: the shop will answer soon" in client.get(order_page_path(order.pk)).content.decode()

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert "Ask for a return" not in client.get(order_page_path(order.pk)).content.decode()
        late = client.post(
            order_page_path(order.pk), {"action": "return", f"quantity_{line.pk}": "1", f"reason_{line.pk}": "faulty"}
        )
        assert late.status_code == 409
    assert ReturnRequest.objects.count() == 1
    assert order.total == Decimal("34.99")


def test_a_storefront_relays_the_customers_cancel_request_through_the_api(
    seller, product, place, platform_api, seller_api
):
    pending = place(seller)
    assert platform_api.post(f"/orders/{pending.pk}/cancel-request", {"note": "oops"}).json()["status"] == "cancelled"

    processing = advance(place(seller), "processing")
    answer = platform_api.post(f"/orders/{processing.pk}/cancel-request", {"note": "too slow"})
    assert answer.status_code == 200 and answer.json()["status"] == "processing"
    assert any(e["type"] == "cancel_requested" for e in answer.json()["events"])
    assert platform_api.post(f"/orders/{processing.pk}/cancel-request", {}).status_code == 409
    assert seller_api.post(f"/orders/{processing.pk}/cancel-request", {}).status_code == 403


def test_the_owner_turns_the_being_prepared_email_off_in_the_settings(seller):
    from shipdesk.accounts.services import create_user

    client = Client()
    client.force_login(create_user(email="boss@acme.test", password=None, seller=seller, role="owner"))
    assert "Email customers when their order is being prepared" in client.get("/settings/").content.decode()
    profile = {"name": "Acme", "email": "acme@example.test", "country": "US", "timezone_name": "America/New_York"}

    client.post("/settings/profile/", profile)  # the box left unticked

    assert Seller.objects.get(pk=seller.pk).preparing_email is False
    client.post("/settings/profile/", {**profile, "preparing_email": "on"})
    assert Seller.objects.get(pk=seller.pk).preparing_email is True
