from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import ValidationFailed

from .carriers import CARRIERS
from .schemas import CarrierOut, TrackingNumberOut
from .tracking import detect_carriers, normalize_tracking_number

router = Router(tags=["shipping"])


@router.get("/carriers", response={200: list[CarrierOut], 401: ErrorOut}, summary="Carriers and their service levels")
def carriers(request: HttpRequest):
    return [
        {
            "code": c.code,
            "name": c.name,
            "tracked": c.tracked,
            "tracking_url": c.tracking_url,
            "services": [{"code": s.code, "name": s.name, "transit_days": s.transit_days} for s in c.services],
        }
        for c in CARRIERS.values()
    ]


@router.get(
    "/tracking-numbers/{number}",
    response={200: TrackingNumberOut, 401: ErrorOut, 422: ErrorOut},
    summary="Which carriers a tracking number is valid for",
)
def tracking_number(request: HttpRequest, number: str):
    """The ship form calls this as the seller types. `valid: false` means the number has the
    carrier's shape but a wrong check digit (a typo, most likely)."""
    if len(number) > 256 or len(normalize_tracking_number(number)) > 64:
        raise ValidationFailed("Too long for a tracking number.", details={"number": ["At most 64 characters."]})
    matches = detect_carriers(number)
    return {
        "normalized": normalize_tracking_number(number),
        "matches": [{"carrier": m.carrier, "service": m.service, "valid": m.valid} for m in matches],
    }
