from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def send_message(message_id: int) -> str:
    """Deliver one outbox row; on a temporary error, queue the next attempt after a back-off."""
    result = services.outbox_deliver(message_id=message_id)
    if result.outcome == "retry":
        services.schedule_retry([message_id], result.retry_in)
    return result.outcome


@shared_task(acks_late=True, ignore_result=True)
def send_batch(message_ids: list[int]) -> dict:
    """Deliver a batch of outbox rows over one SMTP connection (bulk sends and the sweeper)."""
    return services.outbox_deliver_batch(message_ids=message_ids)


@shared_task(ignore_result=True)
def sweep_outbox() -> dict:
    return services.outbox_sweep()
