"""The bell on every dashboard page, /alerts/, the one-click delay notice, email previews, /dev/mail/."""

from __future__ import annotations

import re

import pytest

from shipdesk.actors import SYSTEM
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert, MailboxMessage, Notification
from shipdesk.notifications.rendering import CUSTOMER_KINDS, ORDERLESS_KINDS
from shipdesk.shipping.services import flag_shipment_delayed
from tests.builders import advance


def bell(html: str) -> str:
    return re.search(r'<a class="bell[^"]*" id="alerts-bell".*?</a>', html, re.S).group(0)


def test_the_bell_on_every_page_counts_unread_alerts_of_the_shop(seller, product, place, signed_in, make_seller):
    client = signed_in(seller)
    place(seller)
    place(seller)
    other = make_seller("other")
    Alert.objects.create(
        seller=other, kind="seller_new_order", title="not ours", created_at=Alert.objects.first().created_at
    )

    for page in ("/orders/", "/inventory/", "/alerts/"):
        html = client.get(page).content.decode()
        assert 'aria-label="Alerts, 2 unread"' in bell(html), page
        assert '<span class="bell-count" aria-hidden="true">2</span>' in bell(html)

    client.post(f"/alerts/{Alert.objects.filter(seller=seller).first().pk}/read/")
    assert 'aria-label="Alerts, 1 unread"' in bell(client.get("/alerts/bell/").content.decode())


def test_the_alerts_page_lists_unread_alerts_linking_to_their_orders_and_marks_them_read(
    seller, product, place, signed_in
):
    client = signed_in(seller)
    order = place(seller)
    alert = Alert.objects.get(order=order)

    page = client.get("/alerts/").content.decode()
    assert f'href="/orders/{order.pk}/">New order #{order.number}: 2 items, $29.99</a>' in page

    fragment = client.post(f"/alerts/{alert.pk}/read/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "alert-unread" not in fragment.content.decode()
    assert 'hx-swap-oob="true"' in bell(fragment.content.decode()) and "none unread" in bell(fragment.content.decode())
    assert Alert.objects.get(pk=alert.pk).read_at is not None
    assert "No unread alerts" in client.get("/alerts/").content.decode()
    assert f"/orders/{order.pk}/" in client.get("/alerts/?show=all").content.decode()


def test_marking_an_alert_read_without_javascript_says_which_alert_on_the_list(seller, product, place, signed_in):
    client = signed_in(seller)
    order = place(seller)
    alert = Alert.objects.get(order=order)

    page = client.post(f"/alerts/{alert.pk}/read/", follow=True).content.decode()

    # The result is in the focused status region (no htmx swap to put it where the button was).
    assert re.search(
        r'<div class="messages" role="status" tabindex="-1" data-focus-result>\s*<p[^>]*>Marked read: New order #'
        + str(order.number),
        page,
    )
    assert Alert.objects.get(pk=alert.pk).read_at is not None


def test_mark_all_read_and_a_plain_form_post_return_to_the_list(seller, product, place, signed_in):
    client = signed_in(seller)
    place(seller)
    place(seller)
    response = client.post("/alerts/read-all/")
    assert response.status_code == 302 and response["Location"] == "/alerts/"
    assert not Alert.objects.filter(read_at__isnull=True).exists()


def test_another_shops_alert_cannot_be_marked_read(seller, product, place, signed_in, make_seller, make_product):
    other = make_seller("other")
    make_product(other, "MUG-1")
    place(other)
    theirs = Alert.objects.get(seller=other)

    assert signed_in(seller).post(f"/alerts/{theirs.pk}/read/").status_code == 404
    assert Alert.objects.get(pk=theirs.pk).read_at is None


def test_a_delay_alert_sends_the_customer_a_delay_notice_in_one_click_once(
    seller, product, place, signed_in, mail_server
):
    client = signed_in(seller)
    order = advance(place(seller), "shipped")
    flag_shipment_delayed(shipment_id=order.shipments.get().pk, reason="missed_eta", actor=SYSTEM)
    alert = Alert.objects.get(order=order, kind="seller_delivery_exception")
    page = client.get("/alerts/").content.decode()
    assert f'action="/alerts/{alert.pk}/delay-notice/"' in page

    client.post(f"/alerts/{alert.pk}/delay-notice/")
    second = client.post(f"/alerts/{alert.pk}/delay-notice/", follow=True)
    run_until_idle()

    assert "already sent a delay notice" in second.content.decode()
    [notice] = mail_server.messages("customer_delay_notice")
    assert notice["Subject"] == f"Your order #{order.number} from Acme is running late"
    assert order.shipments.get().tracking_url in notice.get_body(preferencelist=("plain",)).get_content()
    assert (
        Notification.objects.get(order=order, kind="customer_delay_notice").context["requested_by"]
        == f"owner@{seller.slug}.test"
    )


def test_a_seller_previews_every_email_with_a_sample_order(seller, signed_in):
    client = signed_in(seller)
    listing = client.get("/alerts/emails/").content.decode()
    for kind in Notification.Kind.values:
        assert f'href="/alerts/emails/{kind}/"' in listing
        page = client.get(f"/alerts/emails/{kind}/")
        assert page.status_code == 200, kind
        frame = client.get(f"/alerts/emails/{kind}/html/")
        assert frame.status_code == 200 and frame["Content-Security-Policy"].endswith("sandbox")
        assert frame["X-Frame-Options"] == "SAMEORIGIN"
        if kind not in ORDERLESS_KINDS:
            assert "#1042" in page.content.decode(), kind
        if kind in CUSTOMER_KINDS:
            assert f"Reply-To</dt><dd>{seller.email}" in page.content.decode()
    assert client.get("/alerts/emails/no_such_email/").status_code == 404


def test_alert_pages_need_a_signed_in_seller(client, db):
    assert client.get("/alerts/").status_code == 302
    assert client.post("/alerts/1/read/").status_code == 302


@pytest.fixture
def local_mailbox(settings):
    settings.EMAIL_BACKEND = "shipdesk.notifications.mailbox.MailboxBackend"
    settings.DEBUG = True
    return settings


def test_shipdesk_run_keeps_mail_in_a_local_mailbox_shown_at_dev_mail(seller, product, place, client, local_mailbox):
    order = place(seller, customer_name="<b>Ada</b>")
    order = advance(order, "confirmed")
    run_until_idle()

    listing = client.get("/dev/mail/").content.decode()
    message = MailboxMessage.objects.get(subject__contains="is confirmed")
    assert message.seller_id == seller.pk and message.to == "ada@example.com"
    assert f'href="/dev/mail/{message.pk}/">Your order #{order.number} from Acme is confirmed</a>' in listing
    detail = client.get(f"/dev/mail/{message.pk}/").content.decode()
    assert "Hello &lt;b&gt;Ada&lt;/b&gt;," in detail  # the text body, escaped on the page
    frame = client.get(f"/dev/mail/{message.pk}/html/")
    assert "Hello &lt;b&gt;Ada&lt;/b&gt;," in frame.content.decode()  # the HTML body escaped the name itself
    assert "sandbox" in frame["Content-Security-Policy"]


def test_dev_mail_is_not_there_when_mail_is_really_sent(client, settings, db):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.DEBUG = True
    assert client.get("/dev/mail/").status_code == 404


def test_dev_mail_outside_debug_is_for_the_operator_only(client, local_mailbox, django_user_model):
    local_mailbox.DEBUG = False
    assert client.get("/dev/mail/").status_code == 404
    client.force_login(
        django_user_model.objects.create_user(email="op@shipdesk.test", password="x" * 12, is_staff=True)
    )
    assert client.get("/dev/mail/").status_code == 200
