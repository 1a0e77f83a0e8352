"""The customer reports a delivery problem from the signed link of their order page."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client

from shipdesk.claims.models import Claim
from shipdesk.notifications.models import Alert
from shipdesk.orders.order_page_links import order_page_path
from tests.builders import advance


def test_the_order_page_links_to_the_problem_page_and_a_damaged_item_is_reported(seller, product, place):
    order = advance(place(seller), "delivered")
    client = Client()
    # The link is signed with the time it is made: page and expected link made in one second.
    with time_machine.travel(order.delivered_at, tick=False):
        order_page = client.get(order_page_path(order.pk)).content.decode()
        assert f'href="{order_page_path(order.pk)}problem/"' in order_page

    url = f"{order_page_path(order.pk)}problem/"
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    line = order.lines.get()
    missing_items = client.post(url, {"kind": "damaged", "description": "Cracked."})
    assert missing_items.status_code == 422 and "Name the items" in missing_items.content.decode()
    assert not Claim.objects.exists()

    sent = client.post(url, {"kind": "damaged", f"quantity_{line.pk}": "1", "description": "Cracked."}, follow=True)
    assert (
        "Your report is sent." in sent.content.decode() and "Sent: the shop will answer soon" in sent.content.decode()
    )
    claim = Claim.objects.get()
    assert (claim.kind, claim.opened_by_kind, claim.lines.get().quantity) == ("damaged", "customer", 1)
    assert Alert.objects.filter(order=order, kind="seller_claim_update").exists()


def test_not_received_before_the_eta_is_explained_on_the_page(seller, product, place):
    order = advance(place(seller), "shipped")
    url = f"{order_page_path(order.pk)}problem/"
    early = Client().post(url, {"kind": "not_received", "description": "Where is it?"})
    assert early.status_code == 409 and "not late yet" in early.content.decode()
    with time_machine.travel(order.deliver_by + timedelta(hours=1), tick=False):
        Client().post(url, {"kind": "not_received", "description": "Where is it?"})
    assert Claim.objects.get().lines.get().quantity == 2


def test_a_forged_link_opens_nothing(db):
    assert Client().get("/o/forged/problem/").status_code == 404
