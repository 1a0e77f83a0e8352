"""Signing in and out, lockout, password reset, shops and roles, and the page-level protections."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from shipdesk.accounts.services import create_user
from tests.dashboard.conftest import PASSWORD


def sign_in(client: Client, email: str, password: str, ip: str = "203.0.113.5"):
    return client.post("/signin/", {"username": email, "password": password}, REMOTE_ADDR=ip, follow=True)


def test_the_front_door_sends_people_to_sign_in_or_to_their_orders(owner_client):
    assert Client().get("/").url == "/signin/"
    assert owner_client.get("/").url == "/orders/"
    assert Client().get("/orders/").url == "/signin/?next=/orders/"


def test_a_seller_signs_in_with_their_email_in_any_case_and_signs_out(owner_with_password):
    client = Client()
    response = sign_in(client, "Owner@ACME.test", PASSWORD)
    assert response.redirect_chain[-1][0] == "/orders/"
    assert "Acme" in response.content.decode()

    client.post("/signout/")
    assert client.get("/orders/").status_code == 302


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(owner_with_password):
    owner = owner_with_password
    response = sign_in(Client(), owner.email, "wrong password")
    assert response.status_code == 200
    assert "That email and password don&#x27;t match an account." in response.content.decode()


def test_five_failures_lock_that_email_from_that_address_for_15_minutes(owner_with_password):
    owner = owner_with_password
    client = Client()
    for _ in range(5):
        sign_in(client, owner.email, "guess")

    locked = sign_in(client, owner.email, PASSWORD)
    html = locked.content.decode()
    assert locked.status_code == 429
    assert "Too many failed sign-ins." in html and "paused for 15 minutes" in html
    assert "_auth_user_id" not in client.session

    # The same person from another address, and another email from this one, are not locked.
    assert sign_in(Client(), owner.email, PASSWORD, ip="198.51.100.7").redirect_chain[-1][0] == "/orders/"
    create_user(email="other@acme.test", password=None)
    assert "Too many" not in sign_in(Client(), "other@acme.test", "guess").content.decode()

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(Client(), owner.email, PASSWORD).redirect_chain[-1][0] == "/orders/"


def test_a_password_is_reset_by_an_emailed_link(owner_with_password):
    owner = owner_with_password
    client = Client()
    sent = client.post("/password-reset/", {"email": "OWNER@acme.test"}, follow=True)
    assert "Check your email" in sent.content.decode()
    (message,) = mail.outbox
    assert message.to == [owner.email] and message.subject == "Reset your Shipdesk password"
    link = re.search(rf"{re.escape(settings.SHIPDESK_BASE_URL)}(/password-reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand new passphrase 7", "new_password2": "brand new passphrase 7"},
        follow=True,
    )
    assert "Password saved" in done.content.decode()
    assert sign_in(Client(), owner.email, "brand new passphrase 7").redirect_chain[-1][0] == "/orders/"
    assert "no longer works" in client.get(link, follow=True).content.decode()  # the link works once


def test_a_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(db):
    response = Client().post("/password-reset/", {"email": "nobody@example.test"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_a_person_in_no_shop_sees_a_clear_page_and_an_operator_is_sent_to_the_admin(db):
    nobody = Client()
    nobody.force_login(create_user(email="lost@example.test", password=None))
    page = nobody.get("/orders/")
    assert page.status_code == 403 and "You're not in a shop yet" in page.content.decode()

    operator = create_user(email="ops@market.test", password=None)
    operator.is_staff = True
    operator.save()
    client = Client()
    client.force_login(operator)
    html = client.get("/orders/").content.decode()
    assert "You're a marketplace operator" in html and 'href="/admin/"' in html


def test_someone_in_two_shops_switches_between_them(owner, seller, make_seller, product, place, make_product):
    second = make_seller("beta-shop")
    make_product(second)
    create_user(email=owner.email, password=None, seller=second, role="staff")
    theirs = place(second, customer_name="Beta Customer")
    client = Client()
    client.force_login(owner)

    assert "Beta Customer" not in client.get("/orders/?tab=all").content.decode()
    client.post("/switch-shop/", {"seller_id": second.pk})
    html = client.get("/orders/?tab=all").content.decode()
    assert "Beta Customer" in html and client.get(f"/orders/{theirs.pk}/").status_code == 200
    assert 'href="/settings/"' not in html  # staff in this shop


def test_switching_to_a_shop_one_is_not_in_is_refused(owner_client, make_seller):
    stranger = make_seller("stranger")
    assert owner_client.post("/switch-shop/", {"seller_id": stranger.pk}).status_code == 404


def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(owner_client, seller, product, place):
    order = place(seller)
    for url in ("/orders/", f"/orders/{order.pk}/", "/inventory/", "/settings/", "/signin/"):
        response = owner_client.get(url) if url != "/signin/" else Client().get(url)
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", policy).group(1).split()
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert "'self'" in script_src and all(s in ("'self'",) or s.startswith("'nonce-") for s in script_src)
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        html = response.content.decode()
        # Every script is a file; none carries code inline or in an event-handler attribute.
        assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html)), url
        assert not re.search(r"\son[a-z]+=\"", html), url


def test_every_form_carries_a_csrf_token_and_a_post_without_it_is_refused(owner, seller, product, place):
    order = place(seller)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    forms = re.findall(r'<form method="post".*?</form>', html, re.S)
    assert forms and all("csrfmiddlewaretoken" in form for form in forms)

    assert client.post(f"/orders/{order.pk}/confirm/").status_code == 403
    assert order.__class__.objects.get(pk=order.pk).status == "pending"
