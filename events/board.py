"""The selection board's reads (the writes are ``events.days``): the applications ranked by score
with what the board shows of each, the regional balance and the decisions waiting to be sent.

A constant number of queries whatever the number of applications: the engagement of each member
(portrait submitted, webinar answer and attendance) comes as subqueries of the one page query.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum

from community.models import Region
from portal.numbers import decimal_input
from portal.numbers import euros as euros_text
from surveys.models import PortraitStatus, Respondent

from . import board_cache
from .days import ZERO, BudgetUse
from .models import (
    HOLDING_PLACE,
    Application,
    ApplicationStatus,
    Budget,
    Confirmation,
    Decision,
    Event,
    EventKind,
    Invitation,
    InvitationStatus,
)

PAGE_SIZE = 25


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


# What a row shows (``board_rows``): not the motivation and other long texts of each application.
ROW_FIELDS = ("event_id", "member_id", "status", "expo_pass_wanted", "first_night", "nights_wanted",
              "travel_support_wanted", "travel_cost_estimate", "score", "review_count", "decision", "decision_sent",
              "confirmation", "pass_granted", "nights_granted", "euros_granted",
              "member__job_title", "member__user_id", "member__organisation_id", "member__user__first_name",
              "member__user__last_name", "member__user__email", "member__organisation__name",
              "member__organisation__country", "member__organisation__region", "member__organisation__kind")


def with_engagement(event: Event, ids) -> list[Application]:
    """The applications ``ids``, in that order, with the member, organisation and engagement so far
    (``portrait_submitted``, ``webinar_rsvp``, ``webinar_attended``). Only a page's rows: PostgreSQL
    would otherwise work out the subqueries for every application before sorting them."""
    ids = list(ids)
    webinar = Invitation.objects.filter(
        member=OuterRef("member_id"), event__edition_id=event.edition_id, event__kind=EventKind.WEBINAR,
        status=InvitationStatus.INVITED).order_by("-event__starts_at")
    rows = Application.objects.filter(event=event, pk__in=ids).select_related(
        "member__user", "member__organisation").only(*ROW_FIELDS).order_by().annotate(
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


@dataclass(frozen=True)
class BoardSummary:
    """The board's figures: the meters (``use``), the regional balance and the decision counts."""

    use: BudgetUse
    regions: list[RegionBalance]
    counts: dict[str, int]


def _summary_figures(event: Event) -> dict:
    """Plain numbers (cached as they are, labels added when shown): per world region, the submitted
    applications, those selected and each decision's count; what the applications holding a place
    use of the budget; the budget's limits. One aggregate query and the budget's row."""
    submitted = Q(status=ApplicationStatus.SUBMITTED)
    holding = HOLDING_PLACE
    unsent = ~Q(decision=models.F("decision_sent"))
    aggregates = {"applied": Count("pk", filter=submitted), "selected_place": Count("pk", filter=submitted & holding),
                  "places": Count("pk", filter=holding), "passes": Count("pk", filter=holding & Q(pass_granted=True)),
                  "nights": Sum("nights_granted", filter=holding), "euros": Sum("euros_granted", filter=holding)}
    for value in Decision.values:
        aggregates[f"decision_{value}"] = Count("pk", filter=submitted & Q(decision=value))
        if value != Decision.PENDING:
            aggregates[f"to_send_{value}"] = Count("pk", filter=submitted & Q(decision=value) & unsent)
    rows = list(Application.objects.filter(event=event).values("member__organisation__region").order_by()
                .annotate(**aggregates))
    budget = Budget.objects.filter(event=event).first() or Budget(event=event)
    return {"regions": {row["member__organisation__region"]: row for row in rows},
            "budget": (budget.expo_passes, budget.accommodation_nights, budget.travel_support_euros)}


def board_summary(event: Event) -> BoardSummary:
    """The meters, regional balance and decision counts of ``event``, from the cache when no write
    changed them since (``events.board_cache``): no query then."""
    figures = board_cache.get_or_compute(event.pk, lambda: _summary_figures(event))
    by_region = figures["regions"]

    def total(name):
        return sum(row[name] or 0 for row in by_region.values())

    passes, nights, euros = figures["budget"]
    use = BudgetUse(places=event.capacity, places_used=total("places"), passes=passes, passes_used=total("passes"),
                    nights=nights, nights_used=total("nights"), euros=euros,
                    euros_used=Decimal(total("euros")).quantize(ZERO))
    regions = [RegionBalance(region=value, label=label, applied=by_region.get(value, {}).get("applied", 0),
                             selected=by_region.get(value, {}).get("selected_place", 0))
               for value, label in Region.choices]
    counts = {"all": total("applied"), **{value: total(f"decision_{value}") for value in Decision.values},
              **{f"to_send_{value}": total(f"to_send_{value}") for value in Decision.values
                 if value != Decision.PENDING}}
    counts["to_send"] = sum(counts[f"to_send_{value}"] for value in Decision.values if value != Decision.PENDING)
    return BoardSummary(use=use, regions=regions, counts=counts)


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
    """What a row of the board shows, as ready-made strings: each lookup, localised number, translation
    or tag in the rows' template costs, 25 times a page (see README, "Benchmarks")."""

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
    asked: str  # safe HTML: the lines escaped, joined by <br>
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
    nights_label: str
    euros_wanted: bool
    euros_asked: str
    euros_granted: str
    euros_label: str
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


def row_texts() -> dict[str, str]:
    """The words every row repeats, translated once a page (the rows' template shows ``texts.*``)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    # "sent" alone is also the outbox's column ("date d'envoi"): the badge says the decision was sent.
    return {"unscored": _("unscored"), "sent": pgettext("decision badge", "sent"), "draft": _("draft"),
            "pass": _("Expo pass"), "grant": _("Grant"), "released": _("Released"),
            "empty": _("No application here.")}


class _Memo(dict):
    """A translated or localised string per value, made once a page."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        self[key] = value = self.make(key)
        return value


def board_rows(applications, event: Event, decisions) -> list[BoardRow]:
    """The rows of ``applications`` (annotated by ``with_engagement``)."""
    from django.utils.formats import date_format
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from community.models import OrganisationKind

    regions = {value: str(label) for value, label in Region.choices}
    kinds = {value: str(label) for value, label in OrganisationKind.choices}
    decision_labels = {value: str(label) for value, label in Decision.choices}
    confirmation_labels = {value: str(label) for value, label in Confirmation.choices}
    decision_buttons = [(value, str(label)) for value, label in decisions]
    change_url = _url_maker("admin:events_application_change", None)
    decide_url = _url_maker("events:staff_board_decide", event.pk)
    grant_url = _url_maker("events:staff_board_grant", event.pk)
    texts = {"portrait": _("Portrait submitted"), "no_portrait": _("No submitted portrait"),
             "attended": _("Attended the webinar"), "yes": _("Webinar: said yes, not recorded as attending"),
             "no": _("Webinar: said no"), "none": _("Webinar: invited, no answer"),
             "not_invited": _("Not invited to the webinar"), "pass": _("Expo pass"), "nothing": _("Nothing")}
    tick, group = _("Tick %(name)s"), _("Decision for %(name)s")
    travel, nights_label, euros_label = _("%(euros)s EUR travel"), _("Nights (asked %(asked)s)"), _(
        "EUR (asked %(asked)s)")
    reviews = _Memo(lambda n: ngettext("%(counter)s review", "%(counter)s reviews", n) % {"counter": n})
    short_dates = _Memo(lambda day: date_format(day, "SHORT_DATE_FORMAT") if day else "")
    nights = _Memo(lambda key: ngettext("%(counter)s night from %(first)s", "%(counter)s nights from %(first)s",
                                        key[0]) % {"counter": key[0], "first": short_dates[key[1]]})
    sent_notes = _Memo(lambda sent: _("(%(sent)s was sent)") % {"sent": decision_labels[sent]})
    rows = []
    for a in applications:
        member, organisation = a.member, a.member.organisation
        name = member.full_name
        if a.webinar_attended:
            webinar = texts["attended"]
        elif a.webinar_rsvp is None:
            webinar = texts["not_invited"]
        else:
            webinar = texts.get(a.webinar_rsvp, texts["none"])
        asked = [texts["pass"]] if a.expo_pass_wanted else []
        if a.nights_wanted:
            asked.append(nights[a.nights_wanted, a.first_night])
        if a.travel_support_wanted:
            asked.append(travel % {"euros": euros_text(a.travel_cost_estimate or 0)})
        state = "" if a.decision == Decision.PENDING else ("sent" if a.decision == a.decision_sent else "draft")
        sent_note = sent_notes[a.decision_sent] if state == "draft" and a.decision_sent != Decision.PENDING else ""
        holds_place = a.holds_place
        euros_asked = str(a.travel_cost_estimate or 0)
        rows.append(BoardRow(
            application=a, pk=str(a.pk), name=name, job_title=member.job_title,
            organisation=organisation.name, country=organisation.country.code if organisation.country else "",
            region=regions.get(organisation.region, organisation.region),
            kind=kinds.get(organisation.kind, organisation.kind),
            portrait=texts["portrait"] if a.portrait_submitted else texts["no_portrait"], webinar=webinar,
            asked=mark_safe("<br>".join(escape(line) for line in asked or [texts["nothing"]])),
            score="" if a.score is None else decimal_input(a.score),
            reviews=reviews[a.review_count],
            decision=a.decision, decision_label=decision_labels[a.decision], state=state, sent_note=sent_note,
            confirmation=confirmation_labels[a.confirmation] if a.confirmation else "",
            buttons=[(value, label, value == a.decision) for value, label in decision_buttons],
            holds_place=holds_place, released=a.decision == Decision.SELECTED and not holds_place,
            pass_wanted=a.expo_pass_wanted, pass_granted=a.pass_granted, nights_wanted=str(a.nights_wanted),
            nights_granted=str(a.nights_granted), nights_label=nights_label % {"asked": a.nights_wanted},
            euros_wanted=a.travel_support_wanted, euros_asked=euros_asked, euros_granted=str(a.euros_granted),
            euros_label=euros_label % {"asked": euros_text(euros_asked)},
            change_url=change_url(a.pk), decide_url=decide_url(a.pk), grant_url=grant_url(a.pk),
            tick_label=tick % {"name": name}, group_label=group % {"name": name}))
    return rows
