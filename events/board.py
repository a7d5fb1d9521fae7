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

from .models import (
    RELEASED,
    Application,
    ApplicationStatus,
    Confirmation,
    Decision,
    Event,
    EventKind,
    Invitation,
    InvitationStatus,
)

PAGE_SIZE = 50


def ranked(queryset):
    """Best score first, unscored last, then who applied first: the order of the waiting list too."""
    return queryset.order_by(models.F("score").desc(nulls_last=True), "submitted_at", "pk")


def board_applications(event: Event, *, decision: str = "", region: str = ""):
    """The event's submitted applications, ranked and filtered (ids for a page: ``with_engagement``
    then reads that page's rows)."""
    applications = Application.objects.filter(event=event, status=ApplicationStatus.SUBMITTED)
    if decision:
        applications = applications.filter(decision=decision)
    if region:
        applications = applications.filter(member__organisation__region=region)
    return ranked(applications)


def with_engagement(event: Event, ids) -> list[Application]:
    """The applications ``ids``, in that order, with the member, organisation and engagement so far
    (``portrait_submitted``, ``webinar_rsvp``, ``webinar_attended``). Only a page's rows: PostgreSQL
    would otherwise work out the subqueries for every application before sorting them."""
    ids = list(ids)
    webinar = Invitation.objects.filter(
        member=OuterRef("member_id"), event__edition_id=event.edition_id, event__kind=EventKind.WEBINAR,
        status=InvitationStatus.INVITED).order_by("-event__starts_at")
    rows = Application.objects.filter(event=event, pk__in=ids).select_related(
        "member__user", "member__organisation").annotate(
        portrait_submitted=Exists(Respondent.objects.filter(
            member=OuterRef("member_id"), portrait__status=PortraitStatus.SUBMITTED,
            portrait__survey__edition_id=event.edition_id)),
        webinar_rsvp=Subquery(webinar.values("rsvp")[:1]),
        webinar_attended=Subquery(webinar.values("attended")[:1]),
    )
    order = {pk: index for index, pk in enumerate(ids)}
    return sorted(rows, key=lambda application: order[application.pk])


def board_row(event: Event, pk: int) -> Application:
    """One row of the board (after a decision or a grant), with the same annotations."""
    (row,) = with_engagement(event, [pk]) or [None]
    if row is None:
        raise Application.DoesNotExist
    return row


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


@dataclass
class BoardRow:
    """What a row of the board shows, as ready-made strings: the page renders 50 rows, and each
    lookup, localised number or tag in the row's template costs (see README, "Benchmarks")."""

    application: Application
    pk: str
    name: str
    job_title: str
    organisation: str
    country: str
    region: str
    kind: str
    portrait: str
    webinar: str
    asked: list
    score: str
    reviews: str
    decision: str
    decision_label: str
    state: str  # "draft", "sent" or "" (not decided)
    sent_note: str
    confirmation: str
    buttons: list
    holds_place: bool
    released: bool
    pass_wanted: bool
    pass_granted: bool
    nights_wanted: str
    nights_granted: str
    euros_wanted: bool
    euros_asked: str
    euros_granted: str
    change_url: str
    decide_url: str
    grant_url: str
    tick_label: str = ""
    group_label: str = ""
    rank: str = ""


def _url_maker(name: str, event_id: int):
    """reverse() once, then fill in the id: the same URL as reverse() per row, without its cost."""
    from django.urls import reverse

    template = reverse(name, args=[event_id, 987654321]) if event_id is not None else reverse(name, args=[987654321])
    return lambda pk: template.replace("987654321", str(pk))


def board_rows(applications, event: Event, decisions) -> list[BoardRow]:
    """The rows of ``applications`` (annotated by ``board_applications``)."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from community.models import OrganisationKind

    regions, kinds = dict(Region.choices), dict(OrganisationKind.choices)
    decision_labels, confirmation_labels = dict(Decision.choices), dict(Confirmation.choices)
    change_url = _url_maker("admin:events_application_change", None)
    decide_url = _url_maker("events:staff_board_decide", event.pk)
    grant_url = _url_maker("events:staff_board_grant", event.pk)
    texts = {"portrait": _("Portrait submitted"), "no_portrait": _("No submitted portrait"),
             "attended": _("Attended the webinar"), "yes": _("Webinar: said yes, not recorded as attending"),
             "no": _("Webinar: said no"), "none": _("Webinar: invited, no answer"),
             "not_invited": _("Not invited to the webinar"), "pass": _("Expo pass"), "nothing": _("Nothing")}
    rows = []
    for a in applications:
        member, organisation = a.member, a.member.organisation
        if a.webinar_attended:
            webinar = texts["attended"]
        elif a.webinar_rsvp is None:
            webinar = texts["not_invited"]
        else:
            webinar = texts.get(a.webinar_rsvp, texts["none"])
        asked = [texts["pass"]] if a.expo_pass_wanted else []
        if a.nights_wanted:
            first = date_format(a.first_night, "SHORT_DATE_FORMAT") if a.first_night else ""
            asked.append(ngettext("%(counter)s night from %(first)s", "%(counter)s nights from %(first)s",
                                  a.nights_wanted) % {"counter": a.nights_wanted, "first": first})
        if a.travel_support_wanted:
            asked.append(_("%(euros)s EUR travel") % {"euros": a.travel_cost_estimate or 0})
        state = "" if a.decision == Decision.PENDING else ("sent" if a.decision == a.decision_sent else "draft")
        sent_note = ""
        if state == "draft" and a.decision_sent != Decision.PENDING:
            sent_note = _("(%(sent)s was sent)") % {"sent": decision_labels[a.decision_sent]}
        rows.append(BoardRow(
            application=a, pk=str(a.pk), name=member.full_name, job_title=member.job_title,
            organisation=organisation.name, country=organisation.country.code if organisation.country else "",
            region=str(regions.get(organisation.region, organisation.region)),
            kind=str(kinds.get(organisation.kind, organisation.kind)),
            portrait=texts["portrait"] if a.portrait_submitted else texts["no_portrait"], webinar=webinar,
            asked=asked or [texts["nothing"]], score="" if a.score is None else str(a.score),
            reviews=ngettext("%(counter)s review", "%(counter)s reviews", a.review_count) % {
                "counter": a.review_count},
            decision=a.decision, decision_label=str(decision_labels[a.decision]), state=state, sent_note=sent_note,
            confirmation=str(confirmation_labels[a.confirmation]) if a.confirmation else "",
            buttons=[(value, label, value == a.decision) for value, label in decisions],
            holds_place=a.holds_place, released=a.decision == Decision.SELECTED and not a.holds_place,
            pass_wanted=a.expo_pass_wanted, pass_granted=a.pass_granted, nights_wanted=str(a.nights_wanted),
            nights_granted=str(a.nights_granted), euros_wanted=a.travel_support_wanted,
            euros_asked=str(a.travel_cost_estimate or 0), euros_granted=str(a.euros_granted),
            change_url=change_url(a.pk), decide_url=decide_url(a.pk), grant_url=grant_url(a.pk),
            tick_label=_("Tick %(name)s") % {"name": member.full_name},
            group_label=_("Decision for %(name)s") % {"name": member.full_name}))
    return rows
