"""The outbox: one row per email, written in the transaction that causes it, sent by Celery."""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(status=OutboxStatus.QUEUED, next_attempt_at__lte=now or timezone.now())

    def failed(self):
        return self.filter(status=OutboxStatus.FAILED)


class OutboxMessage(models.Model):
    dedupe_key = models.CharField(
        _("dedupe key"),
        max_length=200,
        unique=True,
        help_text=_("One email per key, ever: a second request with the same key adds nothing."),
    )
    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=8)
    template = models.CharField(_("template"), max_length=100, db_index=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    attachments = models.JSONField(
        _("attachments"), default=list, blank=True, help_text=_("Files sent with the email, e.g. calendar invitations.")
    )
    sensitive = models.BooleanField(
        _("carries a personal link"),
        default=False,
        help_text=_(
            "A sign-in, password or invitation link: the body is never shown in the admin, and is removed once sent."
        ),
    )
    essential = models.BooleanField(
        _("essential"), default=True, help_text=_("Essential emails (decisions, verification) cannot be turned off.")
    )
    status = models.CharField(_("status"), max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sending_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    cause = models.CharField(_("cause"), max_length=200, blank=True, help_text=_("What made the portal send it."))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox email")
        verbose_name_plural = _("outbox emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=OutboxStatus.values), name="outbox_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=OutboxStatus.SENT) | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
            # A personal link is not kept once it went out (issue 6): only what shows it was sent.
            models.CheckConstraint(
                condition=~models.Q(sensitive=True, status=OutboxStatus.SENT)
                | models.Q(body_text="", body_html=""),
                name="outbox_sent_personal_link_removed",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient}"

    @property
    def content_removed(self) -> bool:
        """Sent with a personal link: its body is gone (the constraint above), it cannot be sent again."""
        return self.sensitive and self.status == OutboxStatus.SENT


def new_link_secret() -> str:
    return secrets.token_urlsafe(32)


class MailPreference(models.Model):
    """A recipient's choice about non-essential email (reminders), kept by address, with the secret
    that their preferences and unsubscribe links carry."""

    email = models.EmailField(_("email address"), unique=True)
    reminders = models.BooleanField(_("reminders"), default=True)
    # The link is this random value, not the address: it reveals nothing, and replacing it revokes
    # every link sent before (a forwarded reminder).
    link_secret = models.CharField(
        _("link secret"), max_length=64, unique=True, default=new_link_secret, editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")

    def __str__(self):
        return self.email
