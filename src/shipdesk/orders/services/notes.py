"""Notes: a seller's or operator's internal words on an order's timeline."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from shipdesk.actors import Actor
from shipdesk.errors import ValidationFailed
from shipdesk.orders import events
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import OrderEvent


@transaction.atomic
def add_note(
    *, order_id: int, seller_id: int | None, actor: Actor, text: str, at: datetime | None = None
) -> OrderEvent:
    """An internal note on the timeline; never shown to the customer."""
    if not (text or "").strip() or len(text) > 5000:
        raise ValidationFailed("Invalid note.", details={"text": ["Between 1 and 5000 characters."]})
    order = lock_order(order_id=order_id, seller_id=seller_id)
    return events.note_added_event(order=order, actor=actor, at=at, text=text)
