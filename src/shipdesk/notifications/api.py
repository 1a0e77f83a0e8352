"""Alerts endpoints: a seller's dashboard alerts over the API (parse, authorise, call, render)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from shipdesk.api.auth import scope_of
from shipdesk.api.schemas import ErrorOut

from . import selectors, services
from .models import Alert
from .schemas import AlertFilters, AlertOut, AlertPageOut

router = Router(tags=["alerts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def alert_out(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "title": alert.title,
        "order": None if alert.order_id is None else {"id": alert.order_id, "number": alert.order.number},
        "url": f"/orders/{alert.order_id}/" if alert.order_id else "/orders/",
        "read": alert.read_at is not None,
        "read_at": alert.read_at,
        "created_at": alert.created_at,
    }


@router.get("", response={200: AlertPageOut, **ERRORS}, summary="List alerts")
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]):
    """The seller's alerts, newest first, keyset-paged; `unread=true` for the bell's list."""
    seller_id = scope_of(request)
    page = selectors.list_alerts(seller_id=seller_id, unread=filters.unread, limit=filters.limit, cursor=filters.cursor)
    return {
        "items": [alert_out(alert) for alert in page.items],
        "next_cursor": page.next_cursor,
        "unread_count": None if seller_id is None else selectors.unread_alert_count(seller_id=seller_id),
    }


@router.post("/{alert_id}/read", response={200: AlertOut, **ERRORS}, summary="Mark an alert read")
def mark_read(request: HttpRequest, alert_id: int):
    """Idempotent: an alert read before keeps its first read time. Another seller's alert is 404."""
    return alert_out(services.mark_alert_read(alert_id=alert_id, seller_id=scope_of(request)))
