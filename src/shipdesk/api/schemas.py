from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema


class ErrorBody(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorOut(Schema):
    error: ErrorBody


# A money amount as the API takes it: a plain decimal string ("12.50", the form every amount is
# returned in) or a JSON number; at most 14 digits before the point and 4 after. Python's Decimal
# alone would also read "1e3", " 12.50", "1_000" or Arabic-Indic digits, none of which the
# document can describe; they are refused, so the document's pattern is exactly what is taken.
MONEY_PATTERN = r"^[0-9]{1,14}(\.[0-9]{1,4})?$"


def _plain_decimal_string(value):
    if isinstance(value, str) and not re.fullmatch(MONEY_PATTERN, value):
        raise ValueError("Input should be a decimal number such as 12.50.")
    return value


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_plain_decimal_string),
    Field(max_digits=18, decimal_places=4, allow_inf_nan=False, ge=0),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "exclusiveMaximum": 100000000000000}, {"type": "string", "pattern": MONEY_PATTERN}]}),
]
