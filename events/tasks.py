from celery import shared_task

from . import applications, reminders


@shared_task
def send_event_reminders() -> int:
    """Beat, every 5 minutes: the event reminders due now (each sent once: dedupe keys)."""
    return reminders.event_reminders_send()


@shared_task
def expire_confirmations() -> int:
    """Beat, every 5 minutes: release the City Managers Days places not confirmed by their deadline
    (the next on the waiting list is selected and emailed). Running it twice releases nothing twice."""
    return applications.confirmations_expire()


@shared_task
def remind_confirmations() -> int:
    """Beat, every 5 minutes: remind the selected members whose deadline to confirm is less than two
    days away, once each (dedupe keys)."""
    return applications.confirmation_reminders_send()
