from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def send_message(message_id: int) -> str:
    """Deliver one outbox row; on a temporary error, queue the next attempt after a back-off."""
    result = services.outbox_deliver(message_id=message_id)
    if result.outcome == "retry" and not send_message.app.conf.task_always_eager:
        send_message.apply_async((message_id,), countdown=result.retry_in)
    return result.outcome


@shared_task(ignore_result=True)
def sweep_outbox() -> dict:
    return services.outbox_sweep()
