"""Queue outbox rows. Called by other services inside their transaction; sends nothing itself."""

from __future__ import annotations

from django.utils import timezone

from .models import Notification


def queue_notification(*, order, kind: str, recipient: str, stage: str = "", context: dict | None = None) -> None:
    # ignore_conflicts: a second attempt at the same (order, kind, stage) is a no-op, which is
    # exactly "at most once" — e.g. two sweeps racing to send the same due-soon alert.
    Notification.objects.bulk_create(
        [
            Notification(
                seller_id=order.seller_id,
                order=order,
                kind=kind,
                stage=stage,
                recipient=recipient,
                context=context or {},
                created_at=timezone.now(),
                next_attempt_at=timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )
