"""Scan-to-pack: which order line a scanned code ticks off, and what is still missing.

Pure rules (no ORM, no I/O). A USB barcode scanner types the code and Enter; the packer may also
type a SKU. A code matches a line by the product's barcode first, then by SKU (as typed, then
ignoring case), and ticks one unit of the first matching line that still needs units. A code that
matches no line of the order is a wrong item; one that matches only lines already complete is one
unit too many. Both are refused and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from shipdesk.errors import StateConflict

MAX_CODE_LENGTH = 64
MAX_SCANS_PER_REQUEST = 500


class PackCheckIncomplete(StateConflict):
    """Shipping an order whose pack check is missing units needs the seller's confirmation."""

    code = "pack_check_incomplete"


@dataclass(frozen=True)
class PackLine:
    line_id: int
    sku: str
    title: str
    barcode: str
    quantity: int  # the open quantity: what must go into the box


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str  # shown to the packer as is


@dataclass(frozen=True)
class ScanResult:
    packed: dict[int, int]  # line id → units in the box, after the scans
    accepted: list[tuple[str, int]]  # (code, line id), in scan order
    refused: list[Refusal]


def normalise_code(raw: str) -> str:
    # Scanners may add a carriage return or a tab before the Enter; people add spaces. Control
    # characters (a scanner's prefix, a NUL) are no part of any barcode or SKU.
    if not isinstance(raw, str):
        return ""
    return "".join(ch for ch in "".join(raw.split()) if ch.isprintable())


def _candidates(lines: Sequence[PackLine], code: str) -> list[PackLine]:
    by_barcode = [line for line in lines if line.barcode and line.barcode == code]
    if by_barcode:
        return by_barcode
    by_sku = [line for line in lines if line.sku == code]
    if by_sku:
        return by_sku
    folded = code.casefold()
    return [line for line in lines if line.sku.casefold() == folded]


def apply_scans(lines: Sequence[PackLine], packed: Mapping[int, int], codes: Iterable[str]) -> ScanResult:
    """Tick off `codes` against `lines`, starting from what is already `packed`."""
    now_packed = {line.line_id: min(packed.get(line.line_id, 0), line.quantity) for line in lines}
    accepted: list[tuple[str, int]] = []
    refused: list[Refusal] = []
    for raw in codes:
        code = normalise_code(raw)
        if not code:
            continue  # an Enter on an empty field
        if len(code) > MAX_CODE_LENGTH:
            refused.append(Refusal(code=code[:MAX_CODE_LENGTH], reason="Not a barcode or SKU: too long."))
            continue
        candidates = _candidates(lines, code)
        if not candidates:
            refused.append(Refusal(code=code, reason=f"{code} is not in this order. Take it out of the box."))
            continue
        line = next((c for c in candidates if now_packed[c.line_id] < c.quantity), None)
        if line is None:
            first = candidates[0]
            refused.append(
                Refusal(code=code, reason=f"All {first.quantity} × {first.sku} are already packed. Take this one out.")
            )
            continue
        now_packed[line.line_id] += 1
        accepted.append((code, line.line_id))
    return ScanResult(packed=now_packed, accepted=accepted, refused=refused)


def missing_units(lines: Sequence[PackLine], packed: Mapping[int, int]) -> list[tuple[PackLine, int]]:
    """Lines that still need units, with how many."""
    return [
        (line, line.quantity - packed.get(line.line_id, 0))
        for line in lines
        if packed.get(line.line_id, 0) < line.quantity
    ]
