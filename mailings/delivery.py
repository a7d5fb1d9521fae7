"""Delivery of the outbox: claim due rows, send them over SMTP, retry with back-off, sweep.

The public queueing API (``mail_queue``, preferences, cancel) is in ``mailings.services``; this
module only takes rows that are already in the outbox and gets them out. The Celery tasks in
``mailings.tasks`` call it. Each row is sent at most once per attempt, under a row lock.
"""

import base64
import enum
import logging
import random
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


class DeliveryOutcome(enum.StrEnum):
    """What one delivery attempt did with a row (a str, so task results stay plain JSON)."""

    SENT = "sent"
    RETRY = "retry"  # a temporary failure: queued again after its back-off
    FAILED = "failed"  # a permanent failure, or out of attempts
    SKIPPED = "skipped"  # not due, or another worker holds it


@dataclass(frozen=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    retry_in: float | None = None
    connection_lost: bool = False


def batches(message_ids: list[int]) -> list[list[int]]:
    """Rows per delivery task: one SMTP connection carries OUTBOX_BATCH_SIZE of them."""
    size = settings.OUTBOX_BATCH_SIZE
    return [message_ids[start : start + size] for start in range(0, len(message_ids), size)]


# ------------------------------------------------------------------------------ SMTP connection
class MailConnection:
    """The worker process's SMTP connection, opened once and reused across messages.

    A reused connection that the server dropped while idle gets one fresh try; a connection that
    fails on its first message is not retried here (the row's back-off handles it).
    """

    def __init__(self):
        self._connection = None
        self._used = False

    def _open(self):
        if self._connection is None:
            connection = get_connection()
            # Opened here, the backend keeps it open across send_messages() calls instead of
            # connecting (and saying EHLO) once per message.
            connection.open()
            self._connection, self._used = connection, False
        return self._connection

    def send(self, message: OutboxMessage) -> None:
        try:
            build_email(message, connection=self._open()).send()
        except (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError):
            if not self._used:
                raise
            # SMTP servers close idle connections: a reused one that was dropped gets one fresh try.
            self.close()
            build_email(message, connection=self._open()).send()
        self._used = True

    def close(self) -> None:
        connection, self._connection, self._used = self._connection, None, False
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - it is broken already
                logger.debug("closing a broken mail connection failed", exc_info=True)


# One per worker process (Celery's prefork children each get their own copy).
mail_connection = MailConnection()


def build_email(message: OutboxMessage, connection=None) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"X-Portal-Dedupe-Key": message.dedupe_key, **message.headers},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        email.attach(attachment["filename"], base64.b64decode(attachment["content_b64"]), attachment["mimetype"])
    return email


# ------------------------------------------------------------------------------ errors and back-off
def _is_temporary(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    # Lost connections, time-outs, refused connections: the server may come back.
    return isinstance(error, smtplib.SMTPException | OSError | socket.timeout)


def _is_connection_error(error: Exception) -> bool:
    return isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError) and not isinstance(
        error, smtplib.SMTPResponseException
    )


def retry_delay(attempt: int) -> float:
    """Exponential back-off with jitter, always below the broker's visibility timeout.

    A Redis-delayed task that waits longer than the visibility timeout would be delivered twice.
    """
    ceiling = min(settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** (attempt - 1), settings.OUTBOX_MAX_COUNTDOWN)
    return random.uniform(ceiling / 2, ceiling)


# ------------------------------------------------------------------------------ claim and send
def _claim(message_ids: list[int]) -> list[OutboxMessage]:
    """Lock the due rows nobody else holds and mark them "sending", committed before any SMTP
    exchange: a worker that dies in the middle leaves visible rows that the sweeper takes up after
    OUTBOX_SENDING_TIMEOUT."""
    now = timezone.now()
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True).due(now).filter(pk__in=message_ids).order_by("pk")
        )
        OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
            status=OutboxStatus.SENDING, sending_started_at=now, attempts=F("attempts") + 1
        )
    for message in messages:
        message.status, message.sending_started_at, message.attempts = OutboxStatus.SENDING, now, message.attempts + 1
    return messages


# Once a personal link (sign-in, password reset, invitation) went out, the portal keeps only what
# shows staff it was sent: recipient, subject, template, status and times (issue 6; a database
# constraint holds it). The person asks for a new link rather than staff resending this one.
PERSONAL_LINK_REMOVED = {"body_text": "", "body_html": "", "headers": {}, "attachments": []}


def _send_claimed(message: OutboxMessage) -> DeliveryResult:
    try:
        mail_connection.send(message)
    except SoftTimeLimitExceeded:
        raise  # the task is out of time: the caller puts the row back
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        mail_connection.close()
        return _record_failure(message, error)
    sent = {"status": OutboxStatus.SENT, "sent_at": timezone.now(), "last_error": ""}
    if message.sensitive:
        sent.update(PERSONAL_LINK_REMOVED)
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(**sent)
    return DeliveryResult(DeliveryOutcome.SENT)


def outbox_deliver(*, message_id: int) -> DeliveryResult:
    """Send one outbox row if it is due and nobody else holds it."""
    results = _deliver(_claim([message_id]))
    return results[0] if results else DeliveryResult(DeliveryOutcome.SKIPPED)


def outbox_deliver_batch(*, message_ids: list[int]) -> dict:
    """Send rows over one SMTP connection; rows already taken or not due are skipped.
    Returns the count per outcome, keyed by the outcome's value."""
    results = _deliver(_claim(message_ids))
    outcomes = {outcome.value: 0 for outcome in DeliveryOutcome}
    outcomes[DeliveryOutcome.SKIPPED.value] = len(message_ids) - len(results)
    for result in results:
        outcomes[result.outcome.value] += 1
    return outcomes


def _deliver(claimed: list[OutboxMessage]) -> list[DeliveryResult]:
    """Send claimed rows in turn. A temporary failure queues that row's next attempt after its
    back-off. When the SMTP server cannot be reached, or the task runs out of time, the rest goes
    back to the queue untried instead of waiting for one time-out per message."""
    results = []
    for index, message in enumerate(claimed):
        try:
            result = _send_claimed(message)
        except SoftTimeLimitExceeded:
            # This row (its exchange cut short) and the untried rest go back to the queue now.
            OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
                status=OutboxStatus.QUEUED, next_attempt_at=timezone.now(),
                last_error="The task ran out of time while sending.",
            )
            _release(claimed[index + 1 :], delay=0)
            schedule_retry([m.pk for m in claimed[index:]], 0)
            return results + [DeliveryResult(DeliveryOutcome.RETRY, retry_in=0)] * (len(claimed) - index)
        results.append(result)
        if result.outcome == DeliveryOutcome.RETRY:
            schedule_retry([message.pk], result.retry_in)
        if result.connection_lost:
            rest = claimed[index + 1 :]
            _release(rest, delay=result.retry_in or 0)
            schedule_retry([m.pk for m in rest], result.retry_in)
            return results + [DeliveryResult(DeliveryOutcome.RETRY, retry_in=result.retry_in)] * len(rest)
    return results


def _release(messages: list[OutboxMessage], *, delay: float) -> None:
    """Put claimed rows that were not tried back in the queue, their attempt not counted."""
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], status=OutboxStatus.SENDING).update(
        status=OutboxStatus.QUEUED,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        attempts=F("attempts") - 1,
    )


def schedule_retry(message_ids: list[int], delay: float | None) -> None:
    from .tasks import send_batch, send_message

    if not message_ids or send_message.app.conf.task_always_eager:
        return  # in-process (no broker, no beat): nothing to wait with; `make worker` and beat retry
    if len(message_ids) == 1:
        send_message.apply_async((message_ids[0],), countdown=delay)
    else:
        send_batch.apply_async((message_ids,), countdown=delay)


def _record_failure(message: OutboxMessage, error: Exception) -> DeliveryResult:
    text = f"{error.__class__.__name__}: {error}"[:2000]
    if _is_temporary(error) and message.attempts < settings.OUTBOX_MAX_ATTEMPTS:
        delay = retry_delay(message.attempts)
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.QUEUED, next_attempt_at=timezone.now() + timedelta(seconds=delay), last_error=text
        )
        logger.warning("outbox %s: attempt %s failed, retry in %.0fs: %s", message.pk, message.attempts, delay, text)
        return DeliveryResult(DeliveryOutcome.RETRY, retry_in=delay, connection_lost=_is_connection_error(error))
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.FAILED, last_error=text
    )
    logger.error("outbox %s: failed after %s attempts: %s", message.pk, message.attempts, text)
    return DeliveryResult(DeliveryOutcome.FAILED)


# ------------------------------------------------------------------------------ sweeper
def outbox_sweep(*, now=None) -> dict:
    """Re-queue what a lost task or a dead worker left behind. Runs on a schedule (beat).

    - "sending" rows older than OUTBOX_SENDING_TIMEOUT: their worker died (the task time limit is
      shorter), so they go back to "queued";
    - "queued" rows due for longer than OUTBOX_SWEEP_GRACE: their task was lost; queue it again.
      Delivery locks and re-checks the row, so a task queued twice still sends once.
    """
    from .tasks import send_batch

    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT)
    revived_ids = list(
        OutboxMessage.objects.filter(status=OutboxStatus.SENDING, sending_started_at__lt=stale).values_list(
            "pk", flat=True
        )[: settings.OUTBOX_SWEEP_BATCH]
    )
    revived = OutboxMessage.objects.filter(pk__in=revived_ids, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.QUEUED,
        next_attempt_at=now,  # the sweep's clock, not the wall clock (tests and replays give one)
        last_error="The worker stopped while sending; sending again (the recipient may get it twice).",
    )
    grace = now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE)
    lost_ids = list(
        OutboxMessage.objects.due(now=grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: settings.OUTBOX_SWEEP_BATCH]
    )
    due_ids = list(dict.fromkeys(revived_ids + lost_ids))
    for chunk in batches(due_ids):
        send_batch.delay(chunk)
    return {"revived": revived, "queued": len(due_ids)}
