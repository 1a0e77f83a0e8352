"""Another seller's token or session, or another order's link, gets 404 for the conversation, its
attachments and the support case; attachments go only to the two parties, as downloads."""

from __future__ import annotations

from django.test import Client

from shipdesk.accounts.services import create_api_token, create_user
from shipdesk.conversations.models import Attachment, Message
from shipdesk.conversations.services import IncomingFile, open_case, receive_message
from shipdesk.orders.order_page_links import order_page_path
from tests.builders import SELLER_ACTOR, Api
from tests.conversations.inbound_mail import jpeg_bytes


def _setup(make_seller, make_product, place):
    mine, theirs = make_seller("mine"), make_seller("theirs")
    make_product(mine)
    make_product(theirs)
    order, other_order = place(mine), place(theirs)
    received = receive_message(
        order_id=order.pk,
        body="Cracked, see photo",
        channel="order_page",
        author_label="Ada",
        files=[IncomingFile(filename="crack.jpg", content=jpeg_bytes())],
    )
    case = open_case(seller_id=mine.pk, actor=SELLER_ACTOR, topic="other", body="Help", order_id=order.pk)
    return mine, theirs, order, other_order, received.message.attachments.get(), case


def _client(seller, email) -> Client:
    client = Client()
    client.force_login(create_user(email=email, password=None, seller=seller, role="owner"))
    return client


def test_another_sellers_session_gets_404_for_the_conversation_attachment_and_case(make_seller, make_product, place):
    mine, theirs, order, _, attachment, case = _setup(make_seller, make_product, place)
    stranger = _client(theirs, "owner@theirs.test")

    assert stranger.get(f"/messages/attachments/{attachment.pk}/").status_code == 404
    assert stranger.get(f"/support/{case.pk}/").status_code == 404
    assert stranger.post(f"/support/{case.pk}/", {"body": "hi"}).status_code == 404
    assert stranger.post(f"/orders/{order.pk}/messages/", {"body": "hi"}).status_code == 404
    message = Message.objects.get(order=order)
    assert stranger.post(f"/messages/{message.pk}/no-answer/", {}).status_code == 404
    assert Message.objects.filter(order=order).count() == 1


def test_another_sellers_token_gets_404_for_the_conversation(make_seller, make_product, place):
    mine, theirs, order, _, _, _ = _setup(make_seller, make_product, place)
    api = Api(create_api_token(name="t", seller=theirs).token)

    assert api.get(f"/orders/{order.pk}/messages").status_code == 404
    assert api.post(f"/orders/{order.pk}/messages", {"body": "hi"}).status_code == 404
    message = Message.objects.get(order=order)
    assert api.post(f"/messages/{message.pk}/no-answer-needed").status_code == 404
    assert Message.objects.filter(order=order).count() == 1


def test_another_orders_link_gets_404_for_an_attachment(make_seller, make_product, place):
    mine, theirs, order, other_order, attachment, _ = _setup(make_seller, make_product, place)
    other_token = order_page_path(other_order.pk).split("/")[2]
    assert Client().get(f"/o/{other_token}/messages/attachments/{attachment.pk}/").status_code == 404
    assert Client().get("/o/forged-token/messages/").status_code == 404


def test_the_two_parties_download_the_attachment_and_nobody_gets_it_inline(make_seller, make_product, place):
    mine, _, order, _, attachment, _ = _setup(make_seller, make_product, place)
    token = order_page_path(order.pk).split("/")[2]

    for response in (
        _client(mine, "owner@mine.test").get(f"/messages/attachments/{attachment.pk}/"),
        Client().get(f"/o/{token}/messages/attachments/{attachment.pk}/"),
    ):
        assert response.status_code == 200
        assert (
            response["Content-Disposition"].startswith("attachment;") and "crack.jpg" in response["Content-Disposition"]
        )
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == jpeg_bytes()


def test_the_customer_writes_on_the_order_page_and_a_disguised_file_is_refused(make_seller, make_product, place):
    mine, _, order, _, _, _ = _setup(make_seller, make_product, place)
    path = order_page_path(order.pk) + "messages/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = Client().post(
        path, {"body": "Here", "attachments": SimpleUploadedFile("x.jpg", b"MZ\x90\x00", content_type="image/jpeg")}
    )
    assert refused.status_code == 422 and "is not an image" in refused.content.decode()
    sent = Client().post(path, {"body": "Any news?"})
    assert sent.status_code == 302
    assert Message.objects.filter(order=order, body="Any news?", channel="order_page").count() == 1
    assert Attachment.objects.count() == 1  # the first message's photo only


def test_the_seller_writes_through_the_api_with_a_template(seller, product, place, seller_api):
    order = place(seller)

    response = seller_api.post(f"/orders/{order.pk}/messages", {"template": "address_question"})

    assert response.status_code == 201
    text = response.json()["body"]
    assert f"order #{order.number}" in text and "1 Main St" in text and "Ada Lovelace" in text
    listed = seller_api.get(f"/orders/{order.pk}/messages").json()
    assert [m["direction"] for m in listed["items"]] == ["to_customer"]
    assert seller_api.post(f"/orders/{order.pk}/messages", {"body": "   "}).status_code == 422
