from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from shipdesk import money
from shipdesk.single_line import NotSingleLine, check_single_line


class ErrorBody(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorOut(Schema):
    error: ErrorBody


def _single_line(value: str) -> str:
    try:
        return check_single_line(value)
    except NotSingleLine as exc:
        # A custom error keeps the rule's own sentence in the 422 details (no "Value error, ").
        raise PydanticCustomError("single_line", str(exc)) from None


def SingleLine(max_length: int, min_length: int = 0):
    """A single-line text field of the API: length-capped and refusing control, bidi and
    zero-width characters (shipdesk.single_line) with a 422 on that field."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length), AfterValidator(_single_line)]


# A money amount as the API takes it: a plain decimal string ("12.50", the form every amount is
# returned in) or a JSON number; at most 14 digits before the point and 4 after. Python's Decimal
# alone would also read "1e3", " 12.50", "1_000" or Arabic-Indic digits, none of which the
# document can describe; they are refused, so the document's pattern is exactly what is taken.
MONEY_PATTERN = rf"^[0-9]{{1,{money.INTEGER_DIGITS}}}(\.[0-9]{{1,{money.FRACTION_DIGITS}}})?$"


def _plain_decimal_string(value):
    if isinstance(value, str) and not re.fullmatch(MONEY_PATTERN, value):
        raise ValueError("Input should be a decimal number such as 12.50.")
    return value


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_plain_decimal_string),
    Field(
        max_digits=money.INTEGER_DIGITS + money.FRACTION_DIGITS,
        decimal_places=money.FRACTION_DIGITS,
        allow_inf_nan=False,
        ge=0,
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "exclusiveMaximum": int(money.AMOUNT_LIMIT)},
                {"type": "string", "pattern": MONEY_PATTERN},
            ]
        }
    ),
]
