"""City Managers Days, the member's side: the application (draft, submit, withdraw, until the
deadline), the confirmation of a place (protocol, dates, badge name) or its decline, and the beat
job that releases the places whose confirmation deadline passed.

Views and tasks call these functions; the selection's own rules (eligibility, places, budget, the
waiting list) stay in ``events.days`` and are called from here, never re-written.

**The accommodation nights** are counted in the event's own time zone: the first possible night is
the eve of the first day, the last one is the night of the last day (the night after it). For
17-19 November that is the nights of 16, 17, 18 and 19 November: at most four.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import audit
from mailings.services import MailRequest, mail_queue, mail_queue_many

from . import board_cache, days, services
from .models import (
    MAX_EUROS,
    Application,
    ApplicationStatus,
    Confirmation,
    Decision,
    EligibilityRule,
    Event,
    EventKind,
)

# How far from the event's days a participant may arrive or leave (a sensible window, not a rule
# of the budget: accommodation granted is what was asked in the application).
TRAVEL_WINDOW_DAYS = 7

NEED_FIELDS = ("motivation", "contribution", "topics", "expo_pass_wanted", "travel_support_wanted",
               "travel_cost_estimate", "first_night", "nights_wanted", "accessibility_needs", "dietary_needs")
TEXT_LIMITS = {"motivation": 5000, "contribution": 5000, "topics": 2000, "accessibility_needs": 2000,
               "dietary_needs": 2000}


class ApplicationAction(models.TextChoices):
    CONFIRMED = "application.confirmed", gettext_lazy("City Managers Days: place confirmed by the member")


audit.register_actions(ApplicationAction)


# ------------------------------------------------------------------------------ dates
@dataclass(frozen=True)
class Window:
    """The event's days in its own zone, and the nights one can ask for."""

    first_day: date
    last_day: date

    @property
    def first_night(self) -> date:
        return self.first_day - timedelta(days=1)  # the eve of the first day

    @property
    def last_night(self) -> date:
        return self.last_day  # the night after the last day

    @property
    def max_nights(self) -> int:
        return (self.last_night - self.first_night).days + 1

    @property
    def earliest_arrival(self) -> date:
        return self.first_day - timedelta(days=TRAVEL_WINDOW_DAYS)

    @property
    def latest_departure(self) -> date:
        return self.last_day + timedelta(days=TRAVEL_WINDOW_DAYS)


def event_window(event: Event) -> Window:
    zone = ZoneInfo(event.time_zone or "UTC")
    # An event ending at midnight ends on the day before.
    return Window(timezone.localtime(event.starts_at, zone).date(),
                  timezone.localtime(event.ends_at - timedelta(microseconds=1), zone).date())


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def eligibility_how(event: Event) -> str:
    """What a member must do to become eligible, in the event's own rule."""
    return {
        EligibilityRule.PORTRAIT_AND_WEBINAR: _(
            "To apply, answer and submit your organisation's Metropolitan Portrait and attend the webinar."),
        EligibilityRule.PORTRAIT_OR_WEBINAR: _(
            "To apply, answer and submit your organisation's Metropolitan Portrait or attend the webinar."),
        EligibilityRule.PORTRAIT: _("To apply, answer and submit your organisation's Metropolitan Portrait."),
        EligibilityRule.WEBINAR: _("To apply, attend the edition's webinar."),
    }[EligibilityRule(event.eligibility_rule)]


# ------------------------------------------------------------------------------ checking what is asked
def needs_errors(event: Event, values: dict, *, complete: bool) -> dict[str, list[str]]:
    """The errors of an application's values, by field. A draft (``complete=False``) may leave
    things blank but never holds an impossible value; a submission must be complete."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    for field, limit in TEXT_LIMITS.items():
        if len(values.get(field) or "") > limit:
            add(field, _("Write at most %(limit)s characters.") % {"limit": limit})
    cost = values.get("travel_cost_estimate")
    if cost is not None:
        if not isinstance(cost, Decimal) or not cost.is_finite() or cost < 0:
            add("travel_cost_estimate", _("Enter an amount of zero or more."))
        elif cost > MAX_EUROS:
            add("travel_cost_estimate", _("Enter at most %(limit)s EUR.") % {
                "limit": formats.number_format(MAX_EUROS, 0, force_grouping=True)})
    nights = values.get("nights_wanted") or 0
    first = values.get("first_night")
    window = event_window(event)
    if nights < 0:
        add("nights_wanted", _("Enter zero or more nights."))
    elif nights > window.max_nights:
        add("nights_wanted", _("The event has at most %(count)s nights of accommodation.") % {
            "count": window.max_nights})
    if first is not None and not window.first_night <= first <= window.last_night:
        add("first_night", _("Choose a first night between %(first)s (the eve of the first day) and %(last)s "
                             "(the night of the last day).") % {"first": _day(window.first_night),
                                                                 "last": _day(window.last_night)})
    elif first is not None and nights > 0 and first + timedelta(days=nights - 1) > window.last_night:
        add("nights_wanted", _("From %(first)s, you can stay at most %(count)s nights: the last one is the night of "
                               "%(last)s.") % {"first": _day(first), "last": _day(window.last_night),
                                               "count": (window.last_night - first).days + 1})
    if nights > 0 and first is None and "nights_wanted" not in errors:
        add("first_night", _("Give the first night too."))
    if complete:
        for field, message in (("motivation", _("Tell us why you want to take part.")),
                               ("contribution", _("Tell us what you will contribute."))):
            if not (values.get(field) or "").strip():
                add(field, message)
        if values.get("travel_support_wanted") and not cost and "travel_cost_estimate" not in errors:
            add("travel_cost_estimate", _("Give the estimated cost of your travel, in euros."))
        if first is not None and nights == 0 and "first_night" not in errors:
            add("nights_wanted", _("Give the number of nights, or clear the first night."))
    return errors


# ------------------------------------------------------------------------------ the application
def application_of(*, event: Event, member) -> Application | None:
    return Application.objects.filter(event=event, member=member).first()


def _check_can_apply(event: Event, member, now) -> None:
    if event.kind != EventKind.IN_PERSON:
        raise ValidationError(_("This event takes no applications."))
    if not services.member_is_eligible(member, event):
        raise PermissionDenied(eligibility_how(event))
    if not days.applications_open(event, now):
        raise ValidationError(_("Applications are closed: nothing can be changed any more."))


def _locked_or_new(event: Event, member) -> Application:
    """The member's application under a row lock, or a new unsaved draft. Two first saves at the same
    moment (two tabs, an autosave and a click) meet the unique constraint: the second reloads."""
    application = Application.objects.select_for_update().filter(event=event, member=member).first()
    if application is not None:
        return application
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError leaves the outer transaction usable
            return Application.objects.create(event=event, member=member)
    except IntegrityError:
        return Application.objects.select_for_update().get(event=event, member=member)


def _apply_values(application: Application, values: dict) -> list[str]:
    changed = []
    for field in NEED_FIELDS:
        if field in values:
            value = values[field]
            if field in TEXT_LIMITS:
                value = (value or "").strip()
            elif field == "nights_wanted":
                value = value or 0
            if getattr(application, field) != value:
                setattr(application, field, value)
                changed.append(field)
    return changed


@transaction.atomic
def application_save_draft(*, event: Event, member, values: dict, autosave: bool = False,
                           now=None) -> Application:
    """Save what the member typed, until the deadline. ``values`` may hold only some fields (an
    autosave saves the fields that are valid). A draft stays a draft; a submitted application stays
    submitted and must stay complete; a withdrawn one becomes a draft again, except by an autosave
    (a save still on its way after "Withdraw" must not undo it)."""
    now = now or timezone.now()
    _check_can_apply(event, member, now)
    application = _locked_or_new(event, member)
    if application.decision_sent != Decision.PENDING:
        raise ValidationError(_("The decision on your application has been sent: it can no longer be changed."))
    if application.status == ApplicationStatus.WITHDRAWN and autosave:
        return application
    merged = {field: getattr(application, field) for field in NEED_FIELDS} | values
    errors = needs_errors(event, merged, complete=application.status == ApplicationStatus.SUBMITTED)
    if errors:
        raise ValidationError(errors)
    changed = _apply_values(application, values)
    if application.status == ApplicationStatus.WITHDRAWN:
        application.status = ApplicationStatus.DRAFT
        changed.append("status")
    if changed:
        application.updated_at = now
        application.save(update_fields=[*changed, "updated_at"])
    return application


def application_autosave(*, event: Event, member, values: dict, now=None) -> tuple[Application | None, dict]:
    """The page saving as the member types: what the rules accept is saved, what they refuse is left
    out and returned as errors (the member still sees it in the form). Returns (application, errors)."""
    try:
        return application_save_draft(event=event, member=member, values=values, autosave=True, now=now), {}
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        errors = error.message_dict
    kept = {field: value for field, value in values.items() if field not in errors}
    if errors.keys() & {"first_night", "nights_wanted"}:
        kept.pop("first_night", None)
        kept.pop("nights_wanted", None)
    try:
        return application_save_draft(event=event, member=member, values=kept, autosave=True, now=now), errors
    except ValidationError as error:
        return None, errors | (error.message_dict if hasattr(error, "error_dict") else {})


@transaction.atomic
def application_submit(*, event: Event, member, values: dict, now=None) -> Application:
    """Save and submit: the application must be complete. Submitting again (after an edit) is the
    same; the first submission's time is kept (it breaks ties on the waiting list) unless the
    member had withdrawn."""
    now = now or timezone.now()
    _check_can_apply(event, member, now)
    application = _locked_or_new(event, member)
    if application.decision_sent != Decision.PENDING:
        raise ValidationError(_("The decision on your application has been sent: it can no longer be changed."))
    merged = {field: getattr(application, field) for field in NEED_FIELDS} | values
    errors = needs_errors(event, merged, complete=True)
    if errors:
        raise ValidationError(errors)
    _apply_values(application, values)
    first = application.status != ApplicationStatus.SUBMITTED
    if first:
        application.status, application.submitted_at = ApplicationStatus.SUBMITTED, now
    application.updated_at = now
    application.save()
    board_cache.changed(event.pk)
    if first:
        _received_mail(event, application, member)
    return application


def _received_mail(event: Event, application: Application, member) -> None:
    """The acknowledgement of a submission (not of each later edit): what was asked, and until when it
    can be changed. Once per submission (a withdrawn application submitted again is acknowledged again)."""
    mail_queue(
        to=member.user.email, template="days_application_received", language=member.preferred_language,
        time_zone=member.time_zone, cause=f"event:{event.pk}",
        dedupe_key=f"days-application-received:{application.pk}:{application.submitted_at.isoformat()}",
        context={"first_name": member.user.first_name, "event_title": event.title_in(member.preferred_language),
                 "closes_at": event.applications_close_at, "expo_pass_wanted": application.expo_pass_wanted,
                 "nights_wanted": application.nights_wanted,
                 "travel_support_wanted": application.travel_support_wanted,
                 "travel_cost_estimate": application.travel_cost_estimate,
                 "application_url": days.application_url(event)},
    )


@transaction.atomic
def application_withdraw(*, event: Event, member, now=None) -> Application:
    """The member withdraws before the deadline: staff no longer see it to decide. They may apply again
    until the deadline. Withdrawing twice changes nothing."""
    now = now or timezone.now()
    _check_can_apply(event, member, now)
    application = Application.objects.select_for_update().filter(event=event, member=member).first()
    if application is None:
        raise ValidationError(_("You have no application to withdraw."))
    if application.decision != Decision.PENDING or application.decision_sent != Decision.PENDING:
        # Never tell a draft decision: the same words whatever staff are weighing.
        raise ValidationError(_("Your application is being reviewed: to withdraw it now, write to the secretariat."))
    if application.status != ApplicationStatus.WITHDRAWN:
        application.status, application.updated_at = ApplicationStatus.WITHDRAWN, now
        application.save(update_fields=["status", "updated_at"])
        board_cache.changed(event.pk)
    return application


# ------------------------------------------------------------------------------ confirming a place
def can_confirm(application: Application | None, now=None) -> bool:
    """Selected (as the member was told), still holding the place, before the deadline to confirm."""
    now = now or timezone.now()
    return bool(application and application.decision_sent == Decision.SELECTED and application.holds_place
                and application.confirmation in (Confirmation.PENDING, Confirmation.CONFIRMED)
                and application.confirm_by is not None and now < application.confirm_by)


def can_decline(application: Application | None, now=None) -> bool:
    """A confirmed participant may still give the place back until the event starts; a pending one
    until the deadline to confirm."""
    now = now or timezone.now()
    if not (application and application.decision_sent == Decision.SELECTED and application.holds_place):
        return False
    if application.confirmation == Confirmation.CONFIRMED:
        return now < application.event.starts_at
    return can_confirm(application, now)


def _own_selected(application, member) -> Application:
    pk = getattr(application, "pk", application)
    application = Application.objects.select_for_update(of=("self",)).select_related("event").filter(pk=pk).first()
    if application is None or member is None or application.member_id != member.pk:
        raise PermissionDenied(_("This place is someone else's."))
    return application


def confirmation_errors(event: Event, *, accept_protocol: bool, arrival, departure, badge_name: str) -> dict:
    errors: dict[str, list[str]] = {}
    window = event_window(event)
    if not accept_protocol:
        errors["accept_protocol"] = [_("Accept the health and safety protocol to confirm your place.")]
    if arrival is None:
        errors["arrival_date"] = [_("Give your arrival date.")]
    elif not window.earliest_arrival <= arrival <= window.last_day:
        errors["arrival_date"] = [_("Arrive between %(first)s and %(last)s.") % {
            "first": _day(window.earliest_arrival), "last": _day(window.last_day)}]
    if departure is None:
        errors["departure_date"] = [_("Give your departure date.")]
    elif not window.first_day <= departure <= window.latest_departure:
        errors["departure_date"] = [_("Leave between %(first)s and %(last)s.") % {
            "first": _day(window.first_day), "last": _day(window.latest_departure)}]
    elif arrival is not None and departure < arrival:
        errors["departure_date"] = [_("Leave on or after the day you arrive.")]
    badge_name = (badge_name or "").strip()
    if not badge_name:
        errors["badge_name"] = [_("Give the name to print on your badge.")]
    elif len(badge_name) > 80:
        errors["badge_name"] = [_("Write at most %(limit)s characters.") % {"limit": 80}]
    return errors


@transaction.atomic
def application_confirm(*, application, member, accept_protocol: bool, arrival_date, departure_date,
                        badge_name: str, now=None) -> Application:
    """The selected member confirms their place (or corrects their dates and badge name) before the
    deadline, accepting the venue's protocol. Only their own place: anyone else's is refused."""
    now = now or timezone.now()
    application = _own_selected(application, member)
    if not can_confirm(application, now):
        if application.decision_sent == Decision.SELECTED and application.confirm_by and now >= application.confirm_by:
            raise ValidationError(_("The deadline to confirm has passed: your place could not be kept."))
        raise ValidationError(_("There is no place to confirm on this application."))
    errors = confirmation_errors(application.event, accept_protocol=accept_protocol, arrival=arrival_date,
                                 departure=departure_date, badge_name=badge_name)
    if errors:
        raise ValidationError(errors)
    before = {"confirmation": application.confirmation}
    if application.confirmation != Confirmation.CONFIRMED:
        application.confirmation, application.confirmed_at = Confirmation.CONFIRMED, now
        application.protocol_accepted_at = now
    application.arrival_date, application.departure_date = arrival_date, departure_date
    application.badge_name = badge_name.strip()
    application.save(update_fields=["confirmation", "confirmed_at", "protocol_accepted_at", "arrival_date",
                                    "departure_date", "badge_name"])
    audit.record(member.user, ApplicationAction.CONFIRMED, application, before=before,
                 after={"confirmation": Confirmation.CONFIRMED, "arrival": str(arrival_date),
                        "departure": str(departure_date)})
    return application


def application_decline(*, application, member, now=None) -> Application | None:
    """The selected member gives the place back: ``events.days.release`` frees the place and the
    benefits and selects the next on the waiting list (who is emailed). Returns who was promoted."""
    now = now or timezone.now()
    with transaction.atomic():
        pk = getattr(application, "pk", application)
        event = Event.objects.filter(applications__pk=pk).first()
        if event is None:
            raise PermissionDenied(_("This place is someone else's."))
        days.lock_budget(event)  # the order release() locks in: budget, then the application
        application = _own_selected(pk, member)
        if not can_decline(application, now):
            if application.confirmation == Confirmation.PENDING and application.confirm_by \
                    and now >= application.confirm_by:
                raise ValidationError(_("The deadline to confirm has passed: your place was already released."))
            raise ValidationError(_("There is no place to give back on this application."))
        return days.release(application=application, confirmation=Confirmation.DECLINED, by=member.user, now=now)


# ------------------------------------------------------------------------------ the beat job
def confirmations_expire(*, now=None) -> int:
    """Release every place whose confirmation deadline passed (``events.days.release`` with
    ``EXPIRED``: the next on the waiting list is selected and emailed). Each in its own transaction,
    checked again under the locks (a member confirming at that moment keeps the place); running it
    twice changes nothing. Returns how many were released."""
    now = now or timezone.now()
    due = list(Application.objects.filter(confirmation=Confirmation.PENDING, confirm_by__lte=now)
               .order_by("confirm_by", "pk").values_list("pk", "event_id"))
    released = 0
    for pk, event_id in due:
        with transaction.atomic():
            days.lock_budget(Event.objects.get(pk=event_id))
            application = Application.objects.select_for_update().get(pk=pk)
            if not (application.confirmation == Confirmation.PENDING and application.holds_place
                    and application.confirm_by is not None and application.confirm_by <= now):
                continue
            days.release(application=application, confirmation=Confirmation.EXPIRED, by=None, now=now)
            released += 1
    return released


# ------------------------------------------------------------------------------ the reminder to confirm
CONFIRMATION_REMINDER_BEFORE = timedelta(days=2)


def confirmation_reminders_send(*, now=None) -> int:
    """Remind each selected member who has not confirmed yet, once, when their deadline is less than two
    days away (at once when they were given less than that). The key names the deadline: a place given
    again, with a new deadline, is reminded again. Returns how many emails were queued."""
    now = now or timezone.now()
    due = (Application.objects.filter(decision=Decision.SELECTED, decision_sent=Decision.SELECTED,
                                      confirmation=Confirmation.PENDING, confirm_by__gt=now,
                                      confirm_by__lte=now + CONFIRMATION_REMINDER_BEFORE)
           .select_related("event", "member__user").order_by("pk"))
    titles = {}
    requests = []
    for application in due:
        event, member = application.event, application.member
        language = member.preferred_language
        if (event.pk, language) not in titles:
            titles[event.pk, language] = event.title_in(language)
        requests.append(MailRequest(
            to=member.user.email, template="days_confirm_reminder", language=language,
            time_zone=member.time_zone, cause=f"event:{event.pk}",
            dedupe_key=f"days-confirm-reminder:{application.pk}:{application.confirm_by.timestamp():.0f}",
            context={"first_name": member.user.first_name, "event_title": titles[event.pk, language],
                     "confirm_by": application.confirm_by, "application_url": days.application_url(event)},
        ))
    if not requests:
        return 0
    with transaction.atomic():
        return mail_queue_many(requests)
