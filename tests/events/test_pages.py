"""The event page's cost, the dashboard step, copies with the edition, the demo webinar."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import services as community_services
from community.models import Edition
from community.steps import member_steps
from events import services
from events.models import Event, Invitation, Rsvp

from ..factories import MemberFactory
from .conftest import make_respondent

pytestmark = pytest.mark.django_db

# session, user, member... (middleware and messages); the event; the invitation with the gate
EVENT_PAGE_QUERIES = 7


def populate(survey, webinar, count):
    for _ in range(count):
        member = MemberFactory()
        make_respondent(survey, member)
        Invitation.objects.create(event=webinar, member=member, rsvp=Rsvp.YES, rsvp_at=timezone.now())


@pytest.mark.parametrize("others", [2, 25])
def test_event_page_query_count_does_not_grow(client, survey, webinar, member, others):
    populate(survey, webinar, others)
    make_respondent(survey, member)
    Invitation.objects.create(event=webinar, member=member, rsvp=Rsvp.YES, rsvp_at=timezone.now())
    client.force_login(member.user)
    url = reverse("events:event", args=[webinar.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) == EVENT_PAGE_QUERIES, [q["sql"] for q in queries]


@pytest.mark.parametrize("others", [2, 25])
def test_not_eligible_page_query_count_does_not_grow(client, survey, webinar, other_member, others):
    populate(survey, webinar, others)
    client.force_login(other_member.user)
    url = reverse("events:event", args=[webinar.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 403
    # No invitation: the gate on its own, then the survey's id (for the link).
    assert len(queries) == EVENT_PAGE_QUERIES + 2


def test_dashboard_step_for_each_state(survey, webinar, edition, member, other_member):
    make_respondent(survey, member)
    step = lambda m: next(s for s in member_steps(member=m, edition=edition) if s.step.key == "events.webinar")  # noqa: E731
    assert step(other_member).state.status == "locked"
    assert step(member).state.status == "not_started"
    services.invitations_issue(event=webinar)
    services.invitation_respond(invitation=Invitation.objects.get(member=member), member=member, answer="yes")
    assert step(member).state.status == "done"


@pytest.mark.parametrize("count", [3, 30])
def test_dashboard_step_costs_three_queries_whatever_the_number(survey, webinar, edition, count,
                                                                 django_assert_num_queries):
    members = [MemberFactory() for _ in range(count)]
    for m in members[::2]:
        make_respondent(survey, m)
    services.invitations_issue(event=webinar)
    from events.steps import WebinarStep

    members = list(type(members[0]).objects.filter(pk__in=[m.pk for m in members]).select_related("user"))
    with django_assert_num_queries(3):
        states = WebinarStep().for_members(members, edition)
    assert len(states) == count


def test_the_dashboard_shows_the_webinar(client, survey, webinar, member):
    make_respondent(survey, member)
    client.force_login(member.user)
    body = client.get(reverse("community:dashboard")).content.decode()
    assert "Webinar" in body
    assert reverse("events:event", args=[webinar.pk]) in body


def test_events_are_copied_with_the_edition(edition, webinar, staff):
    new = community_services.edition_copy(source=edition, by=staff)
    copy = Event.objects.get(edition=new)
    assert copy.title_fr == webinar.title_fr and copy.title_es == webinar.title_es
    assert copy.starts_at.year == webinar.starts_at.year + 1
    assert (copy.starts_at.month, copy.starts_at.day, copy.starts_at.hour) == (
        webinar.starts_at.month, webinar.starts_at.day, webinar.starts_at.hour)
    assert copy.join_url == "" and not copy.invitations.exists()


def test_demo_webinar_stays_after_the_open_survey_and_invites_the_respondents(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    edition = Edition.objects.get(year=2020)
    event = Event.objects.get(edition=edition, kind="webinar")
    assert event.starts_at > edition.survey.closes_at > timezone.now()
    assert event.starts_at - edition.survey.closes_at < timedelta(days=11)
    invited = Invitation.objects.filter(event=event).count()
    assert invited == services.eligible_members(event).count() >= 4
    call_command("seed_demo", verbosity=0)  # idempotent
    assert Event.objects.filter(edition=edition).count() == 2  # the webinar and City Managers Days
    assert Invitation.objects.filter(event=event).count() == invited
