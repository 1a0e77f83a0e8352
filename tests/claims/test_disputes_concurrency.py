"""Stripe delivering the same dispute events at once (PostgreSQL, real parallel connections)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipdesk.claims.models import Dispute
from shipdesk.earnings.models import LedgerEntry
from tests.builders import advance
from tests.claims.test_disputes import INTENT, _dispute, _event, _post
from tests.parallel import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_dispute_event_delivered_twice_at_once_holds_the_money_once(seller, product, place, settings):
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"stripe": "whsec_test_stripe", "generic": "generic-test-secret"}
    order = advance(place(seller, payment_reference=INTENT), "delivered")
    created = _event("evt_race", "charge.dispute.created", _dispute(order, status="needs_response"))
    # Two different events about one new dispute (created and updated) racing, and a redelivery.
    updated = _event("evt_race_2", "charge.dispute.updated", _dispute(order, status="under_review"))
    outcomes = run_together(
        [lambda: _post("stripe", created), lambda: _post("stripe", created), lambda: _post("stripe", updated)]
    )
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    assert sorted(o.value for o in outcomes)[:2] in (["applied", "applied"], ["applied", "duplicate"])
    assert Dispute.objects.count() == 1
    holds = LedgerEntry.objects.filter(order=order, kind="dispute_hold").values_list("available", flat=True)
    assert list(holds) == [Decimal("-29.99")]
