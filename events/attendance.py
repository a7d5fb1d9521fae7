"""Reading a meeting tool's attendance report (Zoom, Microsoft Teams, Webex...) for the attendance
import. Pure functions: no database; ``events.services.attendance_import`` writes.

- ``read_report`` decodes the upload (``portal.import_ui.decode_text``: UTF-8 with or without a
  BOM, UTF-16 as Teams writes it, Windows' encoding), picks the separator (",", ";" or tab) and the
  header row: the first row naming an email column (Zoom and Teams put a meeting summary above the
  participants), else the first row. The participants end at the first blank row (Teams appends
  other sections after one).
- ``guess_columns`` proposes the email and minutes columns from their names.
- ``parse_minutes`` reads "42", "42.5", "0:42:10", "1h 2m 3s" or "42m 10s".
- ``attendance_rows`` turns the rows into addresses and minutes: several rows of one address (people
  who rejoin) are summed; rows identical in every column are counted once and reported; invalid
  addresses and unreadable minutes are listed by their line number in the file.
"""

import csv
import math
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from community.addresses import normalize_email
from portal.import_ui import decode_text

DELIMITERS = (",", ";", "\t")
# The line breaks the upload's row limit counts (portal.imports: "\n", "\r", "\r\n"). Not
# str.splitlines(), which also breaks at \x0b, \x0c, \x1c-\x1e, \x85, \u2028 and \u2029: a file of
# one counted line could then hold a million rows.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
PREVIEW_ROWS = 10
EMAIL_HEADERS = ("email", "user email", "attendee email", "participant email", "e-mail", "email address",
                 "user email address", "correo", "courriel", "adresse e-mail", "correo electrónico", "upn")
MINUTES_HEADERS = ("duration (minutes)", "time in session (minutes)", "minutes attended", "minutes",
                   "attendance duration", "in-meeting duration", "duration", "time in session", "total duration",
                   "attended minutes", "durée", "duración")
MAX_MINUTES = 7 * 24 * 60  # a week: more is a wrong column, not a meeting


@dataclass
class Report:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)

    def preview(self) -> list[list[str]]:
        return [cells for _line, cells in self.rows[:PREVIEW_ROWS]]


def _normal_header(name: str) -> str:
    return " ".join(name.strip().strip('"').lower().split())


def _is_email_header(name: str) -> bool:
    name = _normal_header(name)
    return name in EMAIL_HEADERS or "email" in name or "e-mail" in name


def read_report(data: bytes) -> Report:
    """The header and the data rows of an uploaded report. Raises ValidationError with a message
    for staff when it is not a CSV with a header and at least one row."""
    if not data.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise ValidationError(_("This file is empty."), code="empty")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise ValidationError(_("This is not a CSV file (a spreadsheet or a PDF?). Export the attendance report as "
                                "CSV and upload that file."), code="not_csv")
    text = decode_text(data)
    if "\x00" in text:
        raise ValidationError(_("This is not a CSV file. Export the attendance report as CSV and upload that file."),
                              code="not_csv")
    lines = LINE_BREAK.split(text)
    if lines and not lines[-1]:
        lines.pop()  # the file's last line break
    if len(lines) > settings.IMPORT_MAX_ROWS + 1:  # the header line, then the rows (as portal.imports counts)
        raise ValidationError(_("This file has more than %(limit)s rows; an import takes at most %(limit)s. Split it "
                                "into smaller files."), params={"limit": f"{settings.IMPORT_MAX_ROWS:,}"},
                              code="too_many_rows")
    try:
        delimiter, start = _header_position(lines)
        parsed = csv.reader(lines[start:], delimiter=delimiter)
        header = [cell.strip() for cell in next(parsed, [])]
        rows = []
        for offset, cells in enumerate(parsed, start=start + 2):
            if not any(cell.strip() for cell in cells):
                if rows:
                    break  # this table ends here (Teams and Zoom put other tables after a blank line)
                continue
            rows.append((offset, [cell.strip() for cell in cells]))
    except csv.Error:
        raise ValidationError(_("This file could not be read as CSV. Export the attendance report as CSV and upload "
                                "that file."), code="not_csv") from None
    if len(header) > settings.IMPORT_MAX_COLUMNS:
        raise ValidationError(_("This file has more than %(limit)s columns."),
                              params={"limit": settings.IMPORT_MAX_COLUMNS}, code="too_many_columns")
    if len(header) < 2:
        raise ValidationError(_("This file has fewer than two columns: it needs at least the email and the minutes "
                                "attended, with their names in the first row."), code="columns")
    if not rows:
        raise ValidationError(_("This file has a header row but no attendee."), code="no_rows")
    return Report(header=header, rows=rows)


def _header_position(lines: list[str]) -> tuple[str, int]:
    """(separator, index of the header line). A report may hold several tables separated by blank
    lines (Zoom: the meeting, then its participants; Teams: summary, participants, activities): the
    header is the one naming an email column with the most rows under it."""
    best = None  # (rows under it, width, separator, index)
    for delimiter in DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delimiter))
        # filled[i]: the rows from i on before a blank one, counted once from the end (linear: a file
        # whose every row names "email" must not cost rows x rows).
        filled = [0] * (len(rows) + 1)
        for index in range(len(rows) - 1, -1, -1):
            filled[index] = filled[index + 1] + 1 if any(cell.strip() for cell in rows[index]) else 0
        for index, cells in enumerate(rows):
            if len(cells) > 1 and any(_is_email_header(cell) for cell in cells):
                candidate = (filled[index + 1], len(cells), delimiter, index)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
    if best is not None:
        return best[2], best[3]
    first = next((line for line in lines if line.strip()), "")  # no email column by name: the first line
    return max(DELIMITERS, key=first.count), lines.index(first) if first in lines else 0


def guess_columns(header: list[str]) -> tuple[int | None, int | None]:
    """The indexes of the email and the minutes columns, guessed from their names (None: no guess)."""
    names = [_normal_header(name) for name in header]
    email = next((i for i, name in enumerate(names) if name in EMAIL_HEADERS), None)
    if email is None:
        email = next((i for i, name in enumerate(names) if _is_email_header(name)), None)
    minutes = None
    for wanted in MINUTES_HEADERS:  # in order of preference: Zoom's "(minutes)" before a bare "duration"
        minutes = next((i for i, name in enumerate(names) if name == wanted), None)
        if minutes is not None:
            break
    if minutes is None:
        minutes = next((i for i, name in enumerate(names) if "minute" in name or "duration" in name), None)
    return email, minutes


_CLOCK = re.compile(r"(\d{1,3}):([0-5]?\d)(?::([0-5]?\d))?")
_UNITS = re.compile(r"(?:(\d+)\s*h(?:ours?|rs?)?)?\s*"  # 1h 2m 3s, 42 min, 30m 12s
                    r"(?:(\d+)\s*m(?:in(?:utes?|s)?)?)?\s*"
                    r"(?:(\d+)\s*s(?:ec(?:onds?|s)?)?)?", re.I)


def parse_minutes(value: str) -> int | None:
    """Whole minutes (rounded down) from a cell, or None when it is not a duration."""
    value = (value or "").strip()
    if not value:
        return None
    number = value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
    try:
        minutes = float(number)
    except ValueError:
        minutes = None
    if minutes is None:
        if clock := _CLOCK.fullmatch(value):  # h:mm:ss, or h:mm
            hours, mins, secs = (int(part or 0) for part in clock.groups())
            minutes = hours * 60 + mins + secs / 60
        elif (units := _UNITS.fullmatch(value)) and any(units.groups()):
            hours, mins, secs = (int(part or 0) for part in units.groups())
            minutes = hours * 60 + mins + secs / 60
        else:
            return None
    if not math.isfinite(minutes) or minutes < 0 or minutes > MAX_MINUTES:
        return None
    return int(minutes)


@dataclass
class AttendanceRows:
    minutes: dict[str, int] = field(default_factory=dict)  # normalised address -> minutes summed
    invalid_addresses: list[tuple[int, str]] = field(default_factory=list)  # (line, what the cell held)
    bad_minutes: list[tuple[int, str, str]] = field(default_factory=list)  # (line, address, the cell)
    duplicates: list[int] = field(default_factory=list)  # lines identical to an earlier one, counted once
    rows: int = 0


def attendance_rows(report: Report, *, email_column: int, minutes_column: int) -> AttendanceRows:
    """Addresses and their minutes from the chosen columns (see the module's docstring)."""
    out = AttendanceRows(rows=len(report.rows))
    seen = set()
    for line, cells in report.rows:
        key = tuple(cells)
        if key in seen:
            out.duplicates.append(line)
            continue
        seen.add(key)
        raw_email = cells[email_column] if email_column < len(cells) else ""
        raw_minutes = cells[minutes_column] if minutes_column < len(cells) else ""
        try:
            address = normalize_email(raw_email)
        except ValidationError:
            out.invalid_addresses.append((line, raw_email[:200]))
            continue
        minutes = parse_minutes(raw_minutes)
        if minutes is None:
            out.bad_minutes.append((line, address, raw_minutes[:100]))
            continue
        out.minutes[address] = out.minutes.get(address, 0) + minutes
    return out
