"""How a product must be handled, as printed beside its line on the pick list and the packing slip.

A fixed set, each word defined once with its label and what it asks of the packer; a product holds
the values (`Product.handling_notes`), the API and the dashboard's form offer exactly these, and
the papers print the labels in this order whatever order they were set in. Pure: no ORM, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class HandlingNote:
    value: str  # what the database and the API hold
    label: str  # what the papers print
    description: str  # one line: what it asks of the packer


HANDLING_NOTES = (
    HandlingNote("fragile", "Fragile", "Breaks if dropped or crushed: pad it and pack it on top."),
    HandlingNote("keep_dry", "Keep dry", "Spoils when wet: wrap it against rain and spills."),
    HandlingNote("this_side_up", "This side up", "Must stay upright: pack it and mark the box that way up."),
    HandlingNote("perishable", "Perishable", "Goes off with time or heat: pack it last and ship it first."),
)
HANDLING_NOTE_VALUES = tuple(note.value for note in HANDLING_NOTES)
_LABELS = {note.value: note.label for note in HANDLING_NOTES}


def handling_note_problem(values: Iterable[str]) -> str:
    """Why a list of handling notes cannot be kept ("" when it can): every value one of the set."""
    unknown = sorted({str(value) for value in values} - set(HANDLING_NOTE_VALUES))
    if unknown:
        return f"Unknown handling notes {', '.join(map(repr, unknown))}: choose from {', '.join(HANDLING_NOTE_VALUES)}."
    return ""


def normalized_handling_notes(values: Iterable[str]) -> list[str]:
    """The values kept: repeats dropped, in the set's own order (so papers and forms read alike)."""
    given = set(values)
    return [value for value in HANDLING_NOTE_VALUES if value in given]


def handling_note_labels(values: Iterable[str]) -> tuple[str, ...]:
    """The labels printed for a product's notes, in the set's order; unknown values are left out."""
    return tuple(_LABELS[value] for value in normalized_handling_notes(values))
