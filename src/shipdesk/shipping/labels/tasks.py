"""The worker's side of label batches: a long batch is bought by a job, its progress on the batch row."""

from __future__ import annotations

from django_tasks import task

from shipdesk.orders.services import run_label_batch as run


def _combined_pdf(documents: list[bytes]) -> bytes:
    from shipdesk.shipping import documents as rendering  # noqa: PLC0415  (ReportLab and pypdf: memory)

    return rendering.combined_pdf(documents)


@task()
def run_label_batch(batch_id: int) -> int:
    """Rate and buy every order of a batch; safe to run again (orders already reported are skipped)."""
    return run(batch_id=batch_id, render_pdf=_combined_pdf).bought
