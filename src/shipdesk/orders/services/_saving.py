"""Saving an order's changed fields: one statement, `updated_at` always with them."""

from __future__ import annotations

from shipdesk.orders.models import Order


def save_fields(order: Order, *fields: str) -> None:
    order.save(update_fields=[*fields, "updated_at"])
