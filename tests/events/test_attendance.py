"""Issue 10, item 7: attendance, imported from the meeting tool's CSV (upload, preview and columns,
confirm, result) or marked by hand; ``attended_member_ids`` is what City Managers Days reads."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from community import second_factor
from community.models import AuditEntry
from events import services
from events.attendance import attendance_rows, guess_columns, parse_minutes, read_report
from events.models import Invitation
from tests.conftest import STAFF_TOTP_SECRET

from ..factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

ZOOM = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
    "81234,Green infrastructure webinar,07/16/2020 14:00,07/16/2020 15:30,host@secretariat.example,90,4\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Ana,Ana@Barcelona.example,07/16/2020 14:01,07/16/2020 14:40,39,No\n"
    "Ana,ana@barcelona.example,07/16/2020 14:45,07/16/2020 15:30,45,No\n"  # rejoined: 84 in all
    "Kim,kim@seoul.example,07/16/2020 14:00,07/16/2020 14:05,5,No\n"  # below the 10-minute threshold
    "Stranger,nobody@nowhere.example,07/16/2020 14:00,07/16/2020 15:00,60,Yes\n"
    "Colleague,colleague@barcelona.example,07/16/2020 14:00,07/16/2020 15:00,60,No\n"
)


@pytest.fixture
def invitees(webinar):
    ana = MemberFactory(user__email="ana@barcelona.example")
    kim = MemberFactory(user__email="kim@seoul.example")
    absent = MemberFactory(user__email="absent@lagos.example")
    MemberFactory(user__email="colleague@barcelona.example")  # a member, not invited
    return {m.user.email: Invitation.objects.create(event=webinar, member=m) for m in (ana, kim, absent)}


def attendance_of(webinar):
    return {i.member.user.email: (i.attended, i.minutes_attended)
            for i in Invitation.objects.filter(event=webinar).select_related("member__user")}


def upload(client, webinar, content, name="participants.csv"):
    report = io.BytesIO(content if isinstance(content, bytes) else content.encode())
    report.name = name
    return client.post(reverse("admin:events_event_attendance", args=[webinar.pk]), {"report": report})


def confirm(client, webinar, preview, **changes):
    form = preview.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data.update(changes)
    return client.post(reverse("admin:events_event_attendance_confirm", args=[webinar.pk]), data)


# ------------------------------------------------------------------------------ reading the report
def test_zoom_report_with_its_meeting_summary_above_the_participants():
    report = read_report(ZOOM.encode())
    assert report.header[:2] == ["Name (Original Name)", "User Email"]
    assert guess_columns(report.header) == (1, 4)
    rows = attendance_rows(report, email_column=1, minutes_column=4)
    assert rows.minutes["ana@barcelona.example"] == 84
    assert rows.rows == 5 and not rows.bad_minutes and not rows.invalid_addresses


def test_teams_report_in_utf16_with_tabs_and_sections():
    teams = ("1. Summary\nMeeting title\tGreen infrastructure webinar\nAttended participants\t2\n\n"
             "2. Participants\nName\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tRole\n"
             "Ana García\t7/16/20, 2:01 PM\t7/16/20, 3:30 PM\t1h 29m 3s\tana@barcelona.example\tAttendee\n"
             "Kim\t7/16/20, 2:00 PM\t7/16/20, 2:30 PM\t30m 12s\tkim@seoul.example\tAttendee\n\n"
             "3. In-Meeting Activities\nName\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n")
    report = read_report(teams.encode("utf-16"))
    assert report.header[4] == "Email" and report.rows[0][1][0] == "Ana García"
    assert guess_columns(report.header) == (4, 3)
    assert attendance_rows(report, email_column=4, minutes_column=3).minutes == {
        "ana@barcelona.example": 89, "kim@seoul.example": 30}


@pytest.mark.parametrize("encoded", [
    "\ufeffAttendee Email;Time in Session (minutes)\nana@barcelona.example;42\n".encode(),  # BOM, ";"
    "Attendee Email;Time in Session (minutes)\nana@barcelona.example;42\n".encode("cp1252"),
    "Attendee Email,Time in Session (minutes)\nana@barcelona.example,42\n".encode("utf-16-le"),  # no BOM
    "Attendee Email\tTime in Session (minutes)\r\nana@barcelona.example\t42\r\n".encode("utf-16"),
])
def test_encodings_bom_and_separators(encoded):
    report = read_report(encoded)
    assert report.header == ["Attendee Email", "Time in Session (minutes)"]
    assert guess_columns(report.header) == (0, 1)
    assert attendance_rows(report, email_column=0, minutes_column=1).minutes == {"ana@barcelona.example": 42}


def test_latin1_names_are_read():
    report = read_report("Nom,Email,Durée\nJosé Müller,jose@quito.example,33\n".encode("latin-1"))
    assert report.rows[0][1][0] == "José Müller"
    assert guess_columns(report.header) == (1, 2)


@pytest.mark.parametrize(("cell", "minutes"), [
    ("42", 42), ("42.9", 42), ("42,5", 42), ("0:42:10", 42), ("1:02:00", 62), ("1h 2m 3s", 62), ("42m 10s", 42),
    ("45 min", 45), ("", None), ("abc", None), ("-3", None), ("nan", None), ("inf", None), ("1e9", None),
])
def test_minutes_formats(cell, minutes):
    assert parse_minutes(cell) == minutes


def test_identical_rows_count_once_and_bad_cells_are_listed():
    report = read_report(b"Email,Minutes\nana@b.example,30\nana@b.example,30\nana@b.example,20\n"
                         b"kim@s.example,soon\nnot an address,10\n")
    rows = attendance_rows(report, email_column=0, minutes_column=1)
    assert rows.minutes == {"ana@b.example": 50}
    assert rows.duplicates == [3]
    assert rows.bad_minutes == [(5, "kim@s.example", "soon")]
    assert rows.invalid_addresses == [(6, "not an address")]


# ------------------------------------------------------------------------------ the service
def test_import_sets_minutes_and_attendance_and_reports_the_rest(webinar, invitees, staff):
    rows = attendance_rows(read_report(ZOOM.encode()), email_column=1, minutes_column=4)
    result = services.attendance_import(event=webinar, minutes=rows.minutes, by=staff, source="zoom.csv")
    assert attendance_of(webinar) == {"ana@barcelona.example": (True, 84), "kim@seoul.example": (False, 5),
                                      "absent@lagos.example": (None, None)}
    assert (result.matched, len(result.updated), result.unchanged, result.attended) == (2, 2, 0, 1)
    assert result.unknown == ["nobody@nowhere.example"]
    assert result.not_invited == ["colleague@barcelona.example"]
    assert Invitation.objects.filter(event=webinar).count() == 3  # nobody invited by an import
    assert services.attended_member_ids(webinar) == {invitees["ana@barcelona.example"].member_id}
    entry = AuditEntry.objects.get(action="event.attendance_imported")
    assert entry.actor == staff and entry.after["updated"] == 2 and entry.after["file"] == "zoom.csv"


def test_importing_twice_changes_nothing(webinar, invitees, staff):
    rows = attendance_rows(read_report(ZOOM.encode()), email_column=1, minutes_column=4)
    services.attendance_import(event=webinar, minutes=rows.minutes, by=staff)
    before = attendance_of(webinar)
    again = services.attendance_import(event=webinar, minutes=rows.minutes, by=staff)
    assert attendance_of(webinar) == before
    assert (again.matched, again.updated, again.unchanged) == (2, [], 2)


def test_the_threshold_decides_and_a_verified_second_address_matches(webinar, invitees, staff):
    kim = invitees["kim@seoul.example"].member
    EmailAddress.objects.create(user=kim.user, email="kim.home@seoul.example", verified=True, primary=False)
    services.attendance_import(event=webinar, minutes={"kim.home@seoul.example": 5}, by=staff, min_minutes=5)
    assert attendance_of(webinar)["kim@seoul.example"] == (True, 5)


def test_mark_by_hand_is_audited_and_keeps_the_minutes(webinar, invitees, staff):
    kim = invitees["kim@seoul.example"]
    Invitation.objects.filter(pk=kim.pk).update(attended=False, minutes_attended=5)
    assert services.attendance_mark(invitations=[kim.pk], attended=True, by=staff) == 1
    assert services.attendance_mark(invitations=[kim.pk], attended=True, by=staff) == 0  # already
    assert attendance_of(webinar)["kim@seoul.example"] == (True, 5)
    entry = AuditEntry.objects.get(action="event.attendance_marked")
    assert entry.after["invitations"] == [kim.pk] and entry.after["before"] == {str(kim.pk): False}


# ------------------------------------------------------------------------------ the staff pages
def test_upload_preview_confirm_result_then_again_unchanged(client, staff, webinar, invitees):
    client.force_login(staff)
    change = client.get(reverse("admin:events_event_change", args=[webinar.pk])).content.decode()
    assert reverse("admin:events_event_attendance", args=[webinar.pk]) in change
    assert client.get(reverse("admin:events_event_attendance", args=[webinar.pk])).status_code == 200
    preview = upload(client, webinar, ZOOM)
    assert preview.status_code == 200
    form = preview.context["form"]
    assert (form["email_column"].value(), form["minutes_column"].value()) == (1, 4)  # guessed from the names
    assert form["min_minutes"].value() == 10
    page = preview.content.decode()
    assert "Ana@Barcelona.example" in page and "User Email" in page  # the first rows, as in the file
    assert attendance_of(webinar)["ana@barcelona.example"] == (None, None)  # nothing yet
    result = confirm(client, webinar, preview)
    assert result.status_code == 200
    page = result.content.decode()
    assert 'data-updated="2"' in page and "nobody@nowhere.example" in page and "colleague@barcelona.example" in page
    assert attendance_of(webinar)["ana@barcelona.example"] == (True, 84)
    # The same upload cannot be confirmed twice; the same file uploaded again changes nothing.
    twice = confirm(client, webinar, preview)
    assert twice.status_code == 302 and "cannot be confirmed" in client.get(twice.url).content.decode()
    again = confirm(client, webinar, upload(client, webinar, ZOOM))
    assert 'data-updated="0"' in again.content.decode() and 'data-unchanged="2"' in again.content.decode()
    assert AuditEntry.objects.filter(action="event.attendance_imported").count() == 2


def test_threshold_from_the_form(client, staff, webinar, invitees):
    client.force_login(staff)
    confirm(client, webinar, upload(client, webinar, ZOOM), min_minutes="90")
    assert attendance_of(webinar)["ana@barcelona.example"] == (False, 84)


def test_non_numeric_minutes_change_nothing_unless_skipped(client, staff, webinar, invitees):
    client.force_login(staff)
    content = "Email,Duration (Minutes)\nana@barcelona.example,45\nkim@seoul.example,about an hour\n"
    preview = upload(client, webinar, content)
    refused = confirm(client, webinar, preview)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Nothing was imported" in page and "Line 3: kim@seoul.example" in page
    assert attendance_of(webinar)["ana@barcelona.example"] == (None, None)
    done = confirm(client, webinar, preview, skip_bad_rows="on")
    assert "about an hour" in done.content.decode()
    assert attendance_of(webinar)["ana@barcelona.example"] == (True, 45)
    assert attendance_of(webinar)["kim@seoul.example"] == (None, None)


@pytest.mark.parametrize(("changes", "message"), [
    ({"email_column": "0"}, "No row of this column holds an email address"),  # the names
    ({"minutes_column": "2"}, "No row of this column holds a number of minutes"),  # join times
    ({"minutes_column": "1"}, "Pick two different columns"),
    ({"email_column": "99"}, "Select a valid choice"),
    ({"email_column": "x"}, "Select a valid choice"),
    ({"min_minutes": "-1"}, "greater than or equal to 0"),
    ({"min_minutes": "many"}, "Enter a whole number"),
])
def test_wrong_columns_get_a_message_and_change_nothing(client, staff, webinar, invitees, changes, message):
    client.force_login(staff)
    preview = upload(client, webinar, ZOOM)
    response = confirm(client, webinar, preview, **changes)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Invitation.objects.filter(event=webinar, minutes_attended__isnull=False).exists()
    assert confirm(client, webinar, preview).status_code == 200  # still confirmable after the correction
    assert attendance_of(webinar)["ana@barcelona.example"] == (True, 84)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "file is empty"),  # Django's FileField: "The submitted file is empty."
    (b"\xef\xbb\xbf\r\n", "This file is empty"),
    (b"Email,Minutes\n", "a header row but no attendee"),
    (b"just one column\nana@barcelona.example\n", "fewer than two columns"),
    (b"PK\x03\x04\x14\x00\x00\x00binary", "This is not a CSV file"),
    (b"%PDF-1.4 a report", "This is not a CSV file"),
])
def test_unusable_files_get_a_clear_message(client, staff, webinar, invitees, content, message):
    client.force_login(staff)
    response = upload(client, webinar, content)
    assert response.status_code == 200 and message in response.content.decode()
    assert "form" in response.context and not response.context["form"].is_valid()


def test_huge_files_are_refused_before_reading(client, staff, webinar, invitees, settings):
    client.force_login(staff)
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(client, webinar, "Email,Minutes\n" + "ana@barcelona.example,45\n" * 100)
    assert "an import takes at most" in response.content.decode()
    settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS = 5 * 2**20, 10
    response = upload(client, webinar, "Email,Minutes\n" + "ana@barcelona.example,45\n" * 11)
    assert "more than 10 rows" in response.content.decode()
    assert not Invitation.objects.filter(event=webinar, minutes_attended__isnull=False).exists()


def test_nasty_cells_never_give_a_500(client, staff, webinar, invitees):
    client.force_login(staff)
    assert "This is not a CSV file" in upload(client, webinar, "Email,Minutes\n\x00,1\n").content.decode()
    nasty = ("Email,Minutes\n\"ana@barcelona.example\u200b\",45\n<script>x</script>@a.b,\u202e12\n"
             "absent@lagos.example,50\nkim@seoul.example,\"unterminated\n" + "x" * 10_000 + "@a.example,1\n")
    preview = upload(client, webinar, nasty)
    assert preview.status_code == 200 and "<script>x</script>" not in preview.content.decode()
    response = confirm(client, webinar, preview, skip_bad_rows="on")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>x</script>" not in page and "Line 2:" in page  # the invisible character: not an address
    assert "Line 5: kim@seoul.example" in page  # the quote left open swallowed the rest: not minutes
    assert attendance_of(webinar) == {"ana@barcelona.example": (None, None), "kim@seoul.example": (None, None),
                                      "absent@lagos.example": (True, 50)}


# ------------------------------------------------------------------------------ who may
@pytest.fixture
def staff_without_permission(db):
    user = UserFactory(email="helper@secretariat.example", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_event", "view_invitation"]))
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)
    return user


def test_who_may_import(client, member, staff_without_permission, webinar, invitees):
    url = reverse("admin:events_event_attendance", args=[webinar.pk])
    confirm_url = reverse("admin:events_event_attendance_confirm", args=[webinar.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login
    client.force_login(member.user)
    assert client.get(url).status_code in (302, 403)
    assert client.post(confirm_url, {"upload": "0" * 32}).status_code in (302, 403)
    client.force_login(staff_without_permission)
    assert client.get(url).status_code == 403
    assert upload(client, webinar, ZOOM).status_code == 403
    assert client.post(confirm_url, {"upload": "0" * 32}).status_code == 403
    change = client.get(reverse("admin:events_event_change", args=[webinar.pk])).content.decode()
    assert url not in change
    listing = client.get(reverse("admin:events_invitation_changelist")).content.decode()
    assert "mark_attended" not in listing


def test_an_upload_cannot_be_confirmed_from_another_session(client, staff, webinar, invitees):
    client.force_login(staff)
    preview = upload(client, webinar, ZOOM)
    intruder = Client()
    intruder.force_login(staff)  # the same person, another session (another browser)
    stolen = confirm(intruder, webinar, preview)
    assert stolen.status_code == 302
    assert "not uploaded in this session" in intruder.get(stolen.url).content.decode()
    for name in ("../../etc/passwd", "f" * 32, ""):
        assert confirm(client, webinar, preview, upload=name).status_code == 302
    assert attendance_of(webinar)["ana@barcelona.example"] == (None, None)
    assert confirm(client, webinar, preview).status_code == 200  # the owner's upload is intact
    assert attendance_of(webinar)["ana@barcelona.example"] == (True, 84)


def test_mark_attended_actions(client, staff, webinar, invitees):
    client.force_login(staff)
    url = reverse("admin:events_invitation_changelist")
    ids = [invitees["absent@lagos.example"].pk, invitees["kim@seoul.example"].pk]
    response = client.post(url, {"action": "mark_attended", "_selected_action": ids}, follow=True)
    assert "2 invitations marked as attended." in response.content.decode()
    assert services.attended_member_ids(webinar) == {invitees["absent@lagos.example"].member_id,
                                                     invitees["kim@seoul.example"].member_id}
    client.post(url, {"action": "mark_not_attended", "_selected_action": ids[:1]}, follow=True)
    assert attendance_of(webinar)["absent@lagos.example"] == (False, None)
    assert AuditEntry.objects.filter(action="event.attendance_marked").count() == 2


@pytest.mark.parametrize("size", [3, 30])
def test_import_and_its_pages_take_the_same_queries_at_two_sizes(client, staff, webinar, size,
                                                                 django_assert_max_num_queries):
    members = [MemberFactory(user__email=f"m{i}@lyon.example") for i in range(size)]
    for member in members:
        Invitation.objects.create(event=webinar, member=member)
    content = "Email,Minutes\n" + "".join(f"m{i}@lyon.example,{i}\n" for i in range(size)) + "x@y.example,5\n"
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:events_event_attendance", args=[webinar.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        preview = upload(client, webinar, content)
    with django_assert_max_num_queries(20):
        assert confirm(client, webinar, preview).status_code == 200
    assert Invitation.objects.filter(event=webinar, minutes_attended__isnull=False).count() == size
