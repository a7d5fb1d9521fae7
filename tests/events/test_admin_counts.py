"""Issue 10 item 8: the invitations list by state with counts, the resend action, the export."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import second_factor
from community.models import AuditEntry
from events.models import Invitation, InvitationStatus, Rsvp
from mailings.models import OutboxMessage

from ..conftest import STAFF_TOTP_SECRET
from ..factories import MemberFactory, OrganisationFactory, UserFactory
from .conftest import JOIN_URL, make_respondent

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:events_invitation_changelist"
ANSWERED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def invite(survey, webinar, *, rsvp=Rsvp.NONE, revoked=False, attended=None, minutes=None, **member_fields):
    member = MemberFactory(**member_fields)
    if not revoked:
        make_respondent(survey, member)
    return Invitation.objects.create(
        event=webinar, member=member, rsvp=rsvp, rsvp_at=ANSWERED if rsvp != Rsvp.NONE else None,
        status=InvitationStatus.REVOKED if revoked else InvitationStatus.INVITED, attended=attended,
        minutes_attended=minutes)


@pytest.fixture
def example(survey, webinar):
    """4 active (2 yes, one of them attended; 1 no; 1 no answer) and 1 revoked."""
    return {
        "yes_attended": invite(survey, webinar, rsvp=Rsvp.YES, attended=True, minutes=80),
        "yes": invite(survey, webinar, rsvp=Rsvp.YES, attended=False, minutes=0),
        "no": invite(survey, webinar, rsvp=Rsvp.NO),
        "no_answer": invite(survey, webinar),
        "revoked": invite(survey, webinar, revoked=True),
    }


def state_labels(response):
    spec = next(s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", "") == "state")
    return [str(c["display"]) for c in spec.choices(response.context["cl"])]


def test_counts_on_a_small_example(client, staff, example):
    client.force_login(staff)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert state_labels(response) == ["All", "Invited (4)", "Yes (2)", "No (1)", "No answer (1)", "Attended (1)",
                                      "Revoked (1)"]
    assert "Yes (2)" in response.content.decode()


def test_counts_follow_the_other_filters(client, staff, example, edition, survey):
    from .conftest import make_webinar

    other = make_webinar(edition)
    invite(survey, other, rsvp=Rsvp.YES)
    client.force_login(staff)
    response = client.get(reverse(CHANGELIST), {"event__id__exact": other.pk})
    assert "Yes (1)" in state_labels(response) and "Invited (1)" in state_labels(response)


@pytest.mark.parametrize(("state", "expected"), [
    ("invited", {"yes_attended", "yes", "no", "no_answer"}), ("yes", {"yes_attended", "yes"}), ("no", {"no"}),
    ("no_answer", {"no_answer"}), ("attended", {"yes_attended"}), ("revoked", {"revoked"}),
])
def test_the_filter_filters(client, staff, example, state, expected):
    client.force_login(staff)
    response = client.get(reverse(CHANGELIST), {"state": state})
    assert {i.pk for i in response.context["cl"].result_list} == {example[k].pk for k in expected}


def test_an_unknown_state_is_a_clear_answer_not_a_500(client, staff, example):
    client.force_login(staff)
    response = client.get(reverse(CHANGELIST), {"state": "maybe"})
    assert response.status_code in (302, 400)


def test_resend_queues_one_new_email_per_usable_invitation(client, staff, example, mailoutbox):
    client.force_login(staff)
    before = OutboxMessage.objects.filter(template="event_invitation").count()
    ids = [i.pk for i in example.values()]
    response = client.post(reverse(CHANGELIST), {"action": "resend", "_selected_action": ids}, follow=True)
    rows = OutboxMessage.objects.filter(template="event_invitation")
    assert rows.count() - before == 4  # every active one, none for the revoked
    recipients = set(rows.values_list("recipient", flat=True))
    assert example["revoked"].member.user.email not in recipients
    assert example["no"].member.user.email in recipients
    text = " ".join(str(m) for m in response.context["messages"])
    assert "4 invitation emails queued again" in text and "1 skipped" in text
    entry = AuditEntry.objects.get(action="event.invitations_resent")
    assert entry.actor == staff and entry.after["resent"] == 4
    # Again: a fresh key, so new rows again (the first emails' bodies are gone).
    client.post(reverse(CHANGELIST), {"action": "resend", "_selected_action": ids})
    assert OutboxMessage.objects.filter(template="event_invitation").count() - before == 8


def test_resend_skips_a_member_no_longer_eligible(client, staff, webinar, member):
    invitation = Invitation.objects.create(event=webinar, member=member)  # active, but no portrait
    client.force_login(staff)
    client.post(reverse(CHANGELIST), {"action": "resend", "_selected_action": [invitation.pk]})
    assert not OutboxMessage.objects.filter(template="event_invitation").exists()


def export(client, fmt, **params):
    response = client.get(reverse("admin:events_invitation_export"), {"format": fmt, **params})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        return content, list(csv.reader(io.StringIO(content.decode())))
    return content, [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(content)).active.rows]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_columns_and_no_join_link(client, staff, example, webinar, fmt):
    client.force_login(staff)
    content, rows = export(client, fmt, event__id__exact=webinar.pk)
    assert rows[0] == ["name", "email", "organisation", "region", "language", "status", "answer", "answered_at",
                       "attended", "minutes"]
    assert len(rows) == 6
    attended = example["yes_attended"]
    row = next(r for r in rows if r[1] == attended.member.user.email)
    assert row[0] == attended.member.full_name
    assert row[2] == attended.member.organisation.name and row[4] == "en"
    assert row[5:] == ["invited", "yes", "2026-03-04T05:06:07+00:00", "yes",
                       "80" if fmt == "csv" else 80]
    assert JOIN_URL.encode() not in content and b"secret-webinar" not in content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_escapes_formulas(client, staff, survey, webinar, fmt):
    organisation = OrganisationFactory(name="+SUM(1,2)")
    invite(survey, webinar, organisation=organisation, user__last_name='=HYPERLINK("http://evil.example")')
    client.force_login(staff)
    _content, rows = export(client, fmt)
    cells = [str(c) for c in rows[1] if c is not None]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), cells
    assert "'+SUM(1,2)" in cells


def test_export_needs_the_view_permission(client, example):
    user = UserFactory(email="other-staff@secretariat.example", is_staff=True)
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)
    client.force_login(user)
    assert client.get(reverse("admin:events_invitation_export"), {"format": "csv"}).status_code == 403


def test_export_without_a_format_is_a_message(client, staff, example):
    client.force_login(staff)
    response = client.get(reverse("admin:events_invitation_export"), {"format": "pdf"})
    assert response.status_code == 302


# Session, user, second factor (the permissions come from the cache after the first request); the
# state counts (one aggregate), the event filter's events, the count and the page (members and events
# joined). The same at 3 and 20 rows.
CHANGELIST_QUERIES = 12


@pytest.mark.parametrize("size", [3, 20])
def test_changelist_query_count_does_not_grow(client, staff, survey, webinar, size):
    for _ in range(size):
        invite(survey, webinar, rsvp=Rsvp.YES, attended=True)
    client.force_login(staff)
    url = reverse(CHANGELIST)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == CHANGELIST_QUERIES, [q["sql"] for q in queries]

