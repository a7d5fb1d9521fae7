"""Events of an edition (the webinar, City Managers Days), the invitations to them and the
exceptions staff grant to the webinar's gate.

Who may take part is decided in one place, ``events.services.member_is_eligible`` /
``eligible_members``, checked each time an invitation is used (page, RSVP, calendar file, join
link), not only when it is issued.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Edition, Member, validate_time_zone


class EventKind(models.TextChoices):
    WEBINAR = "webinar", _("Webinar")
    IN_PERSON = "in_person", _("In person")


class Event(models.Model):
    """One event of an edition. Times are stored in UTC; ``time_zone`` is the event's own (where it
    is organised), used to enter and show it to staff. ``join_url`` is a secret: it is shown only to
    invitees who answered yes (and to staff on the change page)."""

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="events", verbose_name=_("edition"))
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices, default=EventKind.WEBINAR)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(_("time zone of the event"), max_length=64, default="UTC",
                                 validators=[validate_time_zone])
    join_url = models.URLField(_("online join link"), max_length=500, blank=True,
                               help_text=_("Secret: shown only to invitees who answered yes."))
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True,
                                           help_text=_("Blank: no limit."))
    sequence = models.PositiveIntegerField(
        _("calendar version"), default=0, editable=False,
        help_text=_("Grows when the time or title changes, so that calendars replace the entry."))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="event_ends_after_start"),
            models.CheckConstraint(condition=models.Q(kind__in=EventKind.values), name="event_kind_valid"),
            models.CheckConstraint(condition=models.Q(title_en__isnull=False) & ~models.Q(title_en=""),
                                   name="event_title_in_english"),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_webinar(self):
        return self.kind == EventKind.WEBINAR

    def has_ended(self, now=None):
        return (now or timezone.now()) >= self.ends_at


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    REVOKED = "revoked", _("Revoked")


class Rsvp(models.TextChoices):
    NONE = "none", _("No answer")
    YES = "yes", _("Yes")
    NO = "no", _("No")


class Invitation(models.Model):
    """A member's invitation to an event: one per event and member. ``rsvp`` is the member's answer;
    ``attended`` and ``minutes_attended`` are recorded after the event (staff or an import)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("event"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="event_invitations",
                               verbose_name=_("member"))
    status = models.CharField(_("status"), max_length=20, choices=InvitationStatus.choices,
                              default=InvitationStatus.INVITED)
    rsvp = models.CharField(_("answer"), max_length=10, choices=Rsvp.choices, default=Rsvp.NONE)
    rsvp_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    minutes_attended = models.PositiveIntegerField(_("minutes attended"), null=True, blank=True)
    issued_at = models.DateTimeField(_("invited at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("invited by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("why revoked"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("event invitation")
        verbose_name_plural = _("event invitations")
        ordering = ["event", "member__user__last_name", "member__user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_invitation_per_event_and_member",
                                    violation_error_message=_("This member is already invited to this event.")),
            models.CheckConstraint(condition=models.Q(status__in=InvitationStatus.values),
                                   name="event_invitation_status_valid"),
            models.CheckConstraint(condition=models.Q(rsvp__in=Rsvp.values), name="event_invitation_rsvp_valid"),
            models.CheckConstraint(condition=models.Q(rsvp=Rsvp.NONE) | models.Q(rsvp_at__isnull=False),
                                   name="event_invitation_answer_has_date"),
        ]
        indexes = [models.Index(fields=["event", "status", "rsvp"], name="event_invitation_status_idx")]

    def __str__(self):
        return f"{self.member} — {self.event}"

    @property
    def is_active(self):
        return self.status == InvitationStatus.INVITED


class EligibilityExceptionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class EligibilityException(models.Model):
    """Staff let a member take part although the rule says no (e.g. the portrait came by email).
    Granted and withdrawn only through ``events.services`` (both go to the audit log)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="exceptions", verbose_name=_("event"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="event_exceptions",
                               verbose_name=_("member"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("withdrawn by"))

    objects = EligibilityExceptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("eligibility exception")
        verbose_name_plural = _("eligibility exceptions")
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], condition=models.Q(withdrawn_at__isnull=True),
                                    name="one_active_exception_per_event_and_member",
                                    violation_error_message=_("This member already has an exception for this "
                                                              "event.")),
            models.CheckConstraint(condition=~models.Q(reason=""), name="exception_has_reason"),
        ]

    def __str__(self):
        return f"{self.member} — {self.event}"

    @property
    def is_active(self):
        return self.withdrawn_at is None
