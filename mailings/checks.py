from django.conf import settings
from django.core.checks import Error, register


@register()
def outbox_timeouts(app_configs, **kwargs):
    """A row still "sending" after OUTBOX_SENDING_TIMEOUT is sent again: the task must be dead by then."""
    if settings.OUTBOX_SENDING_TIMEOUT <= settings.CELERY_TASK_TIME_LIMIT:
        return [
            Error(
                "OUTBOX_SENDING_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT, or a slow task's emails "
                "are sent twice.",
                id="mailings.E001",
            )
        ]
    return []
