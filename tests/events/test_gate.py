"""The gate: member states × event page, join link, calendar file, RSVP. Every member holds an
active invitation with a yes (as an old email or a revoked eligibility leaves behind): only the
eligibility rule, checked at use time, decides."""

import pytest
from django.urls import reverse

from events import services
from events.models import Invitation, Rsvp

from .conftest import ELIGIBLE, JOIN_URL, STATES, member_in_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", STATES)
def test_eligibility_service_follows_the_rule(state, survey, webinar):
    member = member_in_state(state, survey, webinar)
    assert services.member_is_eligible(member, webinar) is (state in ELIGIBLE)
    assert (member.pk in set(services.eligible_members(webinar).values_list("pk", flat=True))) is (state in ELIGIBLE)


@pytest.mark.parametrize("state", STATES)
def test_event_page_and_join_link(state, client, survey, webinar):
    member = member_in_state(state, survey, webinar)
    client.force_login(member.user)
    response = client.get(reverse("events:event", args=[webinar.pk]))
    body = response.content.decode()
    assert JOIN_URL not in body or state in ELIGIBLE
    if state in ELIGIBLE:
        assert response.status_code == 200
        assert JOIN_URL in body
    elif state == "pending":
        assert response.status_code == 302 and response["Location"] == reverse("community:membership_status")
    else:
        assert response.status_code == 403
        assert 'data-event-gate="not_eligible"' in body
        assert reverse("surveys:portrait", args=[survey.pk]) in body  # how to become eligible


@pytest.mark.parametrize("state", STATES)
def test_calendar_file(state, client, survey, webinar):
    member = member_in_state(state, survey, webinar)
    client.force_login(member.user)
    response = client.get(reverse("events:calendar", args=[webinar.pk]))
    if state in ELIGIBLE:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VEVENT" in response.content
    else:
        assert response.status_code in (302, 403)
        assert b"BEGIN:VCALENDAR" not in response.content


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("way", ["email_link", "event_page"])
def test_rsvp(state, way, client, survey, webinar):
    member = member_in_state(state, survey, webinar)
    invitation = Invitation.objects.get(event=webinar, member=member)
    Invitation.objects.filter(pk=invitation.pk).update(rsvp=Rsvp.NONE, rsvp_at=None)
    client.force_login(member.user)
    if way == "email_link":
        url = reverse("events:rsvp", args=[services.rsvp_token(invitation)])
        page = client.get(url + "?answer=yes")
        assert (page.status_code == 200) is (state in ELIGIBLE)
    else:
        url = reverse("events:event", args=[webinar.pk])
    response = client.post(url, {"answer": "yes"})
    invitation.refresh_from_db()
    if state in ELIGIBLE:
        assert response.status_code == 302
        assert invitation.rsvp == Rsvp.YES
    else:
        assert response.status_code in (302, 403)
        assert invitation.rsvp == Rsvp.NONE
        if response.status_code == 302:
            assert response["Location"] == reverse("community:membership_status")


def test_staff_without_membership_get_no_event_page(client, staff, webinar):
    client.force_login(staff)
    assert client.get(reverse("events:event", args=[webinar.pk])).status_code == 403


def test_revoked_invitation_of_an_eligible_member_gives_no_calendar(client, survey, webinar):
    member = member_in_state("respondent_of_submitted", survey, webinar)
    Invitation.objects.filter(member=member).update(status="revoked")
    client.force_login(member.user)
    assert client.get(reverse("events:calendar", args=[webinar.pk])).status_code == 403
    body = client.get(reverse("events:event", args=[webinar.pk])).content.decode()
    assert JOIN_URL not in body
