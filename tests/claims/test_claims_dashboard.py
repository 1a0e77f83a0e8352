"""Claims and chargebacks on the dashboard's order page, with the seller's actions."""

from __future__ import annotations

from decimal import Decimal

from shipdesk.claims import services
from shipdesk.claims.disputes import apply_dispute
from shipdesk.claims.models import Claim
from shipdesk.notifications.models import Notification
from shipdesk.payments.webhooks import DisputeFacts
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR, advance


def _claim(order, kind="damaged", description="It arrived in <b>pieces</b>."):
    line = order.lines.get()
    return services.open_claim(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=PLATFORM_ACTOR,
        kind=kind,
        lines=[services.ClaimedLine(line_id=line.pk, quantity=1)],
        description=description,
    )


def test_the_order_page_shows_the_claim_escaped_and_the_seller_resolves_it_with_a_return(
    owner_client, seller, product, place
):
    order = advance(place(seller), "delivered")
    claim = _claim(order)
    page = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Delivery problems and chargebacks" in page and "Arrived damaged" in page
    assert "&lt;b&gt;pieces&lt;/b&gt;" in page and "<b>pieces</b>" not in page
    assert f'action="/claims/{claim.pk}/answer/"' in page

    refused = owner_client.post(f"/claims/{claim.pk}/answer/", {"resolution": "return"}, follow=True)
    assert "Tell the customer how to return the items." in refused.content.decode()
    assert Claim.objects.get().status == "open"

    done = owner_client.post(
        f"/claims/{claim.pk}/answer/", {"resolution": "return", "note": "Send it to 1 Dock Road."}, follow=True
    )
    assert "Claim answered: return." in done.content.decode()
    assert Claim.objects.get().status == "resolved"
    assert Notification.objects.filter(order=order, kind="customer_claim_update", stage=f"{claim.pk}:resolved").exists()


def test_the_seller_refuses_a_claim_from_the_order_page(owner_client, seller, product, place):
    order = advance(place(seller), "delivered")
    claim = _claim(order)
    owner_client.post(f"/claims/{claim.pk}/refuse/", {"reason": "The photos show a different mug."})
    claim.refresh_from_db()
    assert (claim.status, claim.answer_note) == ("refused", "The photos show a different mug.")


def test_another_shops_claim_actions_are_not_found(owner_client, make_seller, make_product, place):
    other = make_seller("other-shop")
    make_product(other)
    order = advance(place(other), "delivered")
    claim = _claim(order)
    assert owner_client.post(f"/claims/{claim.pk}/refuse/", {"reason": "no"}).status_code == 404
    assert Claim.objects.get().status == "open"


def test_the_order_page_offers_the_chargebacks_evidence_pack(owner_client, seller, product, place, pdf):
    order = advance(place(seller, payment_reference="pi_1"), "delivered")
    apply_dispute(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        provider="stripe",
        dispute=DisputeFacts(
            dispute_id="dp_1", status="needs_response", reason="fraudulent", amount=order.total, currency="USD"
        ),
    )
    page = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Chargeback · Needs response" in page and "held from your earnings" in page
    link = f"/orders/{order.pk}/disputes/{order.disputes.get().pk}/evidence.pdf"
    assert f'href="{link}"' in page
    response = owner_client.get(link)
    assert response["Content-Type"] == "application/pdf"
    assert f"order #{order.number}" in " ".join(pdf.text(response.content).split())
    assert order.disputes.get().held == Decimal("29.99")


def test_the_claims_page_lists_the_claims_to_answer_nearest_deadline_first(owner_client, seller, product, place):
    first = advance(place(seller), "delivered")
    second = advance(place(seller), "delivered", tracking_number="1Z999AA10123456793")
    _claim(first, description="First")
    _claim(second, description="Second")
    page = owner_client.get("/claims/").content.decode()
    assert page.index(f"#{first.number}") < page.index(f"#{second.number}")
    assert "Arrived damaged" in page and 'aria-current="page">Claims' in page
    assert owner_client.get("/claims/?tab=all&cursor=forged").status_code == 200


def test_needs_action_shows_the_claims_waiting_above_the_orders(owner_client, seller, product, place):
    order = advance(place(seller), "delivered")
    _claim(order)
    page = owner_client.get("/orders/").content.decode()
    assert 'data-testid="claims-due"' in page and f"Order #{order.number}</a>" in page
    assert 'data-testid="claims-due"' not in owner_client.get("/orders/?tab=all").content.decode()
