"""Events of an edition (the webinar, City Managers Days), the invitations to them and the
exceptions staff grant to the webinar's gate.

Who may take part is decided in one place, ``events.services.member_is_eligible`` /
``eligible_members``, checked each time an invitation is used (page, RSVP, calendar file, join
link), not only when it is issued.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from community.models import Edition, Member, validate_time_zone
from community.steps import WatchedQuerySet


class EventKind(models.TextChoices):
    WEBINAR = "webinar", _("Webinar")
    IN_PERSON = "in_person", _("In person")


class EligibilityRule(models.TextChoices):
    """Who may apply for the in-person days: what a member must have done earlier in the edition."""
    PORTRAIT_AND_WEBINAR = "portrait_and_webinar", _("Submitted portrait and attended webinar")
    PORTRAIT_OR_WEBINAR = "portrait_or_webinar", _("Submitted portrait or attended webinar")
    PORTRAIT = "portrait", _("Submitted portrait")
    WEBINAR = "webinar", _("Attended webinar")


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
    # The in-person days only (City Managers Days): who may apply, until when, how long a selected
    # member has to confirm, and the venue's health and safety protocol they accept.
    eligibility_rule = models.CharField(
        _("who may apply"), max_length=30, choices=EligibilityRule.choices,
        default=EligibilityRule.PORTRAIT_AND_WEBINAR,
        help_text=_("In-person events: what a member must have done earlier in the edition to apply."))
    applications_close_at = models.DateTimeField(
        _("applications close"), null=True, blank=True,
        help_text=_("In-person events: members apply until then. Blank: applications are not open."))
    confirm_within_days = models.PositiveSmallIntegerField(
        _("days to confirm"), default=10, validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("In-person events: a selected member confirms within this many days of the decision email."))
    protocol = models.TextField(
        _("health and safety protocol"), blank=True,
        help_text=_("In-person events: the venue's protocol, which a member accepts when confirming."))
    sequence = models.PositiveIntegerField(
        _("calendar version"), default=0, editable=False,
        help_text=_("Grows when the time or title changes, so that calendars replace the entry."))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = WatchedQuerySet.as_manager()  # cached dashboard steps read it (community.steps)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="event_ends_after_start"),
            models.CheckConstraint(condition=models.Q(kind__in=EventKind.values), name="event_kind_valid"),
            models.CheckConstraint(condition=models.Q(eligibility_rule__in=EligibilityRule.values),
                                   name="event_eligibility_rule_valid"),
            models.CheckConstraint(condition=models.Q(confirm_within_days__gte=1, confirm_within_days__lte=90),
                                   name="event_confirm_within_days_range"),
            models.CheckConstraint(condition=models.Q(title_en__isnull=False) & ~models.Q(title_en=""),
                                   name="event_title_in_english"),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_webinar(self):
        return self.kind == EventKind.WEBINAR

    def title_in(self, language: str) -> str:
        """The title in ``language`` (English where it has none): for an email to someone."""
        with translation.override(language):
            return str(self.title)

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

    objects = WatchedQuerySet.as_manager()  # cached dashboard steps read it (community.steps)

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


class EligibilityExceptionQuerySet(WatchedQuerySet):
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


# ====================================================================================== City Managers Days
# The in-person event's budget, the members' applications, the reviews and the programme. The rules
# (eligibility, grants within budget, confirmation, waiting list) are in ``events.days``; the budget is
# enforced there under a row lock on ``Budget`` (see ``events.days.lock_budget``).

MAX_EUROS = Decimal("100000.00")  # one person's travel support: anything above is a typing error


class Budget(models.Model):
    """The in-person event's limits: expo full passes, accommodation nights and travel support in
    euros (the event's ``capacity`` is its number of places). Every grant and every change of a
    limit locks this row first, so two staff deciding at once are serialised."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="budget", verbose_name=_("event"))
    expo_passes = models.PositiveIntegerField(_("expo full passes"), default=0)
    accommodation_nights = models.PositiveIntegerField(_("accommodation nights"), default=0)
    travel_support_euros = models.DecimalField(
        _("travel support (EUR)"), max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99999999"))])

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.CheckConstraint(condition=models.Q(travel_support_euros__gte=0), name="budget_euros_not_negative"),
        ]

    def __str__(self):
        return str(_("Budget of %(event)s") % {"event": self.event})


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Decision(models.TextChoices):
    PENDING = "pending", _("Not decided")
    SELECTED = "selected", _("Selected")
    WAITLISTED = "waitlisted", _("Waiting list")
    NOT_SELECTED = "not_selected", _("Not selected")


class Confirmation(models.TextChoices):
    NONE = "", _("Not asked")
    PENDING = "pending", _("Waiting for the member")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Deadline missed")


RELEASED = (Confirmation.DECLINED, Confirmation.EXPIRED)
# Selected and not released (declined or deadline missed): what counts against places and budget.
HOLDING_PLACE = models.Q(decision=Decision.SELECTED) & ~models.Q(confirmation__in=RELEASED)


class ApplicationQuerySet(WatchedQuerySet):
    def holding_place(self):
        return self.filter(HOLDING_PLACE)


class Application(models.Model):
    """A member's request to attend the in-person days, then the staff's decision about it (a draft
    until sent: ``decision`` is what staff decided, ``decision_sent`` what the member was told), the
    benefits granted and the member's confirmation. One per event and member."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="applications", verbose_name=_("event"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="applications",
                               verbose_name=_("member"))
    status = models.CharField(_("status"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    motivation = models.TextField(_("motivation"), blank=True, max_length=5000)
    contribution = models.TextField(_("what you will contribute"), blank=True, max_length=5000)
    topics = models.TextField(_("topics you want to discuss"), blank=True, max_length=2000)
    # Needs
    expo_pass_wanted = models.BooleanField(_("expo full pass wanted"), default=True)
    travel_support_wanted = models.BooleanField(_("travel support wanted"), default=False)
    travel_cost_estimate = models.DecimalField(
        _("estimated travel cost (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_EUROS)])
    first_night = models.DateField(_("first night of accommodation"), null=True, blank=True)
    nights_wanted = models.PositiveSmallIntegerField(_("accommodation nights wanted"), default=0,
                                                     validators=[MaxValueValidator(31)])
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True, max_length=2000)
    dietary_needs = models.TextField(_("dietary needs"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last saved"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # Reviews, kept here by events.days when a review is saved: the board sorts on them.
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=2, null=True, blank=True)
    review_count = models.PositiveSmallIntegerField(_("reviews"), default=0)
    # Decision
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decision_sent = models.CharField(_("decision sent"), max_length=20, choices=Decision.choices,
                                     default=Decision.PENDING)
    decision_sent_at = models.DateTimeField(_("decision sent at"), null=True, blank=True)
    # Benefits granted (count against the budget while the application holds a place)
    pass_granted = models.BooleanField(_("expo pass granted"), default=False)
    nights_granted = models.PositiveSmallIntegerField(_("nights granted"), default=0)
    euros_granted = models.DecimalField(_("travel support granted (EUR)"), max_digits=8, decimal_places=2,
                                        default=Decimal("0"))
    # Confirmation by the selected member
    confirmation = models.CharField(_("confirmation"), max_length=20, choices=Confirmation.choices,
                                    default=Confirmation.NONE, blank=True)
    confirm_by = models.DateTimeField(_("confirm by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    protocol_accepted_at = models.DateTimeField(_("protocol accepted at"), null=True, blank=True)
    arrival_date = models.DateField(_("arrival"), null=True, blank=True)
    departure_date = models.DateField(_("departure"), null=True, blank=True)
    badge_name = models.CharField(_("name for the badge"), max_length=80, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["event", "-score", "submitted_at"]
        # The selection board (events.views_board): decide, grant benefits, send decisions.
        permissions = [("select_participants", _("Can select participants, grant benefits and send decisions"))]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_application_per_event_and_member",
                                    violation_error_message=_("This member has already applied for this event.")),
            models.CheckConstraint(condition=models.Q(status__in=ApplicationStatus.values),
                                   name="application_status_valid"),
            models.CheckConstraint(condition=models.Q(decision__in=Decision.values), name="application_decision_valid"),
            models.CheckConstraint(condition=models.Q(decision_sent__in=Decision.values),
                                   name="application_decision_sent_valid"),
            models.CheckConstraint(condition=models.Q(confirmation__in=Confirmation.values),
                                   name="application_confirmation_valid"),
            models.CheckConstraint(condition=models.Q(travel_cost_estimate__isnull=True)
                                   | models.Q(travel_cost_estimate__gte=0, travel_cost_estimate__lte=MAX_EUROS),
                                   name="application_travel_cost_range"),
            models.CheckConstraint(condition=models.Q(nights_wanted__lte=31), name="application_nights_wanted_range"),
            models.CheckConstraint(condition=models.Q(nights_wanted=0) | models.Q(first_night__isnull=False),
                                   name="application_nights_have_first_night"),
            # Benefits: never more than asked, and only to a selected application.
            models.CheckConstraint(condition=models.Q(euros_granted__gte=0), name="application_euros_not_negative"),
            models.CheckConstraint(condition=models.Q(euros_granted=0)
                                   | models.Q(euros_granted__lte=models.F("travel_cost_estimate")),
                                   name="application_euros_within_request"),
            models.CheckConstraint(condition=models.Q(nights_granted__lte=models.F("nights_wanted")),
                                   name="application_nights_within_request"),
            models.CheckConstraint(condition=models.Q(pass_granted=False) | models.Q(expo_pass_wanted=True),
                                   name="application_pass_within_request"),
            models.CheckConstraint(
                condition=models.Q(decision=Decision.SELECTED)
                | models.Q(pass_granted=False, nights_granted=0, euros_granted=0),
                name="application_benefits_only_when_selected"),
            models.CheckConstraint(condition=models.Q(confirmation=Confirmation.NONE)
                                   | models.Q(decision=Decision.SELECTED),
                                   name="application_confirmation_only_when_selected"),
            models.CheckConstraint(condition=~models.Q(confirmation=Confirmation.CONFIRMED)
                                   | models.Q(protocol_accepted_at__isnull=False),
                                   name="application_confirmed_accepts_protocol"),
            models.CheckConstraint(condition=models.Q(arrival_date__isnull=True) | models.Q(departure_date__isnull=True)
                                   | models.Q(departure_date__gte=models.F("arrival_date")),
                                   name="application_departure_after_arrival"),
        ]
        indexes = [
            models.Index(fields=["event", "status", "decision"], name="application_board_idx"),
            models.Index(fields=["confirmation", "confirm_by"], name="application_confirm_by_idx"),
        ]

    def __str__(self):
        return f"{self.member} — {self.event}"

    @property
    def is_submitted(self):
        return self.status == ApplicationStatus.SUBMITTED

    @property
    def holds_place(self):
        return self.decision == Decision.SELECTED and self.confirmation not in RELEASED


class Criterion(models.Model):
    """One thing reviewers score, 1 to 5, with its weight in the application's weighted average."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what reviewers look at"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1,
                                              validators=[MinValueValidator(1), MaxValueValidator(10)])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")
        ordering = ["event", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=10), name="criterion_weight_range"),
        ]

    def __str__(self):
        return self.name


class Review(models.Model):
    """A reviewer's assignment to an application, then their scores and comment. A reviewer never
    gets an application of their own organisation (``events.reviews.reviews_assign`` / ``review_save``)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews",
                                    verbose_name=_("application"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews",
                                 verbose_name=_("reviewer"))
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned by"))
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    weighted_score = models.DecimalField(_("weighted score"), max_digits=4, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application", "pk"]
        # events.reviews: the Reviewers group has exactly "score_review"; the Secretariat "assign_reviewers".
        permissions = [
            ("score_review", _("Can score the applications assigned to them")),
            ("assign_reviewers", _("Can assign reviewers to applications")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="one_review_per_reviewer_and_application",
                                    violation_error_message=_("This reviewer is already assigned to it.")),
            models.CheckConstraint(condition=models.Q(weighted_score__isnull=True)
                                   | models.Q(weighted_score__gte=1, weighted_score__lte=5),
                                   name="review_weighted_score_range"),
        ]

    def __str__(self):
        return f"{self.reviewer} — {self.application}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores",
                                  verbose_name=_("criterion"))
    value = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_review_and_criterion"),
            models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=5), name="score_value_range"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.value}"


class SessionKind(models.TextChoices):
    SESSION = "session", _("Session")
    SITE_VISIT = "site_visit", _("Site visit")


class Session(models.Model):
    """One item of the in-person days' programme. Site visits have a capacity; confirmed participants
    pick them (``events.programme.site_visit_pick`` locks the row, so the capacity holds)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.SESSION)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("place"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True,
                                           help_text=_("Site visits: how many participants can go."))

    class Meta:
        verbose_name = _("programme session")
        verbose_name_plural = _("programme")
        ordering = ["event", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="session_ends_after_start"),
            models.CheckConstraint(condition=models.Q(kind__in=SessionKind.values), name="session_kind_valid"),
            models.CheckConstraint(condition=~models.Q(kind=SessionKind.SITE_VISIT) | models.Q(capacity__isnull=False),
                                   name="site_visit_has_capacity"),
        ]

    def __str__(self):
        return self.title


class SiteVisitPick(models.Model):
    """A confirmed participant going on a site visit."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="picks", verbose_name=_("site visit"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="site_visit_picks",
                                    verbose_name=_("participant"))
    picked_at = models.DateTimeField(_("picked at"), default=timezone.now)

    class Meta:
        verbose_name = _("site visit pick")
        verbose_name_plural = _("site visit picks")
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="one_pick_per_site_visit_and_participant"),
        ]

    def __str__(self):
        return f"{self.application.member} — {self.session}"
