from celery import shared_task

from . import reminders


@shared_task
def send_portrait_reminders() -> dict:
    """Beat, every 15 minutes: the opening announcements and the closing reminders due now (each sent
    once: dedupe keys)."""
    return {"opening": reminders.opening_announcements_send(), "closing": reminders.closing_reminders_send()}
