"""The seller's inbox and an order's conversation in a real browser: a customer's emailed reply
(text and photo) shows on the order page once, the seller answers it and the inbox empties."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from shipdesk.conversations.reply_addresses import reply_address
from shipdesk.conversations.services import send_message
from shipdesk.jobs.worker import run_until_idle
from tests.builders import SELLER_ACTOR
from tests.conversations.inbound_mail import customer_reply, jpeg_bytes, pipe
from tests.e2e.conftest import DESKTOP, SCREENSHOTS


def test_the_seller_sees_the_emailed_reply_and_its_photo_answers_it_and_the_inbox_empties(
    page, live_server, seller, product, place, member, sign_in_as, csp_violations, settings, tmp_path
):
    settings.SHIPDESK_CONVERSATIONS = {**settings.SHIPDESK_CONVERSATIONS, "reply_domain": "replies.shipdesk.test"}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    order = place(seller, customer_name="Ada Lovelace")
    send_message(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, body="Your mug ships tomorrow.")
    run_until_idle()
    raw = customer_reply(to=reply_address(order.pk), photo=jpeg_bytes(), message_id="<browser-1@mail.example.com>")
    assert pipe(raw).startswith("accepted")
    assert pipe(raw).startswith("duplicate")
    sign_in_as(member(seller, "owner@acme.test"))
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/messages/")
    expect(page.get_by_role("heading", name="Messages")).to_be_visible()
    row = page.locator("tr.inbox-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"#{order.number}")
    expect(row).to_contain_text(re.compile(r"\d+ h \d+ min left"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "messages-inbox.png"), full_page=True)

    row.get_by_role("link", name=f"#{order.number}").click()
    conversation = page.locator("#conversation")
    customer_messages = conversation.locator("li.message-from_customer")
    expect(customer_messages).to_have_count(1)
    expect(customer_messages.locator(".message-body")).to_have_text(
        "The mug arrived with a crack in the handle, see the photo."
    )
    expect(customer_messages).not_to_contain_text("Your order has shipped")  # the quoted history
    expect(customer_messages).not_to_contain_text("Sent from my phone")  # the signature
    photo = customer_messages.get_by_role("img", name="damaged-mug.jpg")
    expect(photo).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", photo.element_handle()) == 64
    expect(customer_messages.get_by_role("link", name=re.compile("damaged-mug.jpg"))).to_be_visible()

    page.get_by_label("Write to Ada Lovelace").fill("Sorry about that: a new mug leaves today.")
    page.get_by_role("button", name="Send to customer").click()
    expect(page.get_by_text("Message sent.")).to_be_visible()
    expect(page.locator("#conversation li.message-to_customer")).to_have_count(2)
    expect(customer_messages).to_contain_text("Answered")

    page.goto(f"{live_server.url}/messages/")
    expect(page.get_by_text("No customer is waiting for an answer.")).to_be_visible()
    assert csp_violations == []
