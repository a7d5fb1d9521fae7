"""Streamed exports of an event's invitations (CSV, XLSX), like community.exports: keyset pages,
formula cells escaped. Never the join link (it is on the event, not in these columns)."""

import csv
import tempfile
from collections.abc import Iterator
from datetime import UTC

from community.exports import CHUNK, _cell, _Echo

INVITATION_EXPORT_COLUMNS = ["name", "email", "organisation", "region", "language", "status", "answer",
                             "answered_at", "attended", "minutes"]
_FIELDS = ["pk", "member__user__first_name", "member__user__last_name", "member__user__email",
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
    page = queryset.order_by("pk").values_list(*_FIELDS)
    last = 0
    while True:
        rows = list(page.filter(pk__gt=last)[:CHUNK])
        if not rows:
            return
        for row in rows:
            yield _row(row[1:])
        last = rows[-1][0]


def invitation_export_csv(queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in invitation_export_rows(queryset):
        yield writer.writerow(row)


def invitation_export_xlsx(queryset):
    """The open temporary file, at its start, for a FileResponse to stream."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("invitations")
    for row in invitation_export_rows(queryset):
        sheet.append(row)
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse that streams it
    workbook.save(output)
    output.seek(0)
    return output
