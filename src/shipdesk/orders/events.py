"""Keyword-only writers of timeline events: one place decides what an event row holds."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from shipdesk.actors import Actor

from .models import Order, OrderEvent


def build_event(*, order: Order, type: str, actor: Actor, at: datetime | None = None, **params) -> OrderEvent:
    return OrderEvent(
        seller_id=order.seller_id,
        order=order,
        type=type,
        actor_kind=actor.kind.value,
        actor_label=actor.label[:200],
        user_id=actor.user_id,
        params=params,
        created_at=at or timezone.now(),
    )


def record_event(*, order: Order, type: str, actor: Actor, at: datetime | None = None, **params) -> OrderEvent:
    event = build_event(order=order, type=type, actor=actor, at=at, **params)
    event.save(force_insert=True)
    return event
