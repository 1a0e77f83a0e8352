"""Two answers of one claim at the same instant (PostgreSQL, real parallel connections): one refund."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipdesk.claims import services
from shipdesk.claims.models import Claim
from shipdesk.errors import ClaimConflict
from shipdesk.payments.models import Refund
from tests.builders import SELLER_ACTOR, advance
from tests.parallel import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_refund_answers_of_one_claim_refund_once(seller, product, place):
    order = advance(place(seller), "shipped")
    line = order.lines.get()
    claim = services.open_claim(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        kind="damaged",
        lines=[services.ClaimedLine(line_id=line.pk, quantity=2)],
        description="Both mugs broke.",
    )

    def answer():
        return services.answer_claim(claim_id=claim.pk, seller_id=seller.pk, actor=SELLER_ACTOR, resolution="refund")

    outcomes = run_together([answer, answer])
    assert sorted(type(o.error).__name__ for o in outcomes if o.error) == ["ClaimConflict"]
    assert all(isinstance(o.error, ClaimConflict) for o in outcomes if o.error)
    order.refresh_from_db()
    assert order.refunded_total == Decimal("25.00")
    assert Refund.objects.filter(order=order).count() == 1
    assert Claim.objects.get().refunded == Decimal("25.00")
