"""The selection board's reads (the writes are ``events.days``): the applications ranked by score
with what the board shows of each, the regional balance and the decisions waiting to be sent.

A constant number of queries whatever the number of applications: the engagement of each member
(portrait submitted, webinar answer and attendance) comes as subqueries of the one page query.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery

from community.models import Region
from surveys.models import PortraitStatus, Respondent

from .models import RELEASED, Application, ApplicationStatus, Decision, Event, EventKind, Invitation, InvitationStatus

PAGE_SIZE = 50


def ranked(queryset):
    """Best score first, unscored last, then who applied first: the order of the waiting list too."""
    return queryset.order_by(models.F("score").desc(nulls_last=True), "submitted_at", "pk")


def board_applications(event: Event, *, decision: str = "", region: str = ""):
    """The event's submitted applications, ranked, filtered, with the member, organisation and
    engagement so far (``portrait_submitted``, ``webinar_rsvp``, ``webinar_attended``)."""
    applications = Application.objects.filter(event=event, status=ApplicationStatus.SUBMITTED)
    if decision:
        applications = applications.filter(decision=decision)
    if region:
        applications = applications.filter(member__organisation__region=region)
    webinar = Invitation.objects.filter(
        member=OuterRef("member_id"), event__edition_id=event.edition_id, event__kind=EventKind.WEBINAR,
        status=InvitationStatus.INVITED).order_by("-event__starts_at")
    return ranked(applications.select_related("member__user", "member__organisation").annotate(
        portrait_submitted=Exists(Respondent.objects.filter(
            member=OuterRef("member_id"), portrait__status=PortraitStatus.SUBMITTED,
            portrait__survey__edition_id=event.edition_id)),
        webinar_rsvp=Subquery(webinar.values("rsvp")[:1]),
        webinar_attended=Subquery(webinar.values("attended")[:1]),
    ))


def board_row(event: Event, pk: int) -> Application:
    """One row of the board (after a decision or a grant), with the same annotations."""
    return board_applications(event).get(pk=pk)


@dataclass(frozen=True)
class RegionBalance:
    region: str
    label: str
    applied: int
    selected: int


def regional_balance(event: Event) -> list[RegionBalance]:
    """Per world region: submitted applications and those selected (holding a place). One query."""
    rows = (Application.objects.filter(event=event, status=ApplicationStatus.SUBMITTED)
            .values("member__organisation__region").order_by()
            .annotate(applied=Count("pk"),
                      selected=Count("pk", filter=Q(decision=Decision.SELECTED) & ~Q(confirmation__in=RELEASED))))
    counts = {row["member__organisation__region"]: row for row in rows}
    return [RegionBalance(region=value, label=label, applied=counts.get(value, {}).get("applied", 0),
                          selected=counts.get(value, {}).get("selected", 0))
            for value, label in Region.choices]


def decision_counts(event: Event) -> dict[str, int]:
    """How many submitted applications per decision, and ``to_send`` per decision (taken, not sent
    yet: what "Send decisions" will email). One query."""
    applications = Application.objects.filter(event=event, status=ApplicationStatus.SUBMITTED)
    unsent = ~Q(decision=models.F("decision_sent"))
    aggregates = {"all": Count("pk")}
    for value in Decision.values:
        aggregates[value] = Count("pk", filter=Q(decision=value))
        if value != Decision.PENDING:
            aggregates[f"to_send_{value}"] = Count("pk", filter=Q(decision=value) & unsent)
    counts = applications.aggregate(**aggregates)
    counts["to_send"] = sum(counts[f"to_send_{value}"] for value in Decision.values if value != Decision.PENDING)
    return counts


def current_in_person_event() -> Event | None:
    """The board's default: the in-person event of the latest edition (the latest event if several)."""
    return (Event.objects.filter(kind=EventKind.IN_PERSON).select_related("edition")
            .order_by("-edition__year", "-starts_at").first())
