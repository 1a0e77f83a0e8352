"""Labels for many processing orders in one go: rate each with the shop's service, buy, one PDF.

Each order is its own purchase (`buy_label`, its own transactions): one order refused — an
address the carrier cannot reach, a label already bought — is reported with its reason and the
others go on. The batch row counts progress as it goes, so a page (or the CLI) can show it while
a job works through a long batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import NotFound, ShipdeskError, ValidationFailed
from shipdesk.orders.models import Order
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.labels import services as labels
from shipdesk.shipping.labels.models import Label, LabelBatch

from .labels import buy_label

logger = logging.getLogger(__name__)

MAX_BATCH_ORDERS = 500


@transaction.atomic
def start_label_batch(*, seller_id: int, order_ids: list[int], actor: Actor, at: datetime | None = None) -> LabelBatch:
    """A batch for these orders of the seller's (repeats dropped). Guards: 1 to 500 ids, every one
    the seller's (404 naming the others). Writes the batch, running, nothing bought yet."""
    ids = list(dict.fromkeys(order_ids))
    if not ids or len(ids) > MAX_BATCH_ORDERS:
        raise ValidationFailed(
            "Name between 1 and 500 orders.", details={"order_ids": [f"Between 1 and {MAX_BATCH_ORDERS} ids."]}
        )
    found = set(Order.objects.filter(seller_id=seller_id, pk__in=ids).values_list("pk", flat=True))
    if missing := [i for i in ids if i not in found]:
        raise NotFound("Order not found.", details={"order_ids": missing})
    return LabelBatch.objects.create(
        seller_id=seller_id,
        order_ids=ids,
        total=len(ids),
        created_by=actor.label[:200],
        created_at=at or timezone.now(),
    )


def _choose(quotes, seller: Seller):
    """The shop's service if it set one (None when not offered), else the cheapest rate."""
    if seller.label_carrier:
        return next(
            (q for q in quotes if (q.carrier, q.service_level) == (seller.label_carrier, seller.label_service_level)),
            None,
        )
    return quotes[0] if quotes else None


def run_label_batch(
    *, batch_id: int, progress: Callable[[LabelBatch], None] | None = None, render_pdf: Callable | None = None
) -> LabelBatch:
    """Rate and buy each order of a running batch, recording each outcome; then one PDF of the labels.

    Safe to run again after a crash: orders already reported are skipped. `render_pdf` joins the
    labels' PDFs (the caller loads the PDF library; `shipping.documents.combined_pdf`).
    """
    batch = LabelBatch.objects.select_related("seller").get(pk=batch_id)
    seller = batch.seller
    actor = Actor(kind=ActorKind.SELLER, label=batch.created_by or "label batch")
    done = {entry["order_id"] for entry in batch.report}
    for order_id in batch.order_ids:
        if order_id in done:
            continue
        number = Order.objects.filter(pk=order_id).values_list("number", flat=True).first()
        entry = {"order_id": order_id, "number": number, "ok": False, "label_id": None, "code": "", "message": ""}
        try:
            rates = labels.quote_rates(order_id=order_id, seller_id=seller.pk)
            quote = _choose(rates.quotes, seller)
            if quote is None:
                wanted = get_carrier(seller.label_carrier)
                service = wanted.service(seller.label_service_level) if wanted else None
                raise ValidationFailed(
                    f"{service.name if service else 'Your service'} is not offered for this parcel."
                    if seller.label_carrier
                    else "No rate is offered for this parcel.",
                    details={},
                )
            label = buy_label(order_id=order_id, seller_id=seller.pk, actor=actor, rate_id=quote.provider_rate_id)
            bought_with = get_carrier(label.carrier)
            service = bought_with.service(label.service_level) if bought_with else None
            entry.update(
                ok=True,
                label_id=label.pk,
                message=f"{service.name if service else label.service_level}, tracking {label.tracking_number}",
            )
        except ShipdeskError as exc:
            entry.update(code=exc.code, message=exc.message)
        except Exception as exc:  # one order's surprise must not stop the others
            logger.exception("Label batch %s: order %s failed.", batch.pk, order_id)
            entry.update(code="internal_error", message=f"Something went wrong on our side ({type(exc).__name__}).")
        batch.report = [*batch.report, entry]
        batch.processed += 1
        batch.bought += entry["ok"]
        batch.failed += not entry["ok"]
        batch.save(update_fields=["report", "processed", "bought", "failed"])
        if progress:
            progress(batch)
    bought = [entry["label_id"] for entry in batch.report if entry["ok"]]
    pdfs = dict(Label.objects.filter(pk__in=bought).values_list("pk", "pdf"))
    if bought and render_pdf is not None:
        batch.pdf = render_pdf([bytes(pdfs[label_id]) for label_id in bought if label_id in pdfs])
    batch.status = LabelBatch.Status.FINISHED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["pdf", "status", "finished_at"])
    return batch
