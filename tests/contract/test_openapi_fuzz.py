"""The whole API under a fuzzer: schemathesis reads /api/v1/openapi.json and sends generated
requests — valid and invalid — to every operation, with a seller token and with a platform token.

Every answer must be one the document promises: never a server error, a status code the
operation declares, the content type it declares, a body that matches the declared schema
(and headers likewise); a request that breaks the schema is refused, and a method the path does
not have is 405.

Bounded and repeatable: a fixed seed, derandomised generation, no example database, and at most
MAX_EXAMPLES fuzzed requests per operation and token on top of schemathesis' examples and
coverage phases — about 4,000 requests in all (docs/security.md, "The fuzzing suite").
"""

from __future__ import annotations

import json
import time
import zlib

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from shipdesk.accounts.services import create_api_token
from shipdesk.notifications.models import Alert
from shipdesk.orders import services
from shipdesk.performance.metrics import METRICS
from shipdesk.signatures import sign_timestamped
from tests.builders import OPERATOR_ACTOR, SELLER_ACTOR, advance

MAX_EXAMPLES = 20
SEED = 20261204
WEBHOOK_SECRET = "fuzz-webhook-secret"
SKUS = ("MUG-1", "TEE-1", "CAP-1")

CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The bearer token is ours to send (one per run below), not the fuzzer's to invent.
            "with-security-parameters": False,
        },
        "checks": {
            # "Every schema-valid request is accepted" cannot hold for rules a JSON schema does not
            # state: an opaque cursor must be one we issued, `delta` and `on_hand` exclude each
            # other, a platform token must name the seller. Those answers are 400/422 in the error
            # format, and the other checks still hold them to the document.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
# The document exactly as clients fetch it, from the application itself (no server, no network).


# The inbound-email webhook takes a raw RFC 5322 message: the fuzzer sends what it generates as
# the message's bytes (the endpoint must answer every one of them as its document says).
@schemathesis.serializer("message/rfc822")
def rfc822_body(ctx, value):
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else json.dumps(value).encode()


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)

# What exists in the shop the fixture makes, for the hooks below (refilled by every test).
KNOWN: dict[str, list] = {}


def _chosen(value, *, keep_one_in: int = 5) -> int | None:
    """An index derived from a generated value, or None for the one case in `keep_one_in` left
    as generated. Derived, not random, so a run repeats exactly."""
    digest = zlib.crc32(json.dumps(value, sort_keys=True, default=str).encode())
    return None if digest % keep_one_in == 0 else digest // keep_one_in


@schema.hook
def map_path_parameters(context, path_parameters):
    # A random integer almost never names an order that exists, and the fuzzer would only see
    # 404s: most generated ids, SKUs and providers become real ones, the rest stay as generated.
    for name, value in (path_parameters or {}).items():
        real, index = KNOWN.get(name), _chosen(value)
        if real and index is not None:
            path_parameters[name] = real[index % len(real)]
    return path_parameters


@schema.hook
def map_case(context, case):
    # A generated order names a seller, SKUs and an address that do not exist, and is refused
    # before it gets anywhere: most valid ones are given real ones, so the fuzzed quantities,
    # prices, notes, dates and payment states reach placing, reserving and deadlines. Products
    # likewise get a real seller and currency, and half the shipments an untracked carrier.
    body = case.body
    if (
        case.operation.label == "POST /api/v1/orders"
        and case.meta.generation.mode.is_positive
        and isinstance(body, dict)
    ):
        index = _chosen(body)
        if index is not None:
            body["seller"] = "acme"
            body["currency"] = "USD"
            body["customer"] = {**body["customer"], "email": "ada@example.com", "phone": ""}
            body["shipping_address"] = {
                "name": "Ada Lovelace",
                "line1": "1 Main St",
                "city": "Springfield",
                "region": "IL",
                "postal_code": "62701",
                "country": "US",
            }
            for n, line in enumerate(body["lines"]):
                line["sku"] = SKUS[(index + n) % len(SKUS)]
    if (
        case.operation.label == "POST /api/v1/products"
        and case.meta.generation.mode.is_positive
        and isinstance(body, dict)
    ) and _chosen(body) is not None:
        body.update(seller="acme", currency="USD")
    if (
        case.operation.label == "POST /api/v1/orders/{order_id}/ship"
        and case.meta.generation.mode.is_positive
        and isinstance(body, dict)
    ) and _chosen(body, keep_one_in=2) is not None:
        body.update(carrier="other", service_level="standard")  # untracked: any number ships
    return case


@pytest.fixture
def requests_run_in_the_test_transaction():
    # Django closes the connection before and after each request, and with it the test's
    # transaction that holds the shop (on PostgreSQL; SQLite's in-memory test database ignores
    # it). Its own test client disconnects these signals for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _shipped(order, tracking_number: str):
    order = advance(order, "processing")
    return services.ship_order(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier="ups",
        service_level="ground",
        tracking_number=tracking_number,
    )


@pytest.fixture
def shop(db, make_seller, make_product, place, settings, requests_run_in_the_test_transaction):
    """A seller with stock and an order in every state, and another seller's order beside it."""
    settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {
        **settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS,
        "generic": WEBHOOK_SECRET,
    }
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {**settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS, "generic": WEBHOOK_SECRET}
    seller, other = make_seller("acme"), make_seller("globex")
    for sku, on_hand in zip(SKUS, (50, 1, 20), strict=False):
        make_product(seller, sku, on_hand=on_hand)
    make_product(other, "MUG-1", on_hand=5)
    orders = [
        place(seller),
        place(seller, paid=False),
        place(seller, lines=(("TEE-1", 3, "9.00"), ("MUG-1", 1, "12.50"))),  # a short line
        advance(place(seller), "confirmed"),
        advance(place(seller, lines=(("MUG-1", 2, "12.50"), ("CAP-1", 1, "15.00"))), "processing"),
        _shipped(place(seller), "1Z5R89390357567127"),
        services.deliver_order(
            order_id=_shipped(place(seller), "1Z8V92A70367203024").pk, seller_id=seller.pk, actor=OPERATOR_ACTOR
        ),
        advance(place(seller), "cancelled"),
        place(other),  # another seller's: a 404 for the seller token, reachable by the platform's
    ]
    KNOWN.clear()
    KNOWN.update(
        order_id=[o.pk for o in orders],
        line_id=[line.pk for o in orders for line in o.lines.all()],
        sku=list(SKUS),
        alert_id=list(Alert.objects.values_list("pk", flat=True)),
        provider=["generic"],
        key=sorted(METRICS),
    )
    return {
        "seller": create_api_token(name="fuzz", seller=seller).token,
        "platform": create_api_token(name="fuzz platform", seller=None).token,
    }


def _signed_webhook(case) -> dict:
    """A webhook body sent as generated, signed with the generic scheme, so that it reaches the
    parser (a body the signature does not cover stops at 401, which proves little)."""
    if case.body is None or not isinstance(case.body, (dict, list, str, int, float, bool)):
        return {}
    raw = json.dumps(case.body).encode()
    return {
        "data": raw,
        "headers": {"Shipdesk-Signature": sign_timestamped(raw, WEBHOOK_SECRET, timestamp=int(time.time()))},
    }


def _each_on_the_same_shop(call):
    """Run one request in a savepoint rolled back afterwards, so every generated request meets
    the shop as the fixture made it: hypothesis assumes examples are independent (a failure must
    replay the same while it shrinks), and in production each request has its own transaction
    (a database error in one — on PostgreSQL — would otherwise abort the test's transaction
    under every request after it)."""
    savepoint = transaction.savepoint()
    try:
        return call()
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("token_kind", ["seller", "platform"])
@schema.exclude(path_regex="/webhooks/").parametrize()
# The shop is made once per operation and token and reused by its examples, each of which rolls
# back what it did (above).
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_answer_is_one_the_openapi_document_promises(case, token_kind, shop):
    _each_on_the_same_shop(lambda: case.call_and_validate(headers={"Authorization": f"Bearer {shop[token_kind]}"}))


@schema.include(path_regex="/webhooks/").parametrize()
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_webhook_answer_is_one_the_openapi_document_promises(case, shop):
    # Signed by the provider instead of a bearer token.
    signed = _signed_webhook(case)
    _each_on_the_same_shop(lambda: case.call_and_validate(headers=signed.pop("headers", {}), **signed))
