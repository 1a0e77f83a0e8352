"""How the API reads a request body: one parser, used by the NinjaAPI instance and by the few
endpoints whose body is optional and so parse it themselves (`orders.api.deliver`)."""

from __future__ import annotations

import json

from django.http import HttpRequest
from ninja.errors import ValidationError
from ninja.parser import Parser


def _contains_nul(data) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class JsonObjectParser(Parser):
    """Every body is a JSON object, and no string carries a NUL character.

    A list or a bare string would otherwise reach the schemas as an object with no attributes
    (422 "field required" for every field) instead of 400 malformed. PostgreSQL cannot store NUL
    in text, so one would become a 500 there and a stored value on SQLite: refused up front.
    """

    def parse_body(self, request: HttpRequest):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("The request body must be a JSON object.")
        if _contains_nul(data):
            raise ValueError("Strings must not contain NUL characters.")
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        for key, values in data.lists():
            if _contains_nul([key, *values]):
                raise ValidationError(
                    [{"loc": ("query", key), "msg": "Must not contain NUL characters.", "type": "string_nul"}]
                )
        return super().parse_querydict(data, list_fields, request)
