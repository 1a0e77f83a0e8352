"""The seller's returns on the dashboard: the list by deadline, the order page's return card and
its actions, refusals shown and nothing changed, and another shop's return a 404."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.inventory.models import Product
from shipdesk.orders.models import Order
from shipdesk.returns import services as returns
from shipdesk.returns.models import ReturnRequest
from tests.builders import PLATFORM_ACTOR


def _client(seller, email="owner@acme.test"):
    client = Client()
    client.force_login(create_user(email=email, password=None, seller=seller, role="staff"))
    return client


def _asked(order, quantity=2, reason="damaged"):
    line = order.lines.get(sku="MUG-1")
    return returns.request_return(
        order_id=order.pk,
        seller_id=None,
        actor=PLATFORM_ACTOR,
        lines=[(line.pk, quantity, reason)],
        note="<b>cracked</b>",
    )


def test_the_returns_page_lists_returns_needing_action_by_deadline_and_escapes_the_customers_words(seller, delivered):
    rma = _asked(delivered)
    client = _client(seller)

    page = client.get("/returns/").content.decode()
    assert f"R{rma.pk}" in page and f"#{delivered.number}" in page

    detail = client.get(f"/returns/{rma.pk}/").content.decode()
    assert "&lt;b&gt;cracked&lt;/b&gt;" in detail and "<b>cracked</b>" not in detail
    assert "Approve return" in detail and "Reject return" in detail
    # The orders list's "Needs action" shows it too.
    assert f"Return R{rma.pk}" in client.get("/orders/").content.decode()


def test_the_seller_approves_and_receives_from_the_order_page(seller, delivered):
    rma = _asked(delivered)
    client = _client(seller)
    order_page = f"/orders/{delivered.pk}/"
    assert "Approve return" in client.get(order_page).content.decode()
    product = Product.objects.get(seller=seller, sku="MUG-1")
    on_hand = product.on_hand

    # Approving without any return address is refused and changes nothing.
    refused = client.post(f"/returns/{rma.pk}/approve/", {"next": order_page}, follow=True)
    assert "return address" in refused.content.decode()
    assert ReturnRequest.objects.get(pk=rma.pk).status == "requested"

    client.post(f"/returns/{rma.pk}/approve/", {"return_address": "Acme, 1 Dock Road", "next": order_page})
    assert ReturnRequest.objects.get(pk=rma.pk).status == "approved"
    line = delivered.lines.get(sku="MUG-1")
    done = client.post(
        f"/returns/{rma.pk}/receive/",
        {f"resellable_{line.pk}": "1", f"damaged_{line.pk}": "1", "next": order_page},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == order_page
    assert "the customer is refunded" in done.content.decode()
    rma.refresh_from_db()
    assert rma.status == "refunded"
    product.refresh_from_db()
    assert product.on_hand == on_hand + 1
    assert "Return R" in done.content.decode() and "Refunded" in done.content.decode()


def test_another_shops_return_is_a_404_and_its_actions_change_nothing(seller, delivered, make_seller):
    rma = _asked(delivered)
    stranger = _client(make_seller("elsewhere"), email="owner@elsewhere.test")

    assert stranger.get(f"/returns/{rma.pk}/").status_code == 404
    stranger.post(f"/returns/{rma.pk}/reject/", {"reason": "no"})
    assert ReturnRequest.objects.get(pk=rma.pk).status == "requested"
    # The return's own link, not "R<pk>" alone: that can occur by chance in the page's CSP nonce.
    assert f'href="/returns/{rma.pk}/"' not in stranger.get("/returns/").content.decode()


def test_the_seller_refunds_a_delivered_order_from_its_page_and_a_bad_amount_changes_nothing(seller, delivered):
    client = _client(seller)
    page = f"/orders/{delivered.pk}/"
    assert "Refund after shipment" in client.get(page).content.decode()
    mug = delivered.lines.get(sku="MUG-1")

    refused = client.post(f"{page}refund/", {"amount": "1e9", "reason": "goodwill"}, follow=True)
    assert "At most" in refused.content.decode() or "Must be" in refused.content.decode()
    assert Order.objects.get(pk=delivered.pk).refunded_total == 0

    done = client.post(f"{page}refund/", {f"quantity_{mug.pk}": "1", "reason": "damaged"}, follow=True)
    assert "Refunded 11.00 USD to the customer." in done.content.decode()
    assert Order.objects.get(pk=delivered.pk).refunded_total == Decimal("11.00")
