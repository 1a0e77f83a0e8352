"""How big and heavy an order's parcel is: its units in the shop's box. Pure: no ORM, no I/O.

The rule, in order:
1. The contents weigh what their units weigh (`Product.weight_grams` × quantity). A unit whose
   weight is unknown counts as `UNKNOWN_UNIT_GRAMS`, and the parcel says it is an estimate.
2. The box is the shop's default box if the contents fit it (their volume, and each unit's
   longest side against the box's longest side); otherwise the smallest of the shop's boxes they
   fit; otherwise the largest box (an estimate). A shop without boxes ships the units as they
   are: the longest of each side, the heights stacked (an estimate when a size is unknown).
3. The parcel weighs the contents plus the empty box, at least 1 gram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

UNKNOWN_UNIT_GRAMS = 500
# A unit with no sides given is taken as a 20 × 15 × 10 cm item (a shoebox-sized guess).
UNKNOWN_SIDES = (Decimal("20"), Decimal("15"), Decimal("10"))


@dataclass(frozen=True)
class Unit:
    quantity: int
    weight_grams: int | None
    sides_cm: tuple[Decimal, Decimal, Decimal] | None  # length, width, height


@dataclass(frozen=True)
class BoxSize:
    name: str
    sides_cm: tuple[Decimal, Decimal, Decimal]
    weight_grams: int = 0
    is_default: bool = False

    @property
    def volume(self) -> Decimal:
        length, width, height = self.sides_cm
        return length * width * height


@dataclass(frozen=True)
class ParcelSize:
    weight_grams: int
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    box: str  # the box's name, or "" when the units go as they are
    estimated: bool  # a weight or size was guessed: the rate may change at the carrier's scale


def _fits(box: BoxSize, units: Sequence[Unit], volume: Decimal) -> bool:
    longest = max(box.sides_cm)
    return volume <= box.volume and all(max(unit.sides_cm or UNKNOWN_SIDES) <= longest for unit in units)


def parcel_for(units: Sequence[Unit], boxes: Sequence[BoxSize]) -> ParcelSize:
    """The parcel the units make in the shop's boxes (the rule at the top of this module)."""
    units = [unit for unit in units if unit.quantity > 0]
    estimated = any(unit.weight_grams is None or unit.sides_cm is None for unit in units)
    contents = sum(unit.quantity * (unit.weight_grams or UNKNOWN_UNIT_GRAMS) for unit in units)
    volume = sum(
        (unit.quantity * _volume(unit.sides_cm or UNKNOWN_SIDES) for unit in units),
        Decimal("0"),
    )
    ordered = sorted(boxes, key=lambda box: (not box.is_default, box.volume))
    default = [box for box in ordered if box.is_default]
    chosen = next((box for box in default if _fits(box, units, volume)), None)
    chosen = chosen or next((box for box in sorted(boxes, key=lambda b: b.volume) if _fits(box, units, volume)), None)
    if chosen is None and boxes:
        chosen, estimated = max(boxes, key=lambda b: b.volume), True
    if chosen is not None:
        length, width, height = chosen.sides_cm
        return ParcelSize(
            weight_grams=max(1, contents + chosen.weight_grams),
            length_cm=length,
            width_cm=width,
            height_cm=height,
            box=chosen.name,
            estimated=estimated,
        )
    sides = [unit.sides_cm or UNKNOWN_SIDES for unit in units] or [UNKNOWN_SIDES]
    return ParcelSize(
        weight_grams=max(1, contents),
        length_cm=max(side[0] for side in sides),
        width_cm=max(side[1] for side in sides),
        height_cm=sum((side[2] * unit.quantity for side, unit in zip(sides, units, strict=False)), Decimal("0"))
        or sides[0][2],
        box="",
        estimated=estimated,
    )


def _volume(sides: tuple[Decimal, Decimal, Decimal]) -> Decimal:
    length, width, height = sides
    return length * width * height
