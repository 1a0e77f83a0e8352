from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

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


def SingleLine(max_length: int, min_length: int = 0):  # noqa: N802 (a type, used like one)
    """A single-line text field of the API: length-capped and refusing control, bidi and
    zero-width characters (shipdesk.single_line) with a 422 on that field."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length), AfterValidator(_single_line)]
