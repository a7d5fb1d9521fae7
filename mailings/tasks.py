from celery import shared_task

from . import delivery

# Acknowledged late and results ignored, as every task (CELERY_TASK_ACKS_LATE, CELERY_TASK_IGNORE_RESULT).


@shared_task
def send_message(message_id: int) -> str:
    """Deliver one outbox row (the service queues its retry after a temporary error)."""
    return delivery.outbox_deliver(message_id=message_id).outcome.value


@shared_task
def send_batch(message_ids: list[int]) -> dict:
    """Deliver a batch of outbox rows over one SMTP connection (bulk sends and the sweeper)."""
    return delivery.outbox_deliver_batch(message_ids=message_ids)


@shared_task
def sweep_outbox() -> dict:
    return delivery.outbox_sweep()
