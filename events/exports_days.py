"""City Managers Days lists for staff, streamed like every export (portal.exports: keyset pages,
CSV line by line, write-only XLSX): the confirmed participants, the dietary and accessibility needs,
and who goes on each site visit. Confirmed participants only. A cell a spreadsheet would run as a
formula (a name typed as ``=HYPERLINK(...)``) gets a leading apostrophe (community.exports._cell)."""

from collections.abc import Iterator

from django.db.models import Q

from community.exports import CHUNK, _cell
from community.models import Region
from portal.exports import csv_lines, keyset_pages, xlsx_file

from .models import Application, Confirmation, Session, SiteVisitPick

PARTICIPANT_COLUMNS = ["first_name", "last_name", "organisation", "country", "region", "email", "arrival",
                       "departure", "badge_name", "expo_pass", "nights_granted", "travel_support_eur"]
_PARTICIPANT_FIELDS = ["member__user__first_name", "member__user__last_name", "member__organisation__name",
                       "member__organisation__country", "member__organisation__region", "member__user__email",
                       "arrival_date", "departure_date", "badge_name", "pass_granted", "nights_granted",
                       "euros_granted"]

NEEDS_COLUMNS = ["first_name", "last_name", "organisation", "email", "dietary_needs", "accessibility_needs"]
_NEEDS_FIELDS = ["member__user__first_name", "member__user__last_name", "member__organisation__name",
                 "member__user__email", "dietary_needs", "accessibility_needs"]

SITE_VISIT_COLUMNS = ["site_visit", "starts_at", "first_name", "last_name", "organisation", "email"]
_SITE_VISIT_FIELDS = ["session_id", "session__starts_at", "application__member__user__first_name",
                      "application__member__user__last_name", "application__member__organisation__name",
                      "application__member__user__email"]


def participants(event):
    return Application.objects.filter(event=event, confirmation=Confirmation.CONFIRMED)


def with_needs(event):
    return participants(event).exclude(Q(dietary_needs="") & Q(accessibility_needs=""))


def site_visit_picks(event):
    return SiteVisitPick.objects.filter(session__event=event, application__confirmation=Confirmation.CONFIRMED)


def _participant_row(values) -> list:
    first, last, organisation, country, region, email, arrival, departure, badge, expo_pass, nights, euros = values
    return [_cell(first), _cell(last), _cell(organisation), country, str(Region(region).label) if region else "",
            _cell(email), arrival.isoformat() if arrival else "", departure.isoformat() if departure else "",
            _cell(badge), "yes" if expo_pass else "no", nights, euros]


def _rows(columns, queryset, fields, row=lambda values: [_cell(value) for value in values]) -> Iterator[list]:
    yield list(columns)
    for values in keyset_pages(queryset, fields, chunk=CHUNK):
        yield row(values)


EXPORTS = {
    # name -> (columns, queryset of the event, fields, row)
    "participants": (PARTICIPANT_COLUMNS, participants, _PARTICIPANT_FIELDS, _participant_row),
    "needs": (NEEDS_COLUMNS, with_needs, _NEEDS_FIELDS, None),
    "site-visits": (SITE_VISIT_COLUMNS, site_visit_picks, _SITE_VISIT_FIELDS, None),
}


def export_rows(name: str, event) -> Iterator[list]:
    columns, queryset, fields, row = EXPORTS[name]
    if name == "site-visits":
        # The visit's title in the page's language (a values() of "session__title" read the English column).
        titles = {session.pk: str(session.title) for session in Session.objects.filter(event=event)}

        def row(values):
            return [_cell(titles.get(values[0], "")), *(_cell(value) for value in values[1:])]
    return _rows(columns, queryset(event), fields, *([row] if row else []))


def export_csv(name: str, event) -> Iterator[str]:
    return csv_lines(export_rows(name, event))


def export_xlsx(name: str, event):
    return xlsx_file(export_rows(name, event), sheet=name)
