"""Findings of the HTTP attack on City Managers Days and the webinar attendance import, each held
by a test that failed before its fix. (What held without a change is listed in the branch's report.)"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.models import AuditEntry
from events import attendance
from events.models import Event, Invitation

from .test_attendance import ZOOM, attendance_of, confirm, invitees, upload  # noqa: F401 - a fixture

ATTENDANCE_IMPORTED = "event.attendance_imported"

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------ the attendance import
# str.splitlines() breaks at these too, the upload's row limit (portal.imports) does not.
EXOTIC_BREAKS = ["\x1c", "\x1d", "\x1e", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("line_break", EXOTIC_BREAKS)
def test_a_report_cannot_hide_rows_from_the_row_limit_with_other_line_breaks(settings, line_break):
    """A file that is one line for the row limit held 20,000 rows once read (and took minutes)."""
    settings.IMPORT_MAX_ROWS = 50
    data = ("Email,Minutes" + line_break + ("ana@barcelona.example,45" + line_break) * 51 + "\n").encode()
    try:
        report = attendance.read_report(data)
    except ValidationError as error:
        # One line, as the row limit counted it: the separators stay inside the header's cells.
        assert error.code in ("too_many_rows", "no_rows")
    else:
        assert len(report.rows) <= settings.IMPORT_MAX_ROWS


def test_a_report_over_the_row_limit_once_decoded_is_refused(settings):
    settings.IMPORT_MAX_ROWS = 50
    with pytest.raises(ValidationError) as caught:
        attendance.read_report(("Email,Minutes\r" + "ana@barcelona.example,45\r\n" * 51).encode("utf-16"))
    assert caught.value.code == "too_many_rows"
    assert len(attendance.read_report(("Email,Minutes\n" + "ana@barcelona.example,45\n" * 50).encode()).rows) == 50


def test_the_upload_page_refuses_rows_hidden_behind_other_line_breaks(client, staff, webinar, settings):
    client.force_login(staff)
    settings.IMPORT_MAX_ROWS = 50
    response = upload(client, webinar, "Email,Minutes\x1c" + "ana@barcelona.example,45\x1c" * 60 + "\n")
    assert response.status_code == 200
    assert response.context["form"].errors["report"] == ["This file has a header row but no attendee."]
    assert not Invitation.objects.filter(event=webinar, minutes_attended__isnull=False).exists()


def test_finding_the_header_reads_each_row_a_bounded_number_of_times(monkeypatch):
    """Each row naming "email" made the header search read every row below it again: 4,000 such
    rows took 12 s, 20,000 took 220 s (a worker held by one upload). Counted, not timed: the cells'
    ``strip`` calls grow with the rows, not with their square."""
    calls = {"strip": 0}

    class Cell(str):
        def strip(self, *args):
            calls["strip"] += 1
            return str.strip(self, *args)

    real_reader = attendance.csv.reader

    def counting_reader(lines, **kwargs):
        for row in real_reader(lines, **kwargs):
            yield [Cell(cell) for cell in row]

    monkeypatch.setattr(attendance.csv, "reader", counting_reader)
    rows = 400
    lines = ["Email,Minutes"] + ["x.email@example.org,email"] * rows
    attendance._header_position(lines)
    # Three separators, two cells a row, a few reads each: linear. Before: about rows * rows / 2.
    assert calls["strip"] <= 3 * 2 * 4 * (rows + 1)
    assert attendance._header_position(lines) == (",", 0)


def test_the_header_is_still_the_one_with_the_most_rows_under_it():
    lines = ["Meeting,Email,Minutes", "m,host@x.example,90", "", "Name,User Email,Duration (Minutes)",
             "Ana,ana@x.example,4", "Kim,kim@x.example,5", "", "Other,email", "a,b"]
    assert attendance._header_position(lines) == (",", 3)


@pytest.mark.usefixtures("invitees")
def test_an_upload_is_recorded_only_on_the_event_it_was_previewed_on(client, staff, webinar):
    """The confirm step read the upload by its name alone: posted to another event's confirm URL, the
    report previewed for the webinar was recorded on that event (its invitees' minutes, its audit)."""
    other = Event.objects.create(edition=webinar.edition, kind=webinar.kind, title="Another webinar",
                                 starts_at=webinar.starts_at, ends_at=webinar.ends_at)
    client.force_login(staff)
    preview = upload(client, webinar, ZOOM)
    form = preview.context["form"]
    data = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields
            if form[name].value() is not False}
    response = client.post(reverse("admin:events_event_attendance_confirm", args=[other.pk]), data)
    assert response.status_code == 302
    assert "not uploaded in this session" in client.get(response.url).content.decode()
    assert not AuditEntry.objects.filter(action=ATTENDANCE_IMPORTED).exists()
    assert confirm(client, webinar, preview).status_code == 200  # on its own event it still goes through
    assert attendance_of(webinar)["ana@barcelona.example"] == (True, 84)
    assert AuditEntry.objects.filter(action=ATTENDANCE_IMPORTED).count() == 1
