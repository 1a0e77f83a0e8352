from django_tasks import task

from .settlement import settle_refund as settle


@task()
def settle_refund(refund_id: int) -> str:
    """Ask the provider to pay a recorded refund. Idempotent: settled refunds are left alone."""
    return settle(refund_id=refund_id)
