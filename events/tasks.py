from celery import shared_task

from . import reminders


@shared_task
def send_event_reminders() -> int:
    """Beat, every 5 minutes: the event reminders due now (each sent once: dedupe keys)."""
    return reminders.event_reminders_send()
