"""Money: `Decimal` amounts in an ISO 4217 currency, with that currency's minor units.

The currency list is the set of currencies in legal use in some territory today (CLDR, via
Babel), so historic codes (DEM) and funds codes (XXX) are refused.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache, lru_cache

from babel.core import get_global
from babel.numbers import get_currency_precision, get_territory_currencies

# Money columns are DECIMAL(18, 4): 14 digits before the point. A larger amount cannot be
# stored, and is no real payment; quantizing one (1e400) even raises InvalidOperation.
INTEGER_DIGITS, FRACTION_DIGITS = 14, 4
AMOUNT_LIMIT = Decimal(10) ** INTEGER_DIGITS


def at_column_precision(amount: Decimal) -> Decimal:
    """`amount` to the money columns' four places. SQLite adds DECIMAL columns in floating point
    and Django does not round an aggregate's result, so a sum that is zero can come back as
    1.3e-15; every value a column holds is unchanged by this."""
    return amount.quantize(Decimal(1).scaleb(-FRACTION_DIGITS), rounding=ROUND_HALF_EVEN)


def storable(amount: Decimal) -> bool:
    """True if the amount is finite and fits a money column (|amount| < 10**14)."""
    return amount.is_finite() and abs(amount) < AMOUNT_LIMIT


@lru_cache(maxsize=1)
def active_currencies() -> frozenset[str]:
    today = date.today()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, start_date=today, tender=True))
    return frozenset(codes)


def is_currency(code: str) -> bool:
    return isinstance(code, str) and code in active_currencies()


@cache
def minor_units(currency: str) -> int:
    """Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD."""
    return get_currency_precision(currency)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def fits_currency(amount: Decimal, currency: str) -> bool:
    """True if the amount has no more decimals than the currency has minor units (no silent rounding)."""
    return amount == amount.quantize(quantum(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    # Banker's rounding: the rule accounting systems use, so sums of rounded parts do not drift.
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


def format_amount(amount: Decimal, currency: str) -> str:
    """The canonical string form used in the API: exactly the currency's minor units."""
    return str(quantize(Decimal(amount), currency))
