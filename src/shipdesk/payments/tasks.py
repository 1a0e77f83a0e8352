from django_tasks import task


@task()
def settle_refund(refund_id: int) -> str:
    """Ask the provider to pay a recorded refund. Idempotent: settled refunds are left alone."""
    from .services import settle_refund as settle

    return settle(refund_id=refund_id)
