"""Transport security and the customer-link pages' headers (issue 14, findings 5 and 9), and
what `shipdesk check` says about HSTS, proxies and shared webhook secrets."""

from __future__ import annotations

import pytest
from django.test import Client

from shipdesk.jobs.worker import Worker
from shipdesk.notifications.rendering import review_url
from tests.builders import advance
from tests.ops.test_ops_check import check, production  # noqa: F401

YEAR = 365 * 24 * 3600


# --- HSTS (finding 5) ----------------------------------------------------------------------------


def test_an_https_response_carries_strict_transport_security_for_a_year_by_default(db):
    response = Client().get("/healthz", secure=True)

    assert response["Strict-Transport-Security"] == f"max-age={YEAR}"


def test_behind_a_tls_proxy_the_forwarded_https_request_gets_hsts_and_plain_http_does_not(db, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    forwarded = Client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    plain = Client().get("/healthz")

    assert forwarded["Strict-Transport-Security"] == f"max-age={YEAR}"
    assert "Strict-Transport-Security" not in plain


# --- shipdesk check ------------------------------------------------------------------------------


def test_check_warns_when_hsts_is_off_in_production(production, db):  # noqa: F811
    production.SECURE_HSTS_SECONDS = 0

    code, out = check()

    assert code == 0, out
    assert "WARNING SECURE_HSTS_SECONDS: is 0" in out


def test_check_warns_behind_a_tls_proxy_without_trusted_proxies(production, db):  # noqa: F811
    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    production.SHIPDESK_TRUSTED_PROXIES = []

    code, out = check()

    assert code == 0, out
    assert "WARNING SHIPDESK_TRUSTED_PROXIES: is empty while BEHIND_TLS_PROXY is on" in out


def test_check_is_quiet_about_proxies_once_they_are_named(production, db):  # noqa: F811
    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    production.SHIPDESK_TRUSTED_PROXIES = ["10.0.0.5"]
    Worker(worker_id="check-worker")._register()

    code, out = check()

    assert (code, "SHIPDESK_TRUSTED_PROXIES" in out) == (0, False), out


def test_check_warns_when_two_webhook_endpoints_share_a_secret(production, db):  # noqa: F811
    production.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": "whsec_shared_0123456789", "stripe": ""}
    production.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {
        "generic": "whsec_shared_0123456789",
        "easypost": "whsec_0123456789abcdef",
        "aftership": "",
    }

    code, out = check()

    assert code == 0, out
    assert (
        "WARNING webhook secrets: the generic payment webhook and the generic tracking webhook share one secret" in out
    )


# --- customer-link pages (finding 9) -------------------------------------------------------------

PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def _private_headers(response) -> dict:
    return {name: response.get(name) for name in PRIVATE}


@pytest.mark.parametrize("path", ["/t/forged/", "/r/forged/", "/s/forged/"])
def test_every_customer_link_page_even_a_forged_ones_keeps_its_token_out_of_caches_referers_and_search_engines(
    db, path
):
    response = Client().get(path)

    assert response.status_code in (400, 404, 410)
    assert _private_headers(response) == PRIVATE


def test_the_review_page_of_a_delivered_order_keeps_its_token_private(seller, product, place):
    order = advance(place(seller), "delivered")

    response = Client().get(review_url(order.pk))

    assert response.status_code == 200
    assert _private_headers(response) == PRIVATE


def test_the_product_stores_passwords_with_argon2_and_still_reads_older_hashes():
    import shipdesk.settings as product

    assert product.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.MD5PasswordHasher" not in product.PASSWORD_HASHERS
