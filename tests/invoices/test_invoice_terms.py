"""Whether a shop issues tax invoices, and when an order is due one: the pure rule, every branch."""

from __future__ import annotations

import pytest

from shipdesk.invoices import terms
from shipdesk.orders.terms import PAYMENT_STATES


@pytest.mark.parametrize("country", ["GB", "DE", "FR", "IE", "MC", "IM", "NO", "CH", "AU"])
def test_a_shop_set_to_auto_in_a_country_that_requires_invoices_issues_them(country):
    offer = terms.invoice_offer(issuing=terms.AUTO, country=country)
    assert (offer.offered, offer.reason, offer.country) == (True, terms.COUNTRY_REQUIRES, country)
    assert f"shops in {country} must issue tax invoices" in offer.message


@pytest.mark.parametrize("country", ["US", "CA", "JP", "BR"])
def test_a_shop_set_to_auto_in_a_country_that_does_not_require_invoices_issues_none(country):
    offer = terms.invoice_offer(issuing=terms.AUTO, country=country)
    assert (offer.offered, offer.reason) == (False, terms.COUNTRY_DOES_NOT_REQUIRE)
    assert "Always" in offer.message  # the seller is told how to issue them anyway


def test_a_shop_set_to_always_issues_invoices_wherever_it_is():
    for country in ("US", "GB"):
        offer = terms.invoice_offer(issuing=terms.ALWAYS, country=country)
        assert (offer.offered, offer.reason) == (True, terms.SHOP_ALWAYS)


def test_a_shop_set_to_never_issues_no_invoices_even_where_they_are_required():
    for country in ("GB", "US"):
        offer = terms.invoice_offer(issuing=terms.NEVER, country=country)
        assert (offer.offered, offer.reason) == (False, terms.SHOP_NEVER)


def test_the_country_is_read_whatever_its_case_and_spacing():
    assert terms.invoice_offer(issuing=terms.AUTO, country=" gb ").offered


def test_an_unknown_setting_is_refused_rather_than_guessed():
    with pytest.raises(ValueError):
        terms.invoice_offer(issuing="sometimes", country="GB")


def test_the_default_setting_is_auto_and_every_reason_and_setting_has_a_label_and_a_description():
    assert terms.DEFAULT_ISSUING == terms.AUTO
    assert terms.ISSUING.values == ("auto", "always", "never")
    for vocabulary in (terms.ISSUING, terms.OFFER_REASONS):
        assert all(t.label.strip() and t.description.strip() for t in vocabulary)


def test_the_eu_list_holds_the_twenty_seven_member_states_as_iso_codes():
    assert len(terms.EU_VAT_MEMBER_STATES) == 27
    assert "GR" in terms.EU_VAT_MEMBER_STATES and "EL" not in terms.EU_VAT_MEMBER_STATES  # VAT says EL; ISO says GR
    assert "GB" not in terms.EU_VAT_MEMBER_STATES and terms.EU_VAT_MEMBER_STATES < terms.INVOICE_COUNTRIES


@pytest.mark.parametrize(
    ("payment_status", "due"),
    [("unpaid", False), ("failed", False), ("paid", True), ("partially_refunded", True), ("refunded", True)],
)
def test_an_order_is_due_its_invoice_once_money_came_in_even_if_refunded_since(payment_status, due):
    assert terms.invoice_is_due(payment_status) is due


def test_the_due_cases_above_cover_every_payment_state():
    assert set(PAYMENT_STATES.values) == {"unpaid", "failed", "paid", "partially_refunded", "refunded"}
