"""Whether a shop issues tax invoices, and when an order is due one: the rule as data.

Pure: no ORM, no I/O. The invoice settings (model choices, API, dashboard form), the issuing
service and the order page's invoice panel all decide through `invoice_offer` and
`invoice_is_due`, so what the page offers is what the service does.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipdesk.orders.terms import CAPTURED_STATES, Term, Vocabulary

# --- the shop's setting: does it issue invoices? -------------------------------------------------

AUTO = "auto"
ALWAYS = "always"
NEVER = "never"

ISSUING = Vocabulary(
    Term(AUTO, "When the shop's country requires them", "invoices are offered if the shop's country is listed below"),
    Term(ALWAYS, "Always", "invoices are offered whatever the shop's country (a voluntary or local requirement)"),
    Term(NEVER, "Never", "no invoices are offered (the shop invoices elsewhere, or is not registered for tax)"),
)
DEFAULT_ISSUING = AUTO


# --- the countries whose sellers must issue a tax invoice for a sale ---------------------------
#
# The rule: a shop registered for VAT/GST in one of these countries must give a buyer of goods a
# tax invoice — the seller's tax number, a sequential number, the buyer's address, the net amount,
# rate and tax per rate — for every supply to a business and, in each of them, for a consumer sale
# at least when the buyer asks for one. A shop there must therefore be able to invoice every order.
#
# - The 27 EU member states: Council Directive 2006/112/EC (the VAT Directive), articles 220–221
#   (when an invoice is required; a member state may require one for every supply) and 226 (what
#   it must say). Monaco is French VAT territory (article 7 of the directive), so it follows France.
# - GB: the Value Added Tax Regulations 1995 (SI 1995/2518), regulations 13 and 14 (HMRC VAT
#   Notice 700/21). The Isle of Man shares the UK's VAT area and its invoicing rules.
# - NO: bokføringsforskriften (the bookkeeping regulation) § 5-1: a sales document for every sale.
# - CH: Mehrwertsteuergesetz (MWSTG) article 26 (an invoice when the buyer asks for one).
# - AU: A New Tax System (Goods and Services Tax) Act 1999, section 29-70 (a tax invoice within 28
#   days when the buyer asks for one, above the threshold of section 29-80).
# Elsewhere (the US sales taxes, for one) no such document exists: a shop there chooses `always`
# if a local rule asks for invoices anyway.
EU_VAT_MEMBER_STATES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
INVOICE_COUNTRIES = EU_VAT_MEMBER_STATES | {"MC", "GB", "IM", "NO", "CH", "AU"}


# --- why invoices are (not) offered -------------------------------------------------------------

SHOP_ALWAYS = "shop_always"
SHOP_NEVER = "shop_never"
COUNTRY_REQUIRES = "country_requires"
COUNTRY_DOES_NOT_REQUIRE = "country_does_not_require"

OFFER_REASONS = Vocabulary(
    Term(SHOP_ALWAYS, "Shop issues invoices", "the shop's setting is `always`"),
    Term(SHOP_NEVER, "Shop issues no invoices", "the shop's setting is `never`"),
    Term(COUNTRY_REQUIRES, "Required in the shop's country", "setting `auto`, and the country requires tax invoices"),
    Term(COUNTRY_DOES_NOT_REQUIRE, "Not required in the shop's country", "setting `auto`, and the country does not"),
)


@dataclass(frozen=True)
class InvoiceOffer:
    """Whether a shop issues tax invoices, why, and the country the rule looked at."""

    offered: bool
    reason: str  # a value of OFFER_REASONS
    country: str  # ISO 3166-1 alpha-2, upper case

    @property
    def message(self) -> str:
        """One sentence for the seller: what decided it and what to change."""
        if self.reason == SHOP_ALWAYS:
            return "Invoices are offered: the shop's setting is to always issue them."
        if self.reason == SHOP_NEVER:
            return "Invoices are not offered: the shop's setting is to never issue them."
        if self.reason == COUNTRY_REQUIRES:
            return f"Invoices are offered: shops in {self.country} must issue tax invoices."
        return (
            f"Invoices are not offered: shops in {self.country} need not issue tax invoices. "
            "Set invoicing to 'Always' to issue them anyway."
        )


def invoice_offer(*, issuing: str, country: str) -> InvoiceOffer:
    """Whether a shop with this setting, in this country (its ship-from address's), issues invoices.

    `always` and `never` are the shop's own decision; `auto` (the default) follows INVOICE_COUNTRIES.
    An unknown setting is refused (ValueError): the database and the service allow only ISSUING.
    """
    country = (country or "").strip().upper()
    if issuing == ALWAYS:
        return InvoiceOffer(offered=True, reason=SHOP_ALWAYS, country=country)
    if issuing == NEVER:
        return InvoiceOffer(offered=False, reason=SHOP_NEVER, country=country)
    if issuing != AUTO:
        raise ValueError(f"unknown invoicing setting {issuing!r}")
    if country in INVOICE_COUNTRIES:
        return InvoiceOffer(offered=True, reason=COUNTRY_REQUIRES, country=country)
    return InvoiceOffer(offered=False, reason=COUNTRY_DOES_NOT_REQUIRE, country=country)


# --- when an order is due its invoice -----------------------------------------------------------


NOT_DUE_MESSAGE = "An invoice is issued once the order is paid: an order never paid has nothing to invoice."


def invoice_is_due(payment_status: str) -> bool:
    """An order is invoiced once money came in for it (`CAPTURED_STATES`), refunded since or not:
    a refund is a credit note against the invoice. An order never paid (unpaid, failed — also one
    cancelled before payment) sold nothing, so it has nothing to invoice."""
    return payment_status in CAPTURED_STATES


# --- issuing the invoice when the order ships -------------------------------------------------


def invoices_on_shipping(*, issue_on_shipping: bool, offer: InvoiceOffer, tax_id: str) -> bool:
    """Whether shipping an order issues its invoice in the ship transaction: the shop asked for it,
    it issues invoices, and it has a tax id to print. (A shipped order is always paid for: the
    workflow never ships an unpaid one, so it is due.) Otherwise shipping issues nothing and the
    order page still offers the invoice."""
    return issue_on_shipping and offer.offered and bool(tax_id)
