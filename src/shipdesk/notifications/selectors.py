"""Reads of alerts and messages, always inside one seller (None only for the platform's reads)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shipdesk.pagination import BadCursor, decode_cursor, encode_cursor

from .models import Alert, MailboxMessage, Notification

MAX_LIMIT = 200
_SORT = "alerts:-id"


@dataclass(frozen=True)
class AlertPage:
    items: list[Alert]
    next_cursor: str | None


def _alerts(seller_id: int | None) -> QuerySet[Alert]:
    qs = Alert.objects.all()
    return qs if seller_id is None else qs.filter(seller_id=seller_id)


def list_alerts(
    *, seller_id: int | None, unread: bool | None = None, limit: int = 50, cursor: str | None = None
) -> AlertPage:
    """Alerts newest first, keyset-paged on id (index `alert_seller_recent` / `alert_seller_unread`)."""
    limit = max(1, min(limit, MAX_LIMIT))
    qs = _alerts(seller_id).select_related("order")
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    if cursor:
        values = decode_cursor(cursor, _SORT)
        if not (isinstance(values, list) and len(values) == 1 and isinstance(values[0], int)):
            raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
        qs = qs.filter(id__lt=values[0])
    rows = list(qs.order_by("-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(_SORT, [rows[-1].pk])
    return AlertPage(items=rows, next_cursor=next_cursor)


def unread_alert_count(*, seller_id: int) -> int:
    return Alert.objects.filter(seller_id=seller_id, read_at__isnull=True).count()


def get_alert(*, seller_id: int | None, alert_id: int) -> Alert | None:
    return _alerts(seller_id).select_related("order").filter(pk=alert_id).first()


def notifications_of_order(*, seller_id: int, order_id: int) -> list[Notification]:
    return list(Notification.objects.filter(seller_id=seller_id, order_id=order_id).order_by("id"))


def mailbox(*, seller_id: int | None = None, before_id: int | None = None, limit: int = 50) -> list[MailboxMessage]:
    """The development mailbox, newest first."""
    qs = MailboxMessage.objects.defer("raw", "body_html", "body_text")
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    return list(qs.order_by("-id")[:limit])
