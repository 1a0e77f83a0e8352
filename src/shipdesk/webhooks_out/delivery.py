"""Sending the webhook outbox: claim, sign, POST, log, and retry with backoff or give up.

Each worker drains due deliveries in small batches (`deliver_due`, a `jobs` poller):

1. **Claim** — in one short transaction, `SELECT … FOR UPDATE SKIP LOCKED` the due QUEUED rows
   of active subscriptions whose earlier deliveries for the same order (same subscription and
   `ordering_key`) are all done, and mark them SENDING with this worker's claim id. Two workers
   never claim the same row, and never two deliveries of one order to one endpoint at once.
2. **Send** outside any transaction: the stored payload, signed now (`Shipdesk-Signature`,
   `t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">`, one `v1` per valid secret during a rotation).
3. **Record** — the attempt in the log (status code, latency, response excerpt) and the outcome,
   fenced by the claim id: DELIVERED on 2xx; otherwise QUEUED again after an exponential backoff
   (`jobs.RetryPolicy`), or FAILED when the attempts are spent. The subscription's failure streak
   is updated in the same transaction; failing for `disable_after_seconds` disables it and
   emails the seller, once.

**Guarantee: at least once.** A worker killed between the POST and step 3 leaves its row SENDING;
the reaper (`reconcile_abandoned`) queues it again, so the receiver may see that event twice —
with the same event id, by which it deduplicates (docs/webhooks.md).
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from shipdesk.jobs import RetryPolicy
from shipdesk.jobs.reaping import dead_after
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_seller_messages
from shipdesk.signatures import sign_timestamped

from . import sending, terms
from .models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from .services import signing_secrets

logger = logging.getLogger(__name__)

USER_AGENT = "Shipdesk-Webhooks/1"


def retry_policy() -> RetryPolicy:
    config = settings.SHIPDESK_WEBHOOKS
    return RetryPolicy(
        max_attempts=config["max_attempts"],
        base=timedelta(seconds=config["retry_base_seconds"]),
        cap=timedelta(seconds=config["retry_cap_seconds"]),
    )


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes posted (and signed): the event's stored envelope, compact JSON."""
    return json.dumps(delivery.event.payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature_header(body: bytes, keys: list[str], *, timestamp: int) -> str:
    """`t=<unix>,v1=<hex>[,v1=<hex>]`: one v1 per secret, as our inbound generic format reads it."""
    signed = [sign_timestamped(body, key, timestamp=timestamp) for key in keys]
    return ",".join([f"t={timestamp}", *(value.partition(",")[2] for value in signed)])


def request_headers(delivery: WebhookDelivery, body: bytes, *, now: datetime) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Shipdesk-Event-Id": delivery.event.event_id,
        "Shipdesk-Event-Type": delivery.event.type,
        "Shipdesk-Delivery-Id": str(delivery.pk),
        "Shipdesk-Signature": signature_header(
            body, signing_secrets(delivery.subscription, now=now), timestamp=int(now.timestamp())
        ),
    }


# --- the poller ------------------------------------------------------------------------------------


def _due(now: datetime):
    earlier_open = WebhookDelivery.objects.filter(
        subscription_id=OuterRef("subscription_id"),
        ordering_key=OuterRef("ordering_key"),
        id__lt=OuterRef("id"),
        state__in=terms.OPEN_DELIVERY_STATES,
    )
    return WebhookDelivery.objects.filter(
        state=terms.QUEUED, next_attempt_at__lte=now, subscription__state=terms.ACTIVE
    ).filter(~Exists(earlier_open))


def claim_due(*, worker_id: str, limit: int, now: datetime | None = None) -> list[WebhookDelivery]:
    now = now or timezone.now()
    due = _due(now)
    # A plain read first: an idle worker then takes no write lock at all (SQLite has only one).
    if not due.exists():
        return []
    claim_id = uuid.uuid4()
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "subscription")
            .order_by("next_attempt_at", "id")[:limit]
        )
        if not rows:
            return []
        WebhookDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            state=terms.SENDING, claimed_by=worker_id, claim_id=claim_id, claimed_at=now
        )
    for row in rows:
        row.state, row.claimed_by, row.claim_id, row.claimed_at = terms.SENDING, worker_id, claim_id, now
    return rows


def deliver_due(worker_id: str, *, limit: int | None = None) -> int:
    """Claim a batch of due deliveries and send each; returns how many were claimed."""
    rows = claim_due(worker_id=worker_id, limit=limit or settings.SHIPDESK_WEBHOOKS["batch"])
    for row in rows:
        send(row)
    return len(rows)


def send(delivery: WebhookDelivery) -> sending.Answer:
    """POST one claimed delivery and record what happened."""
    started_at = timezone.now()
    body = body_of(delivery)
    answer = sending.post(
        delivery.subscription.url,
        body=body,
        headers=request_headers(delivery, body, now=started_at),
        timeout=settings.SHIPDESK_WEBHOOKS["timeout_seconds"],
    )
    record(delivery, answer, started_at=started_at)
    return answer


def _mine(delivery: WebhookDelivery):
    """The row, only while it still carries this claim: the fence of every write after the claim."""
    return WebhookDelivery.objects.filter(pk=delivery.pk, claim_id=delivery.claim_id, state=terms.SENDING)


def record(delivery: WebhookDelivery, answer: sending.Answer, *, started_at: datetime) -> None:
    now = timezone.now()
    attempts = delivery.attempts + 1
    policy = retry_policy()
    with transaction.atomic():
        if answer.ok:
            fields = {"state": terms.DELIVERED, "delivered_at": now}
        elif attempts >= policy.max_attempts:
            fields = {"state": terms.FAILED, "failed_at": now}
        else:
            fields = {"state": terms.QUEUED, "next_attempt_at": now + policy.delay(attempts, key=delivery.pk)}
        if not _mine(delivery).update(
            attempts=attempts, last_status_code=answer.status_code, last_error=answer.error[:500], **fields
        ):
            return  # presumed dead and reclaimed meanwhile, or deleted: the row is not ours
        WebhookAttempt.objects.create(
            seller_id=delivery.seller_id,
            delivery_id=delivery.pk,
            url=answer.url[:2000],
            status_code=answer.status_code,
            latency_ms=answer.latency_ms,
            response_excerpt=answer.excerpt[:1000],
            error=answer.error[:500],
            started_at=started_at,
        )
        delivery.attempts, delivery.state = attempts, fields["state"]
        _count_toward_streak(delivery.subscription, ok=answer.ok, now=now)
    if not answer.ok:
        logger.info(
            "Webhook delivery %s to subscription %s failed (%s); attempt %d, now %s.",
            delivery.pk,
            delivery.subscription_id,
            answer.error,
            attempts,
            fields["state"],
        )


def _count_toward_streak(subscription: WebhookSubscription, *, ok: bool, now: datetime) -> None:
    """Conditional updates only: two workers recording at once agree, and the endpoint is
    disabled — and its owner emailed — exactly once."""
    rows = WebhookSubscription.objects.filter(pk=subscription.pk)
    if ok:
        rows.update(failing_since=None, last_success_at=now)
        return
    rows.filter(failing_since__isnull=True).update(failing_since=now)
    disable_after = timedelta(seconds=settings.SHIPDESK_WEBHOOKS["disable_after_seconds"])
    reason = f"every delivery failed for {_duration(disable_after)}"
    disabled = rows.filter(state=terms.ACTIVE, failing_since__lte=now - disable_after).update(
        state=terms.DISABLED, disabled_at=now, disabled_reason=reason, updated_at=now
    )
    if disabled:
        logger.warning("Webhook subscription %s disabled: %s.", subscription.pk, reason)
        _tell_owner(subscription, reason=reason, now=now)


def _duration(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hours" if hours < 48 else f"{hours / 24:g} days"


def _tell_owner(subscription: WebhookSubscription, *, reason: str, now: datetime) -> None:
    seller = subscription.seller
    if seller is None:
        return  # a platform endpoint: the operator sees it in the admin and the log above
    queue_seller_messages(
        kind=Notification.Kind.SELLER_WEBHOOK_DISABLED,
        messages=[
            {
                "seller": seller,
                "stage": f"webhook-{subscription.pk}-{int(now.timestamp())}",
                "context": {
                    "url": subscription.url,
                    "reason": reason,
                    "settings_url": settings.SHIPDESK_BASE_URL + "/settings/webhooks/",
                },
                "title": f"Webhook endpoint disabled: {subscription.url}",
            }
        ],
        at=now,
    )


# --- the reaper ------------------------------------------------------------------------------------


def reconcile_abandoned(live: frozenset[str], now: datetime) -> int:
    """Queue again the deliveries left SENDING by dead workers (sent again: at least once)."""
    return (
        WebhookDelivery.objects.filter(state=terms.SENDING, claimed_at__lt=now - dead_after())
        .exclude(claimed_by__in=live)
        .update(state=terms.QUEUED, next_attempt_at=now)
    )


# --- keeping the log small -------------------------------------------------------------------------

PRUNE_BATCH = 5000


def prune_finished(*, now: datetime) -> int:
    """Forget events older than `log_days` whose every delivery is finished (delivered or failed),
    with their deliveries and attempts; a batch at a time. Returns how many events went."""
    kept = timedelta(days=settings.SHIPDESK_WEBHOOKS["log_days"])
    still_open = WebhookDelivery.objects.filter(event=OuterRef("pk"), state__in=terms.OPEN_DELIVERY_STATES)
    old = WebhookEvent.objects.filter(created_at__lt=now - kept).filter(~Exists(still_open))
    ids = list(old.order_by("id").values_list("id", flat=True)[:PRUNE_BATCH])
    if not ids:
        return 0
    WebhookEvent.objects.filter(pk__in=ids).delete()
    return len(ids)
