"""The single-line text rule: what a name, an address line, a SKU or an id may contain.

A single-line value is shown in one line of a page, put in an email header (the shop's name is
the From display name), written to a CSV cell and a log line. A line break in it can forge a
header (`"Evil\\r\\nBcc: victim@example.com"`), a NUL cannot be stored by PostgreSQL, bidi
overrides make a page show text in another order than it is stored ("Trojan Source"), and
zero-width characters make two different SKUs or names look the same. None of them belongs in
a line of text a person types, so our own inputs refuse them with a field error
(`check_single_line`), and text from third parties we must not refuse (a carrier's scan) has
them replaced (`clean_single_line`). Pure: no Django, no I/O.

Refused: every control character (C0 U+0000–U+001F with CR, LF and TAB, DEL U+007F, C1
U+0080–U+009F), the line and paragraph separators U+2028/U+2029, the bidi embeddings, overrides
and isolates U+202A–U+202E and U+2066–U+2069 with the marks U+200E/U+200F/U+061C, the zero-width
characters U+200B–U+200D and U+2060, and the byte-order mark U+FEFF.
"""

from __future__ import annotations

import re
import unicodedata

_BIDI_AND_INVISIBLE = (
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + _BIDI_AND_INVISIBLE + "]")
_FORBIDDEN_RUNS = re.compile(_FORBIDDEN.pattern + "+")
_SPACES = re.compile(r" {2,}")


class NotSingleLine(ValueError):
    """The value holds a character a single line of text must not; the message says which and where."""


def single_line_problem(value: str) -> str | None:
    """Why `value` is not one clean line of text (which character, where), or None."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    character = found.group()
    name = unicodedata.name(character, "") or "a control character"
    return (
        "Must be one line of text without control or invisible characters "
        f"(found U+{ord(character):04X} {name} at position {found.start() + 1})."
    )


def check_single_line(value: str) -> str:
    """The value unchanged if it is one clean line of text; else raises NotSingleLine.

    Used by every entrance that takes our own users' text: the API schemas, the dashboard forms,
    the CSV import and the services behind them.
    """
    problem = single_line_problem(value)
    if problem is not None:
        raise NotSingleLine(problem)
    return value


def single_line_errors(**values: str) -> dict[str, list[str]]:
    """Field errors (`{field: [problem]}`) for the named values that are not one clean line: the
    shape services raise in ValidationFailed."""
    return {field: [problem] for field, value in values.items() if (problem := single_line_problem(value or ""))}


def clean_single_line(value: str) -> str:
    """Third-party text we must keep (a carrier's scan description): each run of forbidden
    characters becomes one space, so the words either side stay apart and nothing can break a
    line, a header or the display order."""
    return _SPACES.sub(" ", _FORBIDDEN_RUNS.sub(" ", value)).strip()
