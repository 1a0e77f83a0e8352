"""Hostile characters in single-line text, fed through every entrance (issue 14, finding 3).

CR/LF, NUL, the other C0 and C1 controls, DEL, the bidi embeddings, overrides and isolates
(U+202A–U+202E, U+2066–U+2069), the zero-width characters (U+200B–U+200D) and U+FEFF, anywhere
in any one-line field: our own entrances (API, dashboard forms, CSV import) refuse the value with
an error on that field and store nothing; third-party text (carrier scans, payment events) is
kept with the characters replaced. Either way no stored text holds one, and no email fails.

Hypothesis runs many examples in one test function, inside one database transaction; so each
example checks that the rows it could have written are unchanged, and at the end every stored
text column is scanned for a forbidden character.
"""

from __future__ import annotations

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_user
from shipdesk.inventory.models import Product, StockMove
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order, OrderLine
from shipdesk.payments.models import PaymentWebhookReceipt
from shipdesk.shipping.models import TrackingEvent, WebhookReceipt
from shipdesk.signatures import sign_timestamped
from shipdesk.single_line import single_line_problem
from tests.builders import order_payload
from tests.shipping.shipping_fixtures import FEDEX_NUMBER, SECRETS, ship

HOSTILE_CHARACTERS = [
    *(chr(c) for c in range(0x20)),  # C0, with NUL, TAB, LF, CR
    "\x7f",
    *(chr(c) for c in range(0x80, 0xA0)),  # C1
    *"\u202a\u202b\u202c\u202d\u202e",  # bidi embeddings and overrides
    *"\u2066\u2067\u2068\u2069",  # bidi isolates
    *"\u200b\u200c\u200d",  # zero-width space, non-joiner, joiner
    "\ufeff",  # byte-order mark / zero-width no-break space
]
hostile = st.sampled_from(HOSTILE_CHARACTERS)
position = st.integers(min_value=0, max_value=40)
EXAMPLES = hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
PAYMENT_SECRET = "hostile-generic-payment-secret"


def poisoned(value: str, character: str, at: int) -> str:
    at = min(at, len(value))
    return value[:at] + character + value[at:]


def assert_nothing_stored_holds_a_forbidden_character() -> None:
    columns = {
        Seller: ("name", "email"),
        Order: (
            "channel",
            "external_id",
            "customer_name",
            "customer_email",
            "customer_phone",
            "ship_name",
            "ship_line1",
            "ship_line2",
            "ship_city",
            "ship_region",
            "ship_postal_code",
            "payment_reference",
        ),
        OrderLine: ("sku", "title"),
        Product: ("sku", "title", "barcode", "bin_location", "currency"),
        StockMove: ("reason",),
        TrackingEvent: ("description", "location"),
        WebhookReceipt: ("event_id",),
        PaymentWebhookReceipt: ("event_id", "kind"),
    }
    for model, fields in columns.items():
        for row in model.objects.values_list(*fields):
            for field, value in zip(fields, row, strict=False):
                assert single_line_problem(value or "") is None, (model.__name__, field, value)


def assert_no_email_failed() -> None:
    run_until_idle()
    assert list(Notification.objects.filter(status="failed").values_list("kind", "last_error")) == []


def stripped_clean(value: str) -> str | None:
    """What a dashboard form or the CSV reader keeps of `value` when the hostile character was
    leading or trailing whitespace they strip anyway (a tab, a line break); None when the value
    still holds one and must be refused."""
    kept = value.strip()
    return kept if single_line_problem(kept) is None else None


def assert_refused_on(response, field: str) -> None:
    assert response.status_code in (400, 422), response.content[:500]
    error = response.json()["error"]
    # A NUL is refused while the body is parsed (400); every other character on its field (422).
    assert error["code"] == "malformed_request" or field in error["details"], error


@pytest.fixture
def shop(seller, make_product):
    make_product(seller, "MUG-1", on_hand=1_000)
    return seller


@pytest.fixture
def owner_client(shop):
    client = Client()
    client.force_login(create_user(email="owner@acme.test", password=None, seller=shop, role="owner"))
    return client


# --- the API ---------------------------------------------------------------------------------

ORDER_FIELDS = [
    "channel",
    "external_id",
    "customer.name",
    "customer.email",
    "customer.phone",
    "shipping_address.name",
    "shipping_address.line1",
    "shipping_address.line2",
    "shipping_address.city",
    "shipping_address.region",
    "shipping_address.postal_code",
    "lines.0.sku",
    "payment_reference",
]


def _order_with(field: str, character: str, at: int, n: int) -> dict:
    body = order_payload(
        external_id=f"H-{n}",
        customer={"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+12025550123"},
        payment_reference=f"pay-{n}",
    )
    body["shipping_address"]["line2"] = "Apt 4"
    *parents, leaf = field.split(".")
    node = body
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[leaf] = poisoned(str(node[leaf]), character, at)
    return body


@EXAMPLES
@given(field=st.sampled_from(ORDER_FIELDS), character=hostile, at=position, n=st.integers(0, 10**9))
def test_placing_an_order_refuses_a_hostile_character_in_any_one_line_field(
    shop, platform_api, field, character, at, n
):
    before = (Order.objects.count(), Notification.objects.count())

    response = platform_api.post("/orders", raw=json.dumps(_order_with(field, character, at, n)))

    assert_refused_on(response, field)
    assert (Order.objects.count(), Notification.objects.count()) == before  # no order, and no email to fail
    assert_nothing_stored_holds_a_forbidden_character()


PRODUCT_FIELDS = {"sku": "TEE-1", "title": "Organic tee", "barcode": "4006381333931", "bin_location": "A-03-2"}


@EXAMPLES
@given(field=st.sampled_from(sorted(PRODUCT_FIELDS)), character=hostile, at=position)
def test_creating_or_changing_a_product_through_the_api_refuses_a_hostile_character(
    shop, seller_api, field, character, at
):
    before = list(Product.objects.order_by("id").values())
    body = {**PRODUCT_FIELDS, "price": "9.00", "currency": "USD", field: poisoned(PRODUCT_FIELDS[field], character, at)}

    created = seller_api.post("/products", raw=json.dumps(body))
    patched = seller_api.patch("/products/MUG-1", raw=json.dumps({field: body[field]})) if field != "sku" else None

    assert_refused_on(created, field)
    if patched is not None:
        assert_refused_on(patched, field)
    assert list(Product.objects.order_by("id").values()) == before
    assert_nothing_stored_holds_a_forbidden_character()


# --- the dashboard ---------------------------------------------------------------------------


@EXAMPLES
@given(field=st.sampled_from(["name", "email"]), character=hostile, at=position)
def test_the_shop_settings_form_refuses_a_hostile_character_in_the_shop_name_or_email(
    owner_client, shop, field, character, at
):
    form = {"name": "Acme Goods", "email": "orders@acme.test", "country": "US", "timezone_name": "America/New_York"}
    form[field] = poisoned(form[field], character, at)
    Seller.objects.filter(pk=shop.pk).update(name="Acme", email="acme@example.test")

    response = owner_client.post("/settings/profile/", form)

    kept = stripped_clean(form[field])
    if kept is None:
        assert response.status_code == 422
        assert response.context["profile_form"].errors[field]
        assert Seller.objects.filter(pk=shop.pk).values_list("name", "email").get() == ("Acme", "acme@example.test")
    else:  # a leading or trailing tab or line break, which the form strips like a space
        assert response.status_code == 302
        assert getattr(Seller.objects.get(pk=shop.pk), field) == (kept.lower() if field == "email" else kept)
    assert_nothing_stored_holds_a_forbidden_character()


@EXAMPLES
@given(field=st.sampled_from(["sku", "title", "barcode"]), character=hostile, at=position, n=st.integers(0, 10**9))
def test_the_add_product_form_refuses_a_hostile_character(owner_client, shop, field, character, at, n):
    form = {
        "sku": f"TEE-{n}",
        "title": "Organic tee",
        "barcode": f"400{n}",
        "price": "9.00",
        "currency": "USD",
        "on_hand": "3",
        "low_stock_threshold": "5",
    }
    form[field] = poisoned(form[field], character, at)
    products = Product.objects.count()

    response = owner_client.post("/inventory/products/", form)

    if stripped_clean(form[field]) is None:
        assert response.status_code == 422
        assert response.context["product_form"].errors[field]
        assert Product.objects.count() == products
    assert_nothing_stored_holds_a_forbidden_character()


@EXAMPLES
@given(column=st.sampled_from(["sku", "title"]), character=hostile, at=position, n=st.integers(0, 10**9))
def test_a_csv_stock_import_with_a_hostile_character_in_a_cell_changes_nothing(
    owner_client, shop, column, character, at, n
):
    cells = {"sku": f"TEE-{n}", "title": "Organic tee"}
    cells[column] = poisoned(cells[column], character, at)
    # Written as a spreadsheet would: a cell with a line break or a quote is quoted.
    quoted = {k: '"' + v.replace('"', '""') + '"' for k, v in cells.items()}
    text = f"sku,on_hand,title,price,currency\nMUG-1,7,,,\n{quoted['sku']},3,{quoted['title']},9.00,USD\n"
    before = (list(Product.objects.order_by("id").values()), StockMove.objects.count())

    upload = SimpleUploadedFile("stock.csv", text.encode("utf-8"), content_type="text/csv")
    owner_client.post("/inventory/import/", {"file": upload, "reason": "stocktake"})

    if stripped_clean(cells[column]) is None:  # all rows or none: MUG-1's count is not changed either
        assert (list(Product.objects.order_by("id").values()), StockMove.objects.count()) == before
    assert_nothing_stored_holds_a_forbidden_character()


# --- webhooks: third-party text is kept, cleaned ----------------------------------------------


def _post_tracking(body: dict):
    raw = json.dumps(body).encode()
    signature = sign_timestamped(raw, SECRETS["generic"], timestamp=int(time.time()))
    return Client().post(
        "/api/v1/webhooks/tracking/generic",
        data=raw,
        content_type="application/json",
        headers={"Shipdesk-Signature": signature},
    )


@EXAMPLES
@given(
    field=st.sampled_from(["description", "location", "id"]), character=hostile, at=position, n=st.integers(0, 10**9)
)
def test_a_carrier_scan_with_a_hostile_character_is_kept_with_the_character_replaced(
    shop, place, webhook_secrets, field, character, at, n
):
    if not Order.objects.filter(status="shipped").exists():
        ship(place(shop))
    body = {
        "id": f"evt-{n}",
        "tracking_number": FEDEX_NUMBER,
        "carrier": "fedex",
        "status": "in_transit",
        "occurred_at": "2026-01-07T15:04:00Z",
        "description": "Arrived at facility",
        "location": "Memphis, TN",
    }
    body[field] = poisoned(body[field], character, at)

    response = _post_tracking(body)

    # The scan is not lost for a stray character: applied (or a duplicate when cleaning made two ids equal).
    assert response.status_code == 200, response.content
    assert response.json()["status"] in ("applied", "duplicate")
    assert_nothing_stored_holds_a_forbidden_character()
    assert_no_email_failed()


@EXAMPLES
@given(field=st.sampled_from(["id", "payment_reference"]), character=hostile, at=position, n=st.integers(0, 10**9))
def test_a_payment_event_with_a_hostile_character_is_acknowledged_and_stores_none(
    shop, place, settings, field, character, at, n
):
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": PAYMENT_SECRET, "stripe": ""}
    body = {
        "id": f"evt-{n}",
        "type": "payment.failed",
        "currency": "USD",
        "amount": "29.99",
        "payment_reference": f"pay-{n}",
    }
    body[field] = poisoned(body[field], character, at)
    raw = json.dumps(body).encode()

    response = Client().post(
        "/api/v1/webhooks/payments/generic",
        data=raw,
        content_type="application/json",
        headers={
            "Shipdesk-Payment-Signature": sign_timestamped(
                raw, PAYMENT_SECRET, timestamp=int(time.time()), purpose="payment"
            )
        },
    )

    assert response.status_code == 200, response.content
    assert_nothing_stored_holds_a_forbidden_character()
