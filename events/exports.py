"""Streamed exports of an event's invitations (CSV, XLSX), like community.exports: keyset pages,
formula cells escaped. Never the join link (it is on the event, not in these columns)."""

from collections.abc import Iterator
from datetime import UTC

from community.exports import CHUNK, _cell
from portal.exports import csv_lines, keyset_pages, xlsx_file

INVITATION_EXPORT_COLUMNS = ["name", "email", "organisation", "region", "language", "status", "answer",
                             "answered_at", "attended", "minutes"]
_FIELDS = ["member__user__first_name", "member__user__last_name", "member__user__email",
           "member__organisation__name", "member__organisation__region", "member__preferred_language",
           "status", "rsvp", "rsvp_at", "attended", "minutes_attended"]


def _row(values) -> list:
    first, last, email, organisation, region, language, status, rsvp, rsvp_at, attended, minutes = values
    return [
        _cell(f"{first} {last}".strip()), _cell(email), _cell(organisation), _cell(region), _cell(language),
        status, rsvp,
        rsvp_at.astimezone(UTC).isoformat() if rsvp_at else "",  # UTC ISO 8601, whatever the server's zone
        "" if attended is None else ("yes" if attended else "no"),
        "" if minutes is None else minutes,
    ]


def invitation_export_rows(queryset) -> Iterator[list]:
    """The header, then one list per invitation of ``queryset`` (any filters kept), by id pages."""
    yield list(INVITATION_EXPORT_COLUMNS)
    for row in keyset_pages(queryset, _FIELDS, chunk=CHUNK):
        yield _row(row)


def invitation_export_csv(queryset) -> Iterator[str]:
    return csv_lines(invitation_export_rows(queryset))


def invitation_export_xlsx(queryset):
    return xlsx_file(invitation_export_rows(queryset), sheet="invitations")
