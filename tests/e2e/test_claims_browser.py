"""Claims in a real browser: the customer reports a problem from their order page, the seller
answers it on the dashboard; every claims page passes axe at desktop and phone width."""

from __future__ import annotations

from playwright.sync_api import expect

from shipdesk.claims.disputes import apply_dispute
from shipdesk.claims.models import Claim
from shipdesk.orders.order_page_links import order_page_path
from shipdesk.payments.webhooks import DisputeFacts
from tests.builders import SELLER_ACTOR, advance
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import axe_violations, report


def test_a_customer_reports_a_damaged_item_and_the_seller_answers_with_a_return(
    page, live_server, seller, product, place, member, sign_in_as, csp_violations
):
    order = advance(place(seller, payment_reference="pi_e2e"), "delivered")
    line = order.lines.get()

    # The customer, from the link in their email.
    page.goto(live_server.url + order_page_path(order.pk))
    page.get_by_role("link", name="Report a problem with the delivery").click()
    page.get_by_label("Something arrived damaged").check()
    page.get_by_label(f"{line.title} ({line.sku}), how many").fill("1")
    page.get_by_label("Describe the problem").fill("The handle came off.")
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("status")).to_contain_text("Your report is sent.")

    # The seller, on the dashboard.
    sign_in_as(member(seller, "owner@acme.test"))
    page.goto(f"{live_server.url}/orders/")
    page.get_by_test_id("claims-due").get_by_role("link", name=f"Order #{order.number}").click()
    claim = page.get_by_role("article", name=f"Claim {Claim.objects.get().pk}")
    expect(claim).to_contain_text("The handle came off.")
    claim.get_by_role("radio", name="Return").check()
    claim.get_by_label("Note to the customer (a return's instructions)").fill("Post it to 1 Dock Road.")
    claim.get_by_role("button", name="Resolve the claim").click()
    expect(page.locator(".message-success, [role=status]").first).to_contain_text("Claim answered: return.")
    assert Claim.objects.get().status == "resolved"
    assert csp_violations == []


def test_every_claims_page_passes_axe_at_desktop_and_phone_width(
    page, live_server, seller, product, place, member, sign_in_as
):
    order = advance(place(seller, payment_reference="pi_axe"), "delivered")
    from shipdesk.claims import services

    services.open_claim(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        kind="damaged",
        lines=[services.ClaimedLine(line_id=order.lines.get().pk, quantity=1)],
        description="Cracked.",
    )
    apply_dispute(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        provider="stripe",
        dispute=DisputeFacts(
            dispute_id="dp_axe", status="needs_response", reason="general", amount=order.total, currency="USD"
        ),
    )
    sign_in_as(member(seller, "owner@acme.test"))
    found: dict[str, list[str]] = {}
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        for path in (
            f"/orders/{order.pk}/",
            "/orders/",
            "/claims/",
            "/claims/?tab=all",
            f"{order_page_path(order.pk)}problem/",
            "/o/forged/problem/",
        ):
            page.goto(live_server.url + path)
            found.update({f"{viewport['width']} {path}": v for v in [axe_violations(page)] if v})
    assert found == {}, report(found)
