"""The one way the portal sends email: an outbox row per message, delivered by Celery.

This is the public queueing API that other apps call. ``mail_queue`` (one email) and
``mail_queue_many`` (a bulk send) write rows in the caller's transaction and queue delivery only on
commit, so a rolled-back change sends nothing; ``outbox_cancel_prefix`` withdraws queued rows (a
moved webinar's reminders). Sending, retries and the sweeper are in ``mailings.delivery``.
"""

import base64
import functools
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .delivery import batches
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


def personal_links_masked(text: str) -> str:
    """``text`` (a body, a header) with the secret of every preference and unsubscribe link cut out:
    staff read what the portal sent, but such a link works without signing in, for its recipient."""
    return _personal_link_pattern().sub(r"\1…/", text)


@functools.cache
def _personal_link_pattern() -> re.Pattern:
    prefixes = [reverse(name, kwargs={"token": "TOKEN"}).split("TOKEN")[0]
                for name in ("mailings:preferences", "mailings:unsubscribe")]
    return re.compile("(" + "|".join(map(re.escape, prefixes)) + r")[^/\s\"'<>&]+/?")


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


def _schedule_batches_on_commit(message_ids: list[int]) -> None:
    from .tasks import send_batch

    for chunk in batches(message_ids):
        transaction.on_commit(lambda chunk=chunk: _publish(send_batch, (chunk,)), robust=True)


def _publish(task, args, countdown=None) -> None:
    """Queue a delivery task. The row is already committed: if the broker is down, the sweeper
    sends it later, so the change that caused the email still succeeds."""
    try:
        task.apply_async(args, countdown=countdown)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the request
        logger.exception("could not queue %s%s; the outbox sweeper will send it", task.name, args)


# ------------------------------------------------------------------------------ staff and callers
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


def outbox_cancel_for(*, cause: str, templates) -> int:
    """Withdraw the queued rows of ``templates`` queued for ``cause`` (e.g. an event's invitations and
    reminders once it takes none: ``cause="event:42"``), in one query; the rules of ``outbox_cancel_prefix``."""
    if not cause:
        raise ValueError("outbox_cancel_for needs a cause: it would cancel every queued email of those templates.")
    return OutboxMessage.objects.filter(cause=cause, template__in=list(templates), status=OutboxStatus.QUEUED).update(
        status=OutboxStatus.CANCELLED, last_error="Withdrawn before sending."
    )


def outbox_cancel_prefix(prefix: str) -> int:
    """Withdraw the queued rows whose dedupe key starts with ``prefix`` (e.g. a moved webinar's
    reminders, ``"webinar-reminder:42:"``) and return how many. Rows being sent, sent or failed
    are left alone; a row cancelled here keeps its key, so queue the new ones under new keys."""
    if not prefix:
        raise ValueError("outbox_cancel_prefix needs a non-empty prefix: it would cancel every queued email.")
    return OutboxMessage.objects.filter(dedupe_key__startswith=prefix, status=OutboxStatus.QUEUED).update(
        status=OutboxStatus.CANCELLED, last_error="Withdrawn before sending."
    )
