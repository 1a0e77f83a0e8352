"""The alerts bell's count, for the dashboard header on every page."""

from __future__ import annotations

from django import template

from shipdesk.notifications.selectors import unread_alert_count

register = template.Library()


@register.simple_tag
def unread_alerts(seller) -> int:
    """Unread alerts of the shop being worked in (one COUNT on a partial index); 0 without one."""
    return 0 if seller is None else unread_alert_count(seller_id=seller.pk)


@register.filter
def count_badge(count: int) -> str:
    return "99+" if count > 99 else str(count)
