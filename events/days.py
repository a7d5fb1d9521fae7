"""City Managers Days: the rules of the in-person event's selection within budget.

Views, admin actions, the selection board and the beat tasks all call these functions; none of them
changes a decision, a grant or a place any other way.

**How the budget holds.** Every function that can take a place or spend a benefit (decide, grant,
promote from the waiting list, change a limit) first locks the event's ``Budget`` row with
``SELECT ... FOR UPDATE`` (``lock_budget``), then reads what is in use and writes, all in one
transaction. On PostgreSQL a second transaction waits at the lock until the first commits, then reads
the new figures: two staff granting the last euros at the same moment cannot both succeed. We chose a
row lock rather than a constraint because the limit is a sum over many rows, which a CHECK cannot see.
(SQLite, the local default, has no row locks but lets one writer at a time: the same guarantee.)
The per-application constraints (never more than asked, benefits only when selected) are CHECKs in
the database (``events.models.Application``).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import audit
from community.models import MemberStatus
from mailings.services import MailRequest, mail_queue_many
from portal.numbers import euros as euros_text
from surveys.models import PortraitStatus, Respondent

from . import board_cache
from .models import (
    RELEASED,
    Application,
    ApplicationStatus,
    Budget,
    Confirmation,
    Decision,
    EligibilityException,
    EligibilityRule,
    Event,
    EventKind,
    Invitation,
    SiteVisitPick,
)

ZERO = Decimal("0.00")


class DaysAction(models.TextChoices):
    # Lazy: read in the audit log's language, not in the language active when this module loaded.
    DECIDED = "application.decided", gettext_lazy("City Managers Days: decision taken")
    GRANTED = "application.granted", gettext_lazy("City Managers Days: benefits granted")
    RELEASED = "application.released", gettext_lazy("City Managers Days: place and benefits released")
    PROMOTED = "application.promoted", gettext_lazy("City Managers Days: selected from the waiting list")
    DECISIONS_SENT = "event.decisions_sent", gettext_lazy("City Managers Days: decisions sent")
    BUDGET_CHANGED = "budget.changed", gettext_lazy("City Managers Days: budget changed")


audit.register_actions(DaysAction)


# ------------------------------------------------------------------------------ eligibility
def eligible_condition(event: Event) -> Q:
    """The in-person event's rule (``event.eligibility_rule``), or an active staff exception, for an
    approved member. One Q of EXISTS subqueries: one query for a member, a page or all of them."""
    portrait = Exists(Respondent.objects.filter(
        member=OuterRef("pk"), portrait__status=PortraitStatus.SUBMITTED,
        portrait__survey__edition_id=event.edition_id))
    webinar = Exists(Invitation.objects.filter(
        member=OuterRef("pk"), attended=True, event__edition_id=event.edition_id, event__kind=EventKind.WEBINAR))
    rule = {
        EligibilityRule.PORTRAIT_AND_WEBINAR: portrait & webinar,
        EligibilityRule.PORTRAIT_OR_WEBINAR: portrait | webinar,
        EligibilityRule.PORTRAIT: portrait,
        EligibilityRule.WEBINAR: webinar,
    }[EligibilityRule(event.eligibility_rule)]
    exception = Exists(EligibilityException.objects.active().filter(member=OuterRef("pk"), event=event))
    return Q(status=MemberStatus.APPROVED) & (Q(rule) | Q(exception))


def applications_open(event: Event, now=None) -> bool:
    return (event.kind == EventKind.IN_PERSON and event.applications_close_at is not None
            and (now or timezone.now()) < event.applications_close_at)


# ------------------------------------------------------------------------------ the budget
@dataclass(frozen=True)
class BudgetUse:
    """Limits and what the applications holding a place use of them (places: ``None`` = no limit)."""

    places: int | None
    places_used: int
    passes: int
    passes_used: int
    nights: int
    nights_used: int
    euros: Decimal
    euros_used: Decimal

    @property
    def places_left(self) -> int | None:
        return None if self.places is None else max(self.places - self.places_used, 0)

    @property
    def passes_left(self) -> int:
        return max(self.passes - self.passes_used, 0)

    @property
    def nights_left(self) -> int:
        return max(self.nights - self.nights_used, 0)

    @property
    def euros_left(self) -> Decimal:
        return max(self.euros - self.euros_used, ZERO)


def _use(event: Event, budget: Budget, *, excluding: int | None = None) -> BudgetUse:
    holding = Application.objects.holding_place().filter(event=event)
    if excluding is not None:
        holding = holding.exclude(pk=excluding)
    totals = holding.aggregate(
        places=Count("pk"), passes=Count("pk", filter=Q(pass_granted=True)),
        nights=Coalesce(Sum("nights_granted"), 0), euros=Coalesce(Sum("euros_granted"), ZERO,
                                                                  output_field=models.DecimalField()))
    return BudgetUse(places=event.capacity, places_used=totals["places"], passes=budget.expo_passes,
                     passes_used=totals["passes"], nights=budget.accommodation_nights, nights_used=totals["nights"],
                     euros=budget.travel_support_euros, euros_used=Decimal(totals["euros"]).quantize(ZERO))


def budget_use(event: Event) -> BudgetUse:
    """The live meters (two queries; no lock: for display)."""
    budget = Budget.objects.filter(event=event).first() or Budget(event=event)
    return _use(event, budget)


def lock_budget(event: Event) -> Budget:
    """Lock the event's budget row until the end of the transaction (made on first use)."""
    Budget.objects.get_or_create(event=event)
    return Budget.objects.select_for_update().get(event=event)


@transaction.atomic
def budget_change(*, event: Event, by, expo_passes: int, accommodation_nights: int,
                  travel_support_euros, places: int | None = None, change_places: bool = False) -> Budget:
    """Set the limits. Lowering one below what is already granted is refused with the figures."""
    budget = lock_budget(event)
    euros = to_euros(travel_support_euros)
    use = _use(event, budget)
    errors = {}
    if expo_passes < use.passes_used:
        errors["expo_passes"] = _("%(granted)s expo passes are already granted: the limit cannot be %(limit)s.") % {
            "granted": use.passes_used, "limit": expo_passes}
    if accommodation_nights < use.nights_used:
        errors["accommodation_nights"] = _(
            "%(granted)s nights are already granted: the limit cannot be %(limit)s.") % {
            "granted": use.nights_used, "limit": accommodation_nights}
    if euros < use.euros_used:
        errors["travel_support_euros"] = _(
            "%(granted)s EUR of travel support are already granted: the limit cannot be %(limit)s EUR.") % {
            "granted": use.euros_used, "limit": euros}
    if change_places and places is not None and places < use.places_used:
        errors["capacity"] = _("%(used)s places are already taken: the number of places cannot be %(limit)s.") % {
            "used": use.places_used, "limit": places}
    if errors:
        raise ValidationError(errors)
    before = {"expo_passes": budget.expo_passes, "accommodation_nights": budget.accommodation_nights,
              "travel_support_euros": str(budget.travel_support_euros), "places": event.capacity}
    budget.expo_passes, budget.accommodation_nights, budget.travel_support_euros = (
        expo_passes, accommodation_nights, euros)
    budget.full_clean(exclude=["event"])
    budget.save()
    if change_places:
        event.capacity = places
        event.save(update_fields=["capacity"])
    board_cache.changed(event.pk)
    audit.record(by, DaysAction.BUDGET_CHANGED, budget, before=before,
                 after={"expo_passes": expo_passes, "accommodation_nights": accommodation_nights,
                        "travel_support_euros": str(euros), "places": event.capacity})
    return budget


def to_euros(value) -> Decimal:
    """A clear error for negative, huge or non-numeric amounts (never a 500)."""
    try:
        amount = Decimal(str(value).strip().replace(",", ".")) if value not in (None, "") else ZERO
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter an amount in euros, e.g. 450 or 450.50.")) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(_("Enter an amount of zero or more."))
    if amount > Decimal("99999999"):
        raise ValidationError(_("This amount is too large."))
    return amount.quantize(Decimal("0.01"))


# ------------------------------------------------------------------------------ decisions and grants
def _locked_application(application) -> Application:
    """The application's row locked, with its event and member read (not locked: ``of=("self",)``;
    SQLite, which has no row locks, ignores the whole clause)."""
    pk = getattr(application, "pk", application)
    return Application.objects.select_for_update(of=("self",)).select_related("event", "member__user").get(pk=pk)


def _release_fields(application: Application) -> None:
    application.pass_granted, application.nights_granted, application.euros_granted = False, 0, ZERO


@transaction.atomic
def decide(*, application, decision: str, by, now=None) -> Application:
    """Staff decide selected, waitlisted or not selected (a draft until ``decisions_send``). Selecting
    takes a place (refused when none is left); leaving "selected" releases the benefits granted."""
    now = now or timezone.now()
    if decision not in Decision.values:
        raise ValidationError(_("Choose selected, waiting list or not selected."))
    event = application.event if isinstance(application, Application) else None
    pk = getattr(application, "pk", application)
    if event is None:
        event = Event.objects.get(applications__pk=pk)
    budget = lock_budget(event)
    application = _locked_application(pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted application can be decided."))
    if application.decision == decision:
        return application
    if decision == Decision.SELECTED:
        use = _use(event, budget, excluding=application.pk)
        if use.places is not None and use.places_used >= use.places:
            raise ValidationError(_("All %(places)s places are taken: put this application on the waiting list, "
                                    "or free a place first.") % {"places": use.places})
    before = {"decision": application.decision, "confirmation": application.confirmation}
    if application.decision == Decision.SELECTED:
        _release_fields(application)
        application.confirmation, application.confirm_by = Confirmation.NONE, None
    application.decision, application.decided_at, application.decided_by = decision, now, by
    application.save()
    board_cache.changed(event.pk)
    audit.record(by, DaysAction.DECIDED, application, before=before, after={"decision": decision})
    return application


def decide_many(*, applications, decision: str, by) -> tuple[int, list[tuple[Application, str]]]:
    """The board's bulk action: each decided in its own transaction, so that one refusal (no place
    left) does not undo the others. Returns (decided, [(application, why refused)])."""
    decided, refused = 0, []
    for application in applications:
        try:
            decide(application=application, decision=decision, by=by)
            decided += 1
        except ValidationError as error:
            refused.append((application, " ".join(error.messages)))
    return decided, refused


@transaction.atomic
def grant(*, application, expo_pass: bool, nights, euros, by) -> Application:
    """Grant benefits to a selected application: up to what was asked and within the budget left
    (under the budget's row lock). Replaces the previous grant of this application."""
    pk = getattr(application, "pk", application)
    event = Event.objects.get(applications__pk=pk)
    budget = lock_budget(event)
    application = _locked_application(pk)
    if not application.holds_place:
        raise ValidationError(_("Benefits go only to a selected participant who has not declined."))
    try:
        nights = int(nights or 0)
    except (TypeError, ValueError):
        raise ValidationError({"nights": _("Enter a whole number of nights.")}) from None
    try:
        euros = to_euros(euros)
    except ValidationError as error:
        raise ValidationError({"euros": error.messages}) from None
    errors = {}
    if nights < 0:
        errors["nights"] = _("Enter zero or more nights.")
    elif nights > application.nights_wanted:
        errors["nights"] = _("%(asked)s nights were asked: grant at most that.") % {"asked": application.nights_wanted}
    if euros > (application.travel_cost_estimate or ZERO):
        errors["euros"] = _("%(asked)s EUR were asked: grant at most that.") % {
            "asked": euros_text(application.travel_cost_estimate or ZERO)}
    if expo_pass and not application.expo_pass_wanted:
        errors["expo_pass"] = _("No expo pass was asked.")
    if errors:
        raise ValidationError(errors)
    use = _use(event, budget, excluding=application.pk)
    if expo_pass and use.passes_used + 1 > use.passes:
        errors["expo_pass"] = _("No expo pass left: %(used)s of %(limit)s granted.") % {
            "used": use.passes_used, "limit": use.passes}
    if use.nights_used + nights > use.nights:
        errors["nights"] = _("Only %(left)s nights left (%(used)s of %(limit)s granted).") % {
            "left": use.nights_left, "used": use.nights_used, "limit": use.nights}
    if use.euros_used + euros > use.euros:
        errors["euros"] = _("Only %(left)s EUR left (%(used)s of %(limit)s granted).") % {
            "left": euros_text(use.euros_left), "used": euros_text(use.euros_used), "limit": euros_text(use.euros)}
    if errors:
        raise ValidationError(errors)
    before = {"pass": application.pass_granted, "nights": application.nights_granted,
              "euros": str(application.euros_granted)}
    application.pass_granted, application.nights_granted, application.euros_granted = bool(expo_pass), nights, euros
    application.save(update_fields=["pass_granted", "nights_granted", "euros_granted"])
    board_cache.changed(event.pk)
    audit.record(by, DaysAction.GRANTED, application, before=before,
                 after={"pass": bool(expo_pass), "nights": nights, "euros": str(euros)})
    return application


# ------------------------------------------------------------------------------ sending decisions
def application_url(event: Event) -> str:
    return settings.PORTAL_BASE_URL + reverse("events:application", args=[event.pk])


def _decision_mail(application: Application) -> MailRequest:
    event, member = application.event, application.member
    language = member.preferred_language
    return MailRequest(
        to=member.user.email,
        template="days_decision",
        context={
            "first_name": member.user.first_name,
            "event_title": event.title_in(language),
            # Booleans, not the decision's string: the body sees every string as a token
            # (mailings.rendering.MailValues), so a comparison with "selected" would never match.
            "is_selected": application.decision == Decision.SELECTED,
            "is_waitlisted": application.decision == Decision.WAITLISTED,
            "starts_at": event.starts_at,
            "venue": event.venue,
            "confirm_by": application.confirm_by,
            "pass_granted": application.pass_granted,
            "nights_granted": application.nights_granted,
            "euros_granted": application.euros_granted,
            "application_url": application_url(event),
        },
        # Once per decision taken: a double click or a second "send" finds the same key.
        dedupe_key=f"days-decision:{application.pk}:{application.decision}:{application.decided_at.timestamp():.0f}",
        language=language,
        time_zone=member.time_zone,
        cause=f"event:{event.pk}",
    )


@transaction.atomic
def decisions_send(*, event: Event, by, now=None) -> int:
    """Email every decision taken and not sent yet, once each; selected members get their deadline
    to confirm. Serialised by the budget lock: a double click sends nothing twice."""
    now = now or timezone.now()
    lock_budget(event)
    pending = list(Application.objects.select_for_update(of=("self",))
                   .filter(event=event, status=ApplicationStatus.SUBMITTED)
                   .exclude(decision=Decision.PENDING).exclude(decision=models.F("decision_sent"))
                   .select_related("event", "member__user"))
    for application in pending:
        application.decision_sent, application.decision_sent_at = application.decision, now
        if application.decision == Decision.SELECTED and application.confirmation == Confirmation.NONE:
            application.confirmation = Confirmation.PENDING
            application.confirm_by = now + timedelta(days=event.confirm_within_days)
    Application.objects.bulk_update(pending, ["decision_sent", "decision_sent_at", "confirmation", "confirm_by"])
    board_cache.changed(event.pk)
    mail_queue_many([_decision_mail(a) for a in pending])
    audit.record(by, DaysAction.DECISIONS_SENT, event, after={
        "sent": len(pending), **{d: sum(a.decision == d for a in pending) for d in Decision.values if d != "pending"}})
    return len(pending)


# ------------------------------------------------------------------------------ releasing and the waiting list
def waiting_list(event: Event):
    """The waiting list by rank: score (best first, unscored last), then who applied first."""
    return (Application.objects.filter(event=event, status=ApplicationStatus.SUBMITTED,
                                       decision=Decision.WAITLISTED)
            .order_by(models.F("score").desc(nulls_last=True), "submitted_at", "pk"))


@transaction.atomic
def release(*, application, confirmation: str, by=None, now=None) -> Application | None:
    """A selected member declined (``Confirmation.DECLINED``) or missed the deadline (``EXPIRED``):
    the place and the benefits go back, and the next on the waiting list is selected within what
    is left. Returns the promoted application, if any."""
    if confirmation not in RELEASED:
        raise ValueError(confirmation)
    now = now or timezone.now()
    pk = getattr(application, "pk", application)
    event = Event.objects.get(applications__pk=pk)
    lock_budget(event)
    application = _locked_application(pk)
    if not application.holds_place:
        return None
    before = {"confirmation": application.confirmation, "pass": application.pass_granted,
              "nights": application.nights_granted, "euros": str(application.euros_granted)}
    _release_fields(application)
    application.confirmation = confirmation
    application.save()
    # Their site visits go with the place (a released place never picks again): the staff's lists of
    # who goes on each visit stay true.
    before["site_visits"] = sorted(SiteVisitPick.objects.filter(application=application).values_list("session_id",
                                                                                                      flat=True))
    SiteVisitPick.objects.filter(application=application).delete()
    board_cache.changed(event.pk)
    audit.record(by, DaysAction.RELEASED, application, before=before, after={"confirmation": confirmation})
    return promote_next(event=event, by=by, now=now)



@transaction.atomic
def promote_next(*, event: Event, by=None, now=None) -> Application | None:
    """Select the first on the waiting list if a place is free, grant what they asked within what is
    left of each benefit, and email them at once with a deadline of their own."""
    now = now or timezone.now()
    budget = lock_budget(event)
    use = _use(event, budget)
    if use.places is not None and use.places_used >= use.places:
        return None
    candidate = waiting_list(event).select_for_update(of=("self",)).select_related("event", "member__user").first()
    if candidate is None:
        return None
    candidate.decision, candidate.decided_at, candidate.decided_by = Decision.SELECTED, now, by
    candidate.pass_granted = candidate.expo_pass_wanted and use.passes_left > 0
    candidate.nights_granted = min(candidate.nights_wanted, use.nights_left)
    asked = (candidate.travel_cost_estimate or ZERO) if candidate.travel_support_wanted else ZERO
    candidate.euros_granted = min(asked, use.euros_left)
    candidate.decision_sent, candidate.decision_sent_at = Decision.SELECTED, now
    candidate.confirmation = Confirmation.PENDING
    candidate.confirm_by = now + timedelta(days=event.confirm_within_days)
    candidate.save()
    board_cache.changed(event.pk)
    audit.record(by, DaysAction.PROMOTED, candidate, before={"decision": Decision.WAITLISTED},
                 after={"decision": Decision.SELECTED, "pass": candidate.pass_granted,
                        "nights": candidate.nights_granted, "euros": str(candidate.euros_granted)})
    mail_queue_many([_decision_mail(candidate)])
    return candidate
