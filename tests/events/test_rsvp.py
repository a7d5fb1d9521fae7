"""RSVP links: tampered, expired, someone else's; a GET never answers; twice and from two tabs."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Invitation, Rsvp

from ..factories import MemberFactory
from .conftest import JOIN_URL, make_respondent

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(survey, webinar, member):
    make_respondent(survey, member)
    return Invitation.objects.create(event=webinar, member=member)


def rsvp_url(token):
    return reverse("events:rsvp", args=[token])


def test_the_link_only_opens_a_confirmation_page(client, invitation, member):
    client.force_login(member.user)
    response = client.get(rsvp_url(services.rsvp_token(invitation)) + "?answer=yes")
    assert response.status_code == 200
    assert 'name="answer" value="yes"' in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.NONE  # a mail scanner following the link answers nothing


def test_a_signed_out_visitor_is_sent_to_log_in_and_nothing_is_answered(client, invitation):
    url = rsvp_url(services.rsvp_token(invitation))
    assert client.post(url, {"answer": "yes"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.NONE


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "x" + token,
    lambda token: "not-a-token",
    lambda token: signing.dumps({"i": 1, "m": 1}, salt="another.salt"),
])
def test_a_tampered_token_gets_a_clear_page_and_changes_nothing(client, invitation, member, tamper):
    client.force_login(member.user)
    url = rsvp_url(tamper(services.rsvp_token(invitation)))
    for response in (client.get(url), client.post(url, {"answer": "yes"})):
        assert response.status_code == 400
        assert 'data-rsvp-invalid="invalid"' in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.NONE


def test_a_token_naming_another_invitation_of_the_member_is_refused(client, invitation, member, survey, webinar):
    other = MemberFactory()
    make_respondent(survey, other)
    theirs = Invitation.objects.create(event=webinar, member=other)
    forged = signing.dumps({"i": theirs.pk, "m": member.pk}, salt=services.RSVP_SALT, compress=True)
    client.force_login(member.user)
    assert client.post(rsvp_url(forged), {"answer": "yes"}).status_code == 400
    theirs.refresh_from_db()
    assert theirs.rsvp == Rsvp.NONE


def test_someone_elses_link_does_not_answer_for_them(client, invitation, other_member, survey):
    make_respondent(survey, other_member)  # eligible too, but not the invitee
    client.force_login(other_member.user)
    url = rsvp_url(services.rsvp_token(invitation))
    response = client.post(url, {"answer": "yes"})
    assert response.status_code == 403
    assert 'data-rsvp-invalid="other_member"' in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.NONE


def test_the_link_expires_when_the_event_ends(client, invitation, member, webinar):
    token = services.rsvp_token(invitation)
    past = timezone.now() - timedelta(hours=1)
    webinar.starts_at, webinar.ends_at = past - timedelta(hours=2), past
    webinar.save()
    client.force_login(member.user)
    response = client.post(rsvp_url(token), {"answer": "yes"})
    assert response.status_code == 410
    assert 'data-rsvp-invalid="expired"' in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.NONE


def test_a_bad_answer_changes_nothing(client, invitation, member):
    client.force_login(member.user)
    response = client.post(rsvp_url(services.rsvp_token(invitation)), {"answer": "maybe"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.NONE


def test_answering_twice_keeps_the_first_time(client, invitation, member):
    client.force_login(member.user)
    url = rsvp_url(services.rsvp_token(invitation))
    client.post(url, {"answer": "yes"})
    invitation.refresh_from_db()
    first = invitation.rsvp_at
    response = client.post(url, {"answer": "yes"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.rsvp, invitation.rsvp_at) == (Rsvp.YES, first)


def test_two_tabs_the_last_answer_wins_and_the_page_shows_it(client, invitation, member, webinar):
    client.force_login(member.user)
    url = rsvp_url(services.rsvp_token(invitation))
    first_tab = client.get(url + "?answer=yes")
    second_tab = client.get(url + "?answer=no")
    assert first_tab.status_code == second_tab.status_code == 200
    client.post(url, {"answer": "yes"})
    client.post(url, {"answer": "no"})
    invitation.refresh_from_db()
    assert invitation.rsvp == Rsvp.NO
    page = client.get(reverse("events:event", args=[webinar.pk])).content.decode()
    assert 'data-rsvp="no"' in page
    assert JOIN_URL not in page


def test_yes_then_the_join_link_appears(client, invitation, member, webinar):
    client.force_login(member.user)
    page = reverse("events:event", args=[webinar.pk])
    assert JOIN_URL not in client.get(page).content.decode()
    client.post(rsvp_url(services.rsvp_token(invitation)), {"answer": "yes"})
    assert JOIN_URL in client.get(page).content.decode()
