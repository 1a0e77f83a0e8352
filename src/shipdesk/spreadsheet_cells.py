"""Spreadsheet cells that cannot run: the one formula escape of every CSV Shipdesk writes (the stock
export, earnings statements) and reads back (the stocktake import). Pure: no ORM, no I/O.

A cell whose first visible character is = + - @ (after any spaces, tabs or line breaks; full-width
＝ ＋ － ＠ too) gets a leading apostrophe (OWASP "CSV injection"), so a product title like
`=HYPERLINK(...)` is shown as text, never run.
"""

from __future__ import annotations

import unicodedata

FORMULA_STARTS = ("=", "+", "-", "@")


def reads_as_formula(text: str) -> bool:
    # Spreadsheets skip leading spaces, tabs and line breaks before a formula (" =1+1",
    # "\n=1+1"), and some read the full-width signs (＝ ＋ － ＠) as the ASCII ones: NFKC folds
    # those, so the first visible character is judged as the spreadsheet will see it.
    # A leading tab or carriage return is escaped whatever follows (OWASP's list).
    if text.startswith(("\t", "\r")):
        return True
    visible = text.lstrip()
    return bool(visible) and unicodedata.normalize("NFKC", visible[0]).startswith(FORMULA_STARTS)


def spreadsheet_safe(value: object) -> str:
    """The one formula-escaping function of every CSV we write (stock export, earnings statements)."""
    text = "" if value is None else str(value)
    return "'" + text if reads_as_formula(text) else text


def spreadsheet_unescaped(text: str) -> str:
    """What `spreadsheet_safe` was given: its apostrophe taken off again, so an exported file imports unchanged."""
    return text[1:] if text.startswith("'") and reads_as_formula(text[1:]) else text
