"""Keyset pagination: a cursor names the last row seen, never an offset.

Page 10,000 costs what page 1 costs: the next page is "rows after (sort value, id)" read from
an index. Cursors are signed so a client cannot hand us arbitrary SQL values.
"""

from __future__ import annotations

from django.core import signing

from shipdesk.errors import ShipdeskError

_SALT = "shipdesk.cursor"


class BadCursor(ShipdeskError):
    code = "invalid_cursor"
    status = 400


def encode_cursor(sort: str, values: list) -> str:
    return signing.dumps([sort, values], salt=_SALT, compress=True)


def decode_cursor(cursor: str, sort: str) -> list:
    if len(cursor) > 500:
        raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
    try:
        cursor_sort, values = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]}) from exc
    if cursor_sort != sort:
        raise BadCursor("This cursor belongs to another sort order.", details={"cursor": ["Sort order changed."]})
    return values
