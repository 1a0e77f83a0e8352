"""The EasyPost and Shippo adapters against their providers' published bodies, served by a local stub.

Rates, a purchase (tracking number and the label as a PDF), a void, and the providers' error
bodies mapped onto the API's error format. No network: the stub answers on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from shipdesk.errors import LabelProviderRefused, LabelProviderUnavailable
from shipdesk.shipping.document_data import PostageLabel
from shipdesk.shipping.documents import postage_label_pdf
from shipdesk.shipping.labels.easypost import EasyPostProvider
from shipdesk.shipping.labels.parcels import ParcelSize
from shipdesk.shipping.labels.providers import PostalAddress, Shipping
from shipdesk.shipping.labels.shippo import ShippoProvider
from tests.labels.provider_stub import recorded, start_stub

SHIPPING = Shipping(
    ship_from=PostalAddress(
        name="Dispatch desk",
        company="Acme",
        line1="417 Montgomery Street",
        city="San Francisco",
        region="CA",
        postal_code="94104",
        country="US",
    ),
    ship_to=PostalAddress(
        name="Dr. Steve Brule",
        line1="179 N Harbor Dr",
        city="Redondo Beach",
        region="CA",
        postal_code="90277",
        country="US",
    ),
    parcel=ParcelSize(
        weight_grams=1868,
        length_cm=Decimal("51.3"),
        width_cm=Decimal("27.7"),
        height_cm=Decimal("12.7"),
        box="",
        estimated=False,
    ),
    reference="Order #1042",
    currency="USD",
)


@pytest.fixture
def stub():
    stub, server = start_stub()
    yield stub
    server.shutdown()
    server.server_close()


def label_png(tmp_path, number: str) -> bytes:
    """A 4×6 label image with a barcode, as EasyPost's PNG labels are (rendered with poppler)."""
    source = tmp_path / "label.pdf"
    source.write_bytes(
        postage_label_pdf(
            PostageLabel(
                sender=("EasyPost",),
                recipient=("Dr. Steve Brule",),
                carrier="USPS",
                service="GroundAdvantage",
                tracking_number=number,
                weight_grams=1868,
                reference="Order #1042",
                postage="8.20 USD",
            )
        )
    )
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(source), str(tmp_path / "label")], check=True)
    return (tmp_path / "label.png").read_bytes()


# --- EasyPost -----------------------------------------------------------------------------------


def test_easypost_rates_are_the_shipments_rates_shipdesk_can_ship_with_cheapest_first(stub):
    created = recorded("easypost__shipment_create_response.json")
    # A carrier's service Shipdesk has no registry entry for is not offered (the older docs' First-Class).
    created["rates"].append({**created["rates"][0], "id": "rate_first", "service": "First", "rate": "1.00"})
    stub.answer("POST", "/v2/shipments", created, status=201)

    quotes = EasyPostProvider(api_key="EZTK_test", base_url=f"{stub.url}/v2").rates(shipping=SHIPPING)

    # EasyPost's Express, Priority and GroundAdvantage are USPS's services of those names.
    assert [(q.carrier, q.service_level, q.price) for q in quotes] == [
        ("usps", "ground_advantage", Decimal("8.20")),
        ("usps", "priority", Decimal("11.01")),
        ("usps", "priority_express", Decimal("51.20")),
    ]
    assert quotes[1].rate_id == "rate_e5b3aaafb00f48a4ab27d9f20a801b40"
    assert quotes[1].delivery_days == 2 and quotes[1].shipment_id == created["id"]
    (sent,) = stub.requests_to("/v2/shipments")
    assert sent.headers["Authorization"].startswith("Basic ")
    shipment = sent.body["shipment"]
    assert shipment["parcel"] == {"length": "20.2", "width": "10.9", "height": "5.0", "weight": "65.9"}
    assert shipment["from_address"]["street1"] == "417 Montgomery Street"
    assert shipment["to_address"]["zip"] == "90277"


def test_easypost_buy_returns_the_tracking_code_and_the_label_as_a_4x6_pdf(stub, tmp_path, pdf):
    bought = recorded("easypost__shipment_buy_response.json")
    converted = recorded("easypost__shipment_label_response.json")
    image_path = "/files/label.png"
    # The recorded labels live on S3; the stub serves them, so their URLs point at it.
    bought["postage_label"]["label_url"] = stub.url + image_path
    converted["postage_label"]["label_url"] = stub.url + image_path
    shipment_id = bought["id"]
    stub.answer("POST", f"/v2/shipments/{shipment_id}/buy", bought)
    stub.answer("GET", f"/v2/shipments/{shipment_id}/label?file_format=PDF", converted)
    stub.answer("GET", image_path, label_png(tmp_path, bought["tracking_code"]), content_type="image/png")
    provider = EasyPostProvider(api_key="EZTK_test", base_url=f"{stub.url}/v2")
    quote = next(q for q in _easypost_quotes(bought) if q.service_level == "ground_advantage")

    purchase = provider.buy(quote=quote, shipping=SHIPPING)

    assert purchase.tracking_number == "9434600208303109842228"
    assert purchase.label_id == shipment_id
    assert purchase.price == Decimal("8.20") and purchase.currency == "USD"
    assert purchase.pdf.startswith(b"%PDF-")
    assert "288 x 432 pts" in pdf.info(purchase.pdf)
    assert pdf.barcodes(purchase.pdf) == ["9434600208303109842228"]
    assert stub.requests_to(f"/v2/shipments/{shipment_id}/buy")[0].body == {"rate": {"id": quote.rate_id}}


def _easypost_quotes(shipment):
    from shipdesk.shipping.labels.easypost import parse_rates

    return parse_rates(shipment)


def test_easypost_void_is_accepted_when_the_refund_is_submitted(stub):
    refund = recorded("easypost__shipment_refund_response.json")
    stub.answer("POST", f"/v2/shipments/{refund['id']}/refund", refund)

    outcome = EasyPostProvider(api_key="EZTK_test", base_url=f"{stub.url}/v2").void(label_id=refund["id"])

    assert outcome.accepted and outcome.status == "submitted"


def test_easypost_errors_become_422_with_the_providers_words_per_field(stub):
    stub.answer("POST", "/v2/shipments", recorded("easypost__error_response.json"), status=422)

    with pytest.raises(LabelProviderRefused) as refused:
        EasyPostProvider(api_key="EZTK_test", base_url=f"{stub.url}/v2").rates(shipping=SHIPPING)

    assert refused.value.status == 422 and refused.value.code == "label_provider_refused"
    assert refused.value.details == {"address": ["Address not found"], "street1": ["House number is missing"]}


@pytest.mark.parametrize("status", [401, 500, 503])
def test_easypost_outages_and_a_refused_key_are_503_not_the_sellers_fault(stub, status):
    stub.answer("POST", "/v2/shipments", {"error": {"code": "X", "message": "no"}}, status=status)

    with pytest.raises(LabelProviderUnavailable):
        EasyPostProvider(api_key="EZTK_test", base_url=f"{stub.url}/v2").rates(shipping=SHIPPING)


def test_an_unreachable_provider_is_503():
    with pytest.raises(LabelProviderUnavailable):
        EasyPostProvider(api_key="EZTK_test", base_url="http://127.0.0.1:9/v2").rates(shipping=SHIPPING)


def test_without_a_key_easypost_is_not_set_up():
    with pytest.raises(LabelProviderUnavailable, match="SHIPDESK_EASYPOST_API_KEY"):
        EasyPostProvider(api_key="", base_url="http://127.0.0.1:9/v2").rates(shipping=SHIPPING)


# --- Shippo -------------------------------------------------------------------------------------


def test_shippo_rates_are_the_shipments_rates_shipdesk_can_ship_with_cheapest_first(stub):
    created = recorded("shippo__shipment_create_response.json")
    stub.answer("POST", "/shipments/", created, status=201)

    quotes = ShippoProvider(api_token="shippo_test_x", base_url=stub.url).rates(shipping=SHIPPING)

    by_service = {(q.carrier, q.service_level): q for q in quotes}
    assert by_service[("fedex", "ground")].price == Decimal("13.05")
    assert by_service[("fedex", "ground")].rate_id == "c08e3292858946429a90d1b432c6548c"
    assert by_service[("fedex", "ground")].shipment_id == created["object_id"]
    # FedEx 2Day A.M. and First Overnight have no Shipdesk service: not offered.
    tokens = {r["servicelevel"]["token"] for r in created["rates"]}
    assert {"fedex_2_day_am", "fedex_first_overnight"} <= tokens
    assert len(quotes) < len(created["rates"])
    assert [q.price for q in quotes] == sorted(q.price for q in quotes)
    (sent,) = stub.requests_to("/shipments/")
    assert sent.headers["Authorization"] == "ShippoToken shippo_test_x"
    assert sent.body["parcels"][0] == {
        "length": "51.3",
        "width": "27.7",
        "height": "12.7",
        "distance_unit": "cm",
        "weight": "1868",
        "mass_unit": "g",
    }
    assert sent.body["async"] is False


def test_shippo_buy_returns_the_transactions_tracking_number_and_pdf(stub):
    transaction = recorded("shippo__transaction_create_response.json")
    label_path = "/70ae8117ee1749e393f249d5b77c45e0.pdf"
    transaction["label_url"] = stub.url + label_path
    stub.answer("POST", "/transactions/", transaction, status=201)
    label = postage_label_pdf(
        PostageLabel(
            sender=("Shippo",),
            recipient=("Shwan Ippotle",),
            carrier="USPS",
            service="Priority Mail",
            tracking_number=transaction["tracking_number"],
            weight_grams=500,
            reference="",
            postage="5.50 USD",
        )
    )
    stub.answer("GET", label_path, label, content_type="application/pdf")
    quote = _shippo_quote()

    purchase = ShippoProvider(api_token="shippo_test_x", base_url=stub.url).buy(quote=quote, shipping=SHIPPING)

    assert purchase.tracking_number == "9499907123456123456781"
    assert purchase.label_id == "915d94940ea54c3a80cbfa328722f5a1"
    assert purchase.price == Decimal("5.5") and purchase.pdf == label
    sent = stub.requests_to("/transactions/")[0].body
    assert sent["rate"] == quote.rate_id and sent["label_file_type"] == "PDF_4x6" and sent["async"] is False


def test_a_shippo_transaction_in_error_is_a_422_with_the_carriers_messages(stub):
    transaction = recorded("shippo__transaction_create_response.json")
    transaction["status"] = "ERROR"  # the documented body, as Shippo answers a carrier's refusal
    stub.answer("POST", "/transactions/", transaction, status=201)

    with pytest.raises(LabelProviderRefused) as refused:
        ShippoProvider(api_token="shippo_test_x", base_url=stub.url).buy(quote=_shippo_quote(), shipping=SHIPPING)

    assert refused.value.details == {"provider": ["UPS: UPS API did not respond. Please try again in a few minutes."]}


def test_shippo_field_errors_are_422_per_field(stub):
    stub.answer("POST", "/shipments/", {"address_to": {"zip": ["This field is required."]}}, status=400)

    with pytest.raises(LabelProviderRefused) as refused:
        ShippoProvider(api_token="shippo_test_x", base_url=stub.url).rates(shipping=SHIPPING)

    assert refused.value.details == {"address_to.zip": ["This field is required."]}


def test_shippo_void_creates_a_refund_of_the_transaction(stub):
    stub.answer("POST", "/refunds/", recorded("shippo__refund_create_response.json"), status=201)

    outcome = ShippoProvider(api_token="shippo_test_x", base_url=stub.url).void(
        label_id="915d94940ea54c3a80cbfa328722f5a1"
    )

    assert outcome.accepted and outcome.status == "SUCCESS"
    assert stub.requests_to("/refunds/")[0].body == {"transaction": "915d94940ea54c3a80cbfa328722f5a1", "async": False}


def _shippo_quote():
    from shipdesk.shipping.labels.shippo import parse_rates

    return parse_rates(recorded("shippo__shipment_create_response.json"))[0]
