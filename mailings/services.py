"""The one way the portal sends email: an outbox row per message, delivered by Celery.

``mail_queue`` (one email) and ``mail_queue_many`` (a bulk send) write rows in the caller's
transaction and queue delivery only on commit, so a rolled-back change sends nothing.
``outbox_deliver`` sends a row at most once per attempt, under a row lock; ``outbox_sweep`` takes
up rows whose task was lost or whose worker died.
"""

import base64
import logging
import random
import re
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from .models import MailPreference, OutboxMessage, OutboxStatus, new_link_secret
from .rendering import one_line, render_message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str

    def as_json(self) -> dict:
        return {
            "filename": self.filename,
            "mimetype": self.mimetype,
            "content_b64": base64.b64encode(self.content).decode("ascii"),
        }


# ------------------------------------------------------------------------------ preferences
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _address_key(email: str) -> str:
    return email.strip().lower()


def preferences_token(email: str) -> str:
    """The address's link secret (made on first use): the same link in every reminder, carrying
    nothing readable, until ``preferences_revoke_links`` replaces it."""
    return _preference_secrets([email])[_address_key(email)]


def _preference_secrets(emails) -> dict[str, str]:
    """Link secrets of many addresses in three queries at most (the bulk path)."""
    keys = {_address_key(email) for email in emails}
    found = dict(MailPreference.objects.filter(email__in=keys).values_list("email", "link_secret"))
    missing = keys - found.keys()
    if missing:
        # ignore_conflicts: a concurrent first reminder to the same address wins, its secret is read back.
        MailPreference.objects.bulk_create([MailPreference(email=key) for key in missing], ignore_conflicts=True)
        found.update(MailPreference.objects.filter(email__in=missing).values_list("email", "link_secret"))
    return found


def preferences_email_from_token(token: str) -> str | None:
    # Only what token_urlsafe() makes reaches the database (PostgreSQL refuses a NUL byte with an error).
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    return MailPreference.objects.filter(link_secret=token).values_list("email", flat=True).first()


def preferences_revoke_links(*, email: str) -> MailPreference | None:
    """Give the address a new link secret: every preferences or unsubscribe link sent before stops working."""
    preference = MailPreference.objects.filter(email=_address_key(email)).first()
    if preference is not None:
        preference.link_secret = new_link_secret()
        preference.save(update_fields=["link_secret", "updated_at"])
    return preference


def preferences_path(email: str) -> str:
    return reverse("mailings:preferences", kwargs={"token": preferences_token(email)})


def preferences_url(email: str) -> str:
    return settings.PORTAL_BASE_URL + preferences_path(email)


def unsubscribe_url(email: str) -> str:
    return settings.PORTAL_BASE_URL + reverse("mailings:unsubscribe", kwargs={"token": preferences_token(email)})


def reminders_enabled(email: str) -> bool:
    return not MailPreference.objects.filter(email=email.strip().lower(), reminders=False).exists()


def preferences_set(*, email: str, reminders: bool) -> MailPreference:
    preference, _ = MailPreference.objects.update_or_create(
        email=email.strip().lower(), defaults={"reminders": reminders}
    )
    return preference


# ------------------------------------------------------------------------------ queue
@dataclass(frozen=True)
class MailRequest:
    """One email to queue: what mail_queue takes, as a value for the batch path."""

    to: str
    template: str
    context: dict
    dedupe_key: str
    language: str = "en"
    time_zone: str = "UTC"
    essential: bool = True
    attachments: tuple = ()
    cause: str = ""
    send_at: object = None
    sensitive: bool = False


def mail_queue(
    *,
    to: str,
    template: str,
    context: dict,
    dedupe_key: str,
    language: str = "en",
    time_zone: str = "UTC",
    essential: bool = True,
    attachments: tuple[Attachment, ...] | list[Attachment] = (),
    cause: str = "",
    send_at=None,
    sensitive: bool = False,
) -> OutboxMessage:
    """Render ``mailings/<template>/`` in the recipient's language and zone and put it in the outbox.

    The row is written in the caller's transaction; delivery is queued when it commits. A second
    call with the same ``dedupe_key`` adds nothing and returns the first row. Non-essential mail
    (reminders) carries an unsubscribe header and link, and is recorded as cancelled, not sent,
    when the recipient turned reminders off. A ``sensitive`` email (it carries a personal link) is
    sent like any other, but staff never see its body.
    """
    request = MailRequest(
        to=to, template=template, context=context, dedupe_key=dedupe_key, language=language,
        time_zone=time_zone, essential=essential, attachments=tuple(attachments), cause=cause, send_at=send_at,
        sensitive=sensitive,
    )
    existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).order_by().first()
    if existing is not None:
        return existing
    opted_out = not request.essential and not reminders_enabled(request.to)
    return _insert_one(_build_row(request, opted_out=opted_out))


def mail_queue_many(requests: list[MailRequest]) -> int:
    """The batch path (e.g. an invitation to every respondent), with the rules of mail_queue.

    One query finds the keys already queued, one insert per thousand rows writes the rest, and
    delivery goes out on commit as one task per OUTBOX_BATCH_SIZE rows. Returns how many rows it added.
    """
    keys = [r.dedupe_key for r in requests]
    existing = set(OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    opted_out = set(
        MailPreference.objects.filter(
            reminders=False, email__in=[r.to.strip().lower() for r in requests if not r.essential]
        ).values_list("email", flat=True)
    )
    fresh = [r for r in requests if r.dedupe_key not in existing]
    link_secrets = _preference_secrets([r.to for r in fresh if not r.essential])
    rows, seen = [], set()
    for request in fresh:
        if request.dedupe_key in seen:
            continue
        seen.add(request.dedupe_key)
        key = _address_key(request.to)
        rows.append(_build_row(request, opted_out=key in opted_out, secret=link_secrets.get(key)))
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    now = timezone.now()
    due = list(OutboxMessage.objects.due(now).filter(dedupe_key__in=seen).order_by("pk").values_list("pk", flat=True))
    _schedule_batches_on_commit(due)
    return len(rows)


def mail_queue_rendered(
    *, to: str, subject: str, body_text: str, body_html: str = "", dedupe_key: str, language: str,
    template: str, cause: str = "",
) -> OutboxMessage:
    """Put an email rendered elsewhere (allauth's account emails) in the outbox. Always essential, and
    sensitive: verification and password-reset links must not be readable in the admin."""
    existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).order_by().first()
    if existing is not None:
        return existing
    now = timezone.now()
    return _insert_one(
        OutboxMessage(
            dedupe_key=dedupe_key, recipient=to.strip(), language=language, template=template,
            subject=one_line(subject), body_text=body_text, body_html=body_html, essential=True,
            sensitive=True, cause=cause, created_at=now, next_attempt_at=now,
        )
    )


def _build_row(request: MailRequest, *, opted_out: bool, secret: str | None = None) -> OutboxMessage:
    to = request.to.strip()
    context, headers = request.context, {}
    if not request.essential:
        secret = secret or preferences_token(to)
        base = settings.PORTAL_BASE_URL
        context = {**context, "preferences_url": base + reverse("mailings:preferences", kwargs={"token": secret})}
        headers = {
            "List-Unsubscribe": f"<{base + reverse('mailings:unsubscribe', kwargs={'token': secret})}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    rendered = render_message(
        template=request.template, context=context, language=request.language, time_zone=request.time_zone
    )
    now = timezone.now()
    row = OutboxMessage(
        dedupe_key=request.dedupe_key,
        recipient=to,
        language=request.language,
        template=request.template,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        headers=headers,
        attachments=[a.as_json() for a in request.attachments],
        essential=request.essential,
        sensitive=request.sensitive,
        cause=request.cause,
        created_at=now,
        next_attempt_at=request.send_at or now,
    )
    if opted_out:
        row.status = OutboxStatus.CANCELLED
        row.last_error = "The recipient turned these emails off."
    return row


def _insert_one(row: OutboxMessage) -> OutboxMessage:
    try:
        # A savepoint: losing a race on the dedupe key must not break the caller's transaction.
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return OutboxMessage.objects.get(dedupe_key=row.dedupe_key)
    if row.status == OutboxStatus.QUEUED:
        _schedule_on_commit(row)
    return row


def _schedule_on_commit(message: OutboxMessage) -> None:
    from .tasks import send_message

    message_id = message.pk
    countdown = max(0.0, (message.next_attempt_at - timezone.now()).total_seconds())
    if countdown > settings.OUTBOX_MAX_COUNTDOWN:
        return  # far in the future: the sweeper queues it when it is due
    transaction.on_commit(
        lambda: _publish(send_message, (message_id,), countdown=countdown or None), robust=True
    )


def _batches(message_ids: list[int]) -> list[list[int]]:
    size = settings.OUTBOX_BATCH_SIZE
    return [message_ids[start : start + size] for start in range(0, len(message_ids), size)]


def _schedule_batches_on_commit(message_ids: list[int]) -> None:
    from .tasks import send_batch

    for chunk in _batches(message_ids):
        transaction.on_commit(lambda chunk=chunk: _publish(send_batch, (chunk,)), robust=True)


def _publish(task, args, countdown=None) -> None:
    """Queue a delivery task. The row is already committed: if the broker is down, the sweeper
    sends it later, so the change that caused the email still succeeds."""
    try:
        task.apply_async(args, countdown=countdown)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the request
        logger.exception("could not queue %s%s; the outbox sweeper will send it", task.name, args)


# ------------------------------------------------------------------------------ delivery
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


_connection = None
_connection_used = False


def _mail_connection():
    """One SMTP connection per worker process, reused across messages and reopened when it breaks."""
    global _connection, _connection_used
    if _connection is None:
        connection = get_connection()
        # Opened here, the backend keeps it open across send_messages() calls instead of
        # connecting (and saying EHLO) once per message.
        connection.open()
        _connection, _connection_used = connection, False
    return _connection


def _drop_connection():
    global _connection, _connection_used
    _connection_used = False
    if _connection is not None:
        try:
            _connection.close()
        except Exception:  # noqa: BLE001 - it is broken already
            logger.debug("closing a broken mail connection failed", exc_info=True)
    _connection = None


@dataclass(frozen=True)
class DeliveryResult:
    outcome: str  # "sent", "retry", "failed", "skipped"
    retry_in: float | None = None
    connection_lost: bool = False


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


def _send(message: OutboxMessage) -> None:
    global _connection_used
    try:
        build_email(message, connection=_mail_connection()).send()
    except (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError):
        if not _connection_used:
            raise
        # SMTP servers close idle connections: a reused one that was dropped gets one fresh try.
        _drop_connection()
        build_email(message, connection=_mail_connection()).send()
    _connection_used = True


# Once a personal link (sign-in, password reset, invitation) went out, the portal keeps only what
# shows staff it was sent: recipient, subject, template, status and times (issue 6; a database
# constraint holds it). The person asks for a new link rather than staff resending this one.
PERSONAL_LINK_REMOVED = {"body_text": "", "body_html": "", "headers": {}, "attachments": []}


def _send_claimed(message: OutboxMessage) -> DeliveryResult:
    try:
        _send(message)
    except SoftTimeLimitExceeded:
        raise  # the task is out of time: the caller puts the row back
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        _drop_connection()
        return _record_failure(message, error)
    sent = {"status": OutboxStatus.SENT, "sent_at": timezone.now(), "last_error": ""}
    if message.sensitive:
        sent.update(PERSONAL_LINK_REMOVED)
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(**sent)
    return DeliveryResult("sent")


def outbox_deliver(*, message_id: int) -> DeliveryResult:
    """Send one outbox row if it is due and nobody else holds it."""
    results = _deliver(_claim([message_id]))
    return results[0] if results else DeliveryResult("skipped")


def outbox_deliver_batch(*, message_ids: list[int]) -> dict:
    """Send rows over one SMTP connection; rows already taken or not due are skipped."""
    results = _deliver(_claim(message_ids))
    outcomes = dict.fromkeys(("sent", "retry", "failed", "skipped"), 0)
    outcomes["skipped"] = len(message_ids) - len(results)
    for result in results:
        outcomes[result.outcome] += 1
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
            return results + [DeliveryResult("retry", retry_in=0)] * (len(claimed) - index)
        results.append(result)
        if result.outcome == "retry":
            schedule_retry([message.pk], result.retry_in)
        if result.connection_lost:
            rest = claimed[index + 1 :]
            _release(rest, delay=result.retry_in or 0)
            schedule_retry([m.pk for m in rest], result.retry_in)
            return results + [DeliveryResult("retry", retry_in=result.retry_in)] * len(rest)
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
        return DeliveryResult("retry", retry_in=delay, connection_lost=_is_connection_error(error))
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.FAILED, last_error=text
    )
    logger.error("outbox %s: failed after %s attempts: %s", message.pk, message.attempts, text)
    return DeliveryResult("failed")


# ------------------------------------------------------------------------------ sweeper and staff
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
    for chunk in _batches(due_ids):
        send_batch.delay(chunk)
    return {"revived": revived, "queued": len(due_ids)}


@dataclass(frozen=True)
class ResendResult:
    queued: int
    content_removed: int  # sent with a personal link: nothing left to send


@transaction.atomic
def outbox_resend(*, messages) -> ResendResult:
    """Staff: a new attempt for failed, cancelled or sent rows (same dedupe key).

    A sent email that carried a personal link has no body any more: it is refused, and the person
    asks for a new link (password reset, verification email) or staff send the invitation again."""
    ids = [m.pk for m in messages if m.status != OutboxStatus.SENDING]
    rows = OutboxMessage.objects.select_for_update().filter(pk__in=ids).exclude(status=OutboxStatus.SENDING)
    count = removed = 0
    for message in rows:
        if message.content_removed:
            removed += 1
            continue
        message.status = OutboxStatus.QUEUED
        message.next_attempt_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["status", "next_attempt_at", "last_error"])
        _schedule_on_commit(message)
        count += 1
    return ResendResult(queued=count, content_removed=removed)


def outbox_cancel(*, messages) -> int:
    """Staff: stop queued or failed rows from being sent."""
    return OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages], status__in=[OutboxStatus.QUEUED, OutboxStatus.FAILED]
    ).update(status=OutboxStatus.CANCELLED)
