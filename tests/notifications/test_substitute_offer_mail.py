"""The substitute offer reaches the customer by real SMTP, once, with a link that opens the offer."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from shipdesk.jobs.worker import run_until_idle
from shipdesk.orders.substitutions import offer_id_from_token, offer_substitute
from tests.builders import SELLER_ACTOR
from tests.notifications.mail_server import body


def test_the_customer_gets_one_email_whose_link_opens_the_offer(seller, make_product, place, mail_server):
    make_product(seller, "MUG-1", on_hand=0)
    make_product(seller, "CUP-1", on_hand=5, title="Teacup")
    order = place(seller, lines=(("MUG-1", 1, "12.50"),))
    line = order.lines.get()

    offer = offer_substitute(
        order_id=order.pk, seller_id=seller.pk, line_id=line.pk, sku="CUP-1", actor=SELLER_ACTOR, note="Same size"
    )
    run_until_idle()
    run_until_idle()

    [email] = mail_server.messages("customer_substitute_offer")
    assert email["To"] == order.customer_email
    assert f"#{order.number}" in email["Subject"]
    text = body(email, "plain")
    assert "Teacup (CUP-1)" in text and '"Same size"' in text and "Please answer by" in text
    link = next(word for word in text.split() if "/s/" in word)
    assert offer_id_from_token(urlsplit(link).path.split("/")[2]) == offer.pk
    page = Client().get(urlsplit(link).path)
    assert page.status_code == 200 and "Yes, send Teacup" in page.content.decode()
