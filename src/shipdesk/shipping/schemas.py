from __future__ import annotations

from ninja import Schema


class ServiceLevelOut(Schema):
    code: str
    name: str
    transit_days: int


class CarrierOut(Schema):
    code: str
    name: str
    tracked: bool
    tracking_url: str | None
    services: list[ServiceLevelOut]


class TrackingMatchOut(Schema):
    carrier: str
    service: str | None
    valid: bool


class TrackingNumberOut(Schema):
    normalized: str
    matches: list[TrackingMatchOut]
