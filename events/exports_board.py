"""Streamed exports of an event's applications (CSV, XLSX) from the applications' admin, like
events.exports: keyset pages (portal.exports), formula cells escaped. What staff need to see the
selection outside the portal: who, the scores, the decisions, the benefits, the confirmation."""

from collections.abc import Iterator
from datetime import date, datetime

from community.exports import CHUNK, _cell
from portal.exports import csv_lines, keyset_pages, xlsx_file

APPLICATION_EXPORT_COLUMNS = [
    "name", "email", "organisation", "country", "region", "kind", "language", "status", "submitted_at", "score",
    "reviews", "pass_wanted", "nights_wanted", "first_night", "travel_support_wanted", "travel_cost_estimate",
    "decision", "decision_sent", "decision_sent_at", "pass_granted", "nights_granted", "euros_granted",
    "confirmation", "confirm_by", "confirmed_at"]
_FIELDS = ["member__user__first_name", "member__user__last_name", "member__user__email",
           "member__organisation__name", "member__organisation__country", "member__organisation__region",
           "member__organisation__kind", "member__preferred_language", "status", "submitted_at", "score",
           "review_count", "expo_pass_wanted", "nights_wanted", "first_night", "travel_support_wanted",
           "travel_cost_estimate", "decision", "decision_sent", "decision_sent_at", "pass_granted", "nights_granted",
           "euros_granted", "confirmation", "confirm_by", "confirmed_at"]


def _value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "quantize"):
        return str(value)
    return _cell(value)


def _row(values) -> list:
    first, last, *rest = values
    return [_cell(f"{first} {last}".strip()), *(_value(value) for value in rest)]


def application_export_rows(queryset) -> Iterator[list]:
    """The header, then one list per application of ``queryset`` (any filters kept), by id pages."""
    yield list(APPLICATION_EXPORT_COLUMNS)
    for row in keyset_pages(queryset, _FIELDS, chunk=CHUNK):
        yield _row(row)


def application_export_csv(queryset) -> Iterator[str]:
    return csv_lines(application_export_rows(queryset))


def application_export_xlsx(queryset):
    return xlsx_file(application_export_rows(queryset), sheet="applications")
