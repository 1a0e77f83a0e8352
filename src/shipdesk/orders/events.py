"""The order timeline's writers: one keyword-only function per event type (`orders.terms.EVENT_TYPES`).

No other module names an event type when it writes one: it calls the function of that event,
whose signature says what the event holds. Every writer goes through `_record` (or `_build` for a
bulk insert), the one place that decides what an event row holds. Each is called inside the
transaction of the action it records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.utils import timezone

from shipdesk.actors import SYSTEM, Actor

from .models import Order, OrderEvent

Type = OrderEvent.Type

# Who sees every event as it is built, called with `type` and `params` (which it may add to), and
# the `order` and `at` it is written for (observers take `**_` for what they do not use).
# Operations registers one at start-up (OpsConfig.ready): it notes the request that wrote the event
# and counts it (shipdesk_order_events_total) once its transaction commits. Outgoing webhooks
# register one (WebhooksOutConfig.ready): it queues the event's webhooks in the same transaction.
# Events sit below both and name them only through this list (docs/architecture.md).
EVENT_OBSERVERS: list[Callable[..., None]] = []


def _build(*, order: Order, type: Type, actor: Actor, at: datetime | None = None, **params) -> OrderEvent:
    for observe in EVENT_OBSERVERS:
        observe(type=type, params=params, order=order, at=at)
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


def _record(*, order: Order, type: Type, actor: Actor, at: datetime | None = None, **params) -> OrderEvent:
    event = _build(order=order, type=type, actor=actor, at=at, **params)
    event.save(force_insert=True)
    return event


# --- the order's own steps --------------------------------------------------------------------


def order_placed_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    channel: str,
    external_id: str,
    short_skus: list[str],
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.PLACED,
        actor=actor,
        at=at,
        channel=channel,
        external_id=external_id,
        total=str(order.total),
        currency=order.currency,
        payment_status=order.payment_status,
        short_skus=short_skus,
    )


def payment_updated_event(
    *, order: Order, actor: Actor, at: datetime | None = None, previous: str, amount: str, reference: str
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.PAYMENT_UPDATED,
        actor=actor,
        at=at,
        previous=previous,
        status=order.payment_status,
        amount=amount,
        reference=reference,
    )


def order_confirmed_event(*, order: Order, actor: Actor, at: datetime | None = None) -> OrderEvent:
    return _record(order=order, type=Type.CONFIRMED, actor=actor, at=at, late=order.confirmed_late)


def processing_started_event(*, order: Order, actor: Actor, at: datetime | None = None) -> OrderEvent:
    return _record(order=order, type=Type.PROCESSING_STARTED, actor=actor, at=at, late=order.processed_late)


def order_shipped_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    carrier: str,
    service_level: str,
    tracking_number: str,
    eta: datetime,
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.SHIPPED,
        actor=actor,
        at=at,
        carrier=carrier,
        service_level=service_level,
        tracking_number=tracking_number,
        eta=eta.isoformat(),
        late=order.shipped_late,
    )


def parcel_shipped_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    shipment_id: int,
    carrier: str,
    service_level: str,
    tracking_number: str,
    eta: datetime,
    lines: dict[int, int],
) -> OrderEvent:
    """A parcel left with part of the order; `lines`: order line id → units in it."""
    return _record(
        order=order,
        type=Type.PARCEL_SHIPPED,
        actor=actor,
        at=at,
        shipment_id=shipment_id,
        carrier=carrier,
        service_level=service_level,
        tracking_number=tracking_number,
        eta=eta.isoformat(),
        lines={str(line_id): units for line_id, units in lines.items()},
    )


def parcel_delivered_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    shipment_id: int,
    tracking_number: str,
    delivered_at: datetime,
) -> OrderEvent:
    """One parcel arrived while another of the order is still on its way (or not yet shipped)."""
    return _record(
        order=order,
        type=Type.PARCEL_DELIVERED,
        actor=actor,
        at=at,
        shipment_id=shipment_id,
        tracking_number=tracking_number,
        delivered_at=delivered_at.isoformat(),
    )


def address_corrected_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    previous: dict[str, str],
    corrected: dict[str, str],
    customer_request: bool,
) -> OrderEvent:
    """The shipping address before and after (only the fields that changed), and who asked."""
    return _record(
        order=order,
        type=Type.ADDRESS_CORRECTED,
        actor=actor,
        at=at,
        previous=previous,
        corrected=corrected,
        customer_request=customer_request,
    )


def eta_revised_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    shipment_id: int,
    tracking_number: str,
    previous: datetime | None,
    eta: datetime,
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.ETA_REVISED,
        actor=actor,
        at=at,
        shipment_id=shipment_id,
        tracking_number=tracking_number,
        previous=previous.isoformat() if previous else None,
        eta=eta.isoformat(),
    )


def order_delivered_event(
    *, order: Order, actor: Actor, at: datetime | None = None, delivered_at: datetime
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.DELIVERED,
        actor=actor,
        at=at,
        delivered_at=delivered_at.isoformat(),
        late=order.delivered_late,
    )


def order_cancelled_event(
    *, order: Order, actor: Actor, at: datetime | None = None, reason: str, note: str, refund: dict[str, str]
) -> OrderEvent:
    """`refund`: the refund's parts as the timeline shows them (`refund_params` of the cancellation)."""
    return _record(order=order, type=Type.CANCELLED, actor=actor, at=at, reason=reason, note=note, **refund)


def line_cancelled_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    line_id: int,
    sku: str,
    quantity: int,
    reason: str,
    note: str,
    refund: dict[str, str],
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.LINE_CANCELLED,
        actor=actor,
        at=at,
        line_id=line_id,
        sku=sku,
        quantity=quantity,
        reason=reason,
        note=note,
        **refund,
    )


def line_reserved_event(
    *, order: Order, actor: Actor, at: datetime | None = None, line_id: int, sku: str, quantity: int
) -> OrderEvent:
    return _record(
        order=order, type=Type.LINE_RESERVED, actor=actor, at=at, line_id=line_id, sku=sku, quantity=quantity
    )


def note_added_event(*, order: Order, actor: Actor, at: datetime | None = None, text: str) -> OrderEvent:
    return _record(order=order, type=Type.NOTE_ADDED, actor=actor, at=at, text=text)


def deadline_missed_event(*, order: Order, at: datetime | None = None, stage: str, deadline: datetime) -> OrderEvent:
    """Written by the system: nobody acted, the clock ran out."""
    return _record(
        order=order, type=Type.DEADLINE_MISSED, actor=SYSTEM, at=at, stage=stage, deadline=deadline.isoformat()
    )


# --- refunds ----------------------------------------------------------------------------------


def refund_recorded_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    refund_id: int,
    amount: str,
    tax: str,
    reason: str,
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.REFUND_RECORDED,
        actor=actor,
        at=at,
        refund_id=refund_id,
        amount=amount,
        tax=tax,
        currency=order.currency,
        reason=reason,
    )


def refund_settled_event(
    *, order: Order, at: datetime | None = None, refund_id: int, amount: str, provider: str, provider_reference: str
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.REFUND_SETTLED,
        actor=SYSTEM,
        at=at,
        refund_id=refund_id,
        amount=amount,
        provider=provider,
        provider_reference=provider_reference,
    )


def refunded_after_shipment_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    shipped_refund_id: int,
    source: str,
    reason: str,
    note: str,
    refund: dict[str, str],
    lines: list[dict],
) -> OrderEvent:
    """`refund`: the parts as the timeline shows them (refund_amount, _items, _shipping, _tax);
    `lines`: `{line_id, sku, quantity}` per line refunded (empty for an amount)."""
    return _record(
        order=order,
        type=Type.REFUNDED_AFTER_SHIPMENT,
        actor=actor,
        at=at,
        shipped_refund_id=shipped_refund_id,
        source=source,
        reason=reason,
        note=note,
        lines=lines,
        **refund,
    )


# --- the customer's requests and returns ------------------------------------------------------


def cancel_requested_event(*, order: Order, actor: Actor, at: datetime | None = None, note: str) -> OrderEvent:
    return _record(order=order, type=Type.CANCEL_REQUESTED, actor=actor, at=at, note=note)


def return_requested_event(
    *, order: Order, actor: Actor, at: datetime | None = None, return_id: int, lines: list[dict], note: str
) -> OrderEvent:
    """`lines`: `{line_id, sku, quantity, reason}` per line asked for."""
    return _record(
        order=order, type=Type.RETURN_REQUESTED, actor=actor, at=at, return_id=return_id, lines=lines, note=note
    )


def return_approved_event(
    *, order: Order, actor: Actor, at: datetime | None = None, return_id: int, shipping_paid_by: str
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.RETURN_APPROVED,
        actor=actor,
        at=at,
        return_id=return_id,
        shipping_paid_by=shipping_paid_by,
    )


def return_rejected_event(
    *, order: Order, actor: Actor, at: datetime | None = None, return_id: int, reason: str
) -> OrderEvent:
    return _record(order=order, type=Type.RETURN_REJECTED, actor=actor, at=at, return_id=return_id, reason=reason)


def return_received_event(
    *, order: Order, actor: Actor, at: datetime | None = None, return_id: int, lines: list[dict]
) -> OrderEvent:
    """`lines`: `{line_id, sku, resellable, damaged}` per line received."""
    return _record(order=order, type=Type.RETURN_RECEIVED, actor=actor, at=at, return_id=return_id, lines=lines)


# --- shipping ---------------------------------------------------------------------------------


def carrier_scan_events(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    source: str,
    scans: Iterable,
    shipment_id: int | None = None,
    tracking_number: str = "",
) -> list[OrderEvent]:
    """One event per new scan of the parcel (`shipping.services.Scan`), inserted in one statement.

    `shipment_id` and `tracking_number` say which parcel, for an order that ships in several."""
    parcel = {"shipment_id": shipment_id, "tracking_number": tracking_number} if shipment_id else {}
    return OrderEvent.objects.bulk_create(
        [
            _build(
                order=order,
                type=Type.CARRIER_SCAN,
                actor=actor,
                at=at,
                status=scan.status,
                description=scan.description[:500],
                location=scan.location[:200],
                occurred_at=scan.occurred_at.isoformat(),
                source=source,
                **parcel,
            )
            for scan in scans
        ]
    )


def shipment_delayed_event(*, order: Order, actor: Actor, at: datetime | None = None, reason: str) -> OrderEvent:
    return _record(order=order, type=Type.SHIPMENT_DELAYED, actor=actor, at=at, reason=reason)


def pack_checked_event(
    *, order: Order, actor: Actor, at: datetime | None = None, units: int, scans: int, refused: int
) -> OrderEvent:
    return _record(order=order, type=Type.PACK_CHECKED, actor=actor, at=at, units=units, scans=scans, refused=refused)


def shipped_incomplete_pack_event(
    *, order: Order, actor: Actor, at: datetime | None = None, missing: list[str]
) -> OrderEvent:
    return _record(order=order, type=Type.SHIPPED_INCOMPLETE_PACK, actor=actor, at=at, missing=missing)


# --- messages about the order (notifications.timeline_params says what they hold) ---------------


def notification_sent_event(*, order: Order, at: datetime | None = None, **message) -> OrderEvent:
    return _record(order=order, type=Type.NOTIFICATION_SENT, actor=SYSTEM, at=at, **message)


def notification_failed_event(*, order: Order, at: datetime | None = None, **message) -> OrderEvent:
    return _record(order=order, type=Type.NOTIFICATION_FAILED, actor=SYSTEM, at=at, **message)


def notification_delayed_event(*, order: Order, at: datetime | None = None, **message) -> OrderEvent:
    return _record(order=order, type=Type.NOTIFICATION_DELAYED, actor=SYSTEM, at=at, **message)


def notification_skipped_event(*, order: Order, at: datetime | None = None, **message) -> OrderEvent:
    return _record(order=order, type=Type.NOTIFICATION_SKIPPED, actor=SYSTEM, at=at, **message)


# --- substitutes ------------------------------------------------------------------------------


def _substitute_event(
    type: Type,
    *,
    order: Order,
    actor: Actor,
    at: datetime | None,
    offer_id: int,
    line_id: int,
    sku: str,
    substitute_sku: str,
    quantity: int,
) -> OrderEvent:
    return _record(
        order=order,
        type=type,
        actor=actor,
        at=at,
        offer_id=offer_id,
        line_id=line_id,
        sku=sku,
        substitute_sku=substitute_sku,
        quantity=quantity,
    )


def substitute_offered_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    offer_id: int,
    line_id: int,
    sku: str,
    substitute_sku: str,
    quantity: int,
) -> OrderEvent:
    return _substitute_event(
        Type.SUBSTITUTE_OFFERED,
        order=order,
        actor=actor,
        at=at,
        offer_id=offer_id,
        line_id=line_id,
        sku=sku,
        substitute_sku=substitute_sku,
        quantity=quantity,
    )


def substitute_accepted_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    offer_id: int,
    line_id: int,
    sku: str,
    substitute_sku: str,
    quantity: int,
) -> OrderEvent:
    return _substitute_event(
        Type.SUBSTITUTE_ACCEPTED,
        order=order,
        actor=actor,
        at=at,
        offer_id=offer_id,
        line_id=line_id,
        sku=sku,
        substitute_sku=substitute_sku,
        quantity=quantity,
    )


def substitute_declined_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    offer_id: int,
    line_id: int,
    sku: str,
    substitute_sku: str,
    quantity: int,
) -> OrderEvent:
    return _substitute_event(
        Type.SUBSTITUTE_DECLINED,
        order=order,
        actor=actor,
        at=at,
        offer_id=offer_id,
        line_id=line_id,
        sku=sku,
        substitute_sku=substitute_sku,
        quantity=quantity,
    )


# --- reviews ----------------------------------------------------------------------------------


def review_left_event(
    *, order: Order, actor: Actor, at: datetime | None = None, review_id: int, rating: int
) -> OrderEvent:
    return _record(order=order, type=Type.REVIEW_LEFT, actor=actor, at=at, review_id=review_id, rating=rating)


def review_replied_event(*, order: Order, actor: Actor, at: datetime | None = None, review_id: int) -> OrderEvent:
    return _record(order=order, type=Type.REVIEW_REPLIED, actor=actor, at=at, review_id=review_id)


# --- claims and disputes (claims app) ---------------------------------------------------------


def claim_opened_event(
    *, order: Order, actor: Actor, at: datetime | None = None, claim_id: int, kind: str, answer_by: datetime
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.CLAIM_OPENED,
        actor=actor,
        at=at,
        claim_id=claim_id,
        kind=kind,
        answer_by=answer_by.isoformat(),
    )


def claim_resolved_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    claim_id: int,
    resolution: str,
    note: str,
    refunded: str,
    tracking_number: str,
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.CLAIM_RESOLVED,
        actor=actor,
        at=at,
        claim_id=claim_id,
        resolution=resolution,
        note=note,
        refunded=refunded,
        tracking_number=tracking_number,
    )


def claim_refused_event(
    *, order: Order, actor: Actor, at: datetime | None = None, claim_id: int, reason: str
) -> OrderEvent:
    return _record(order=order, type=Type.CLAIM_REFUSED, actor=actor, at=at, claim_id=claim_id, reason=reason)


def claim_escalated_event(
    *, order: Order, at: datetime | None = None, claim_id: int, answer_by: datetime
) -> OrderEvent:
    """Written by the system: the seller's deadline passed without a resolution."""
    return _record(
        order=order, type=Type.CLAIM_ESCALATED, actor=SYSTEM, at=at, claim_id=claim_id, answer_by=answer_by.isoformat()
    )


def claim_decided_event(
    *, order: Order, actor: Actor, at: datetime | None = None, claim_id: int, decision: str, note: str, refunded: str
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.CLAIM_DECIDED,
        actor=actor,
        at=at,
        claim_id=claim_id,
        decision=decision,
        note=note,
        refunded=refunded,
    )


def _dispute_event(type: Type, *, order: Order, actor: Actor, at: datetime | None, dispute) -> OrderEvent:
    return _record(
        order=order,
        type=type,
        actor=actor,
        at=at,
        dispute_id=dispute.pk,
        provider=dispute.provider,
        provider_dispute_id=dispute.provider_dispute_id,
        status=dispute.status,
        reason=dispute.reason,
        amount=str(dispute.amount),
        currency=dispute.currency,
        held=str(dispute.held),
        fee=str(dispute.fee),
    )


def dispute_opened_event(*, order: Order, actor: Actor, at: datetime | None = None, dispute) -> OrderEvent:
    """`dispute`: the `claims.Dispute` row as it stands after the event."""
    return _dispute_event(Type.DISPUTE_OPENED, order=order, actor=actor, at=at, dispute=dispute)


def dispute_updated_event(*, order: Order, actor: Actor, at: datetime | None = None, dispute) -> OrderEvent:
    return _dispute_event(Type.DISPUTE_UPDATED, order=order, actor=actor, at=at, dispute=dispute)


def dispute_closed_event(*, order: Order, actor: Actor, at: datetime | None = None, dispute) -> OrderEvent:
    return _dispute_event(Type.DISPUTE_CLOSED, order=order, actor=actor, at=at, dispute=dispute)


# --- labels -------------------------------------------------------------------------------------


def label_bought_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    label_id: int,
    carrier: str,
    service_level: str,
    tracking_number: str,
    price: str,
    currency: str,
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.LABEL_BOUGHT,
        actor=actor,
        at=at,
        label_id=label_id,
        carrier=carrier,
        service_level=service_level,
        tracking_number=tracking_number,
        price=price,
        currency=currency,
    )


def label_voided_event(
    *,
    order: Order,
    actor: Actor,
    at: datetime | None = None,
    label_id: int,
    tracking_number: str,
    price: str,
    currency: str,
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.LABEL_VOIDED,
        actor=actor,
        at=at,
        label_id=label_id,
        tracking_number=tracking_number,
        price=price,
        currency=currency,
    )


# --- conversations and support cases (conversations.models) -----------------------------------------


def message_sent_event(
    *, order: Order, actor: Actor, at: datetime | None = None, message_id: int, attachments: int
) -> OrderEvent:
    return _record(
        order=order, type=Type.MESSAGE_SENT, actor=actor, at=at, message_id=message_id, attachments=attachments
    )


def message_received_event(
    *, order: Order, actor: Actor, at: datetime | None = None, message_id: int, channel: str, attachments: int
) -> OrderEvent:
    return _record(
        order=order,
        type=Type.MESSAGE_RECEIVED,
        actor=actor,
        at=at,
        message_id=message_id,
        channel=channel,
        attachments=attachments,
    )


def support_case_opened_event(
    *, order: Order, actor: Actor, at: datetime | None = None, case_id: int, topic: str
) -> OrderEvent:
    return _record(order=order, type=Type.SUPPORT_CASE_OPENED, actor=actor, at=at, case_id=case_id, topic=topic)
