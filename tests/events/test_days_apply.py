"""The member's City Managers Days application: the page and its rules (draft, autosave, submit,
withdraw, deadline), bad input, the race on the first save, the dashboard step in each state and
the page's query count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from community.steps import member_steps
from events import applications as rules
from events import days
from events.models import Application, ApplicationStatus, Decision, Invitation
from events.steps_applications import DaysStep

from ..factories import MemberFactory, UserFactory
from .conftest import make_application, make_days, make_respondent, make_webinar

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def make_eligible(member, survey, webinar):
    make_respondent(survey, member)
    Invitation.objects.get_or_create(event=webinar, member=member, defaults={"attended": True})
    return member


@pytest.fixture
def world(edition, survey, member):
    webinar = make_webinar(edition)
    event = make_days(edition)
    make_eligible(member, survey, webinar)
    return event


def url(event, name="events:application"):
    return reverse(name, args=[event.pk])


def form_data(event, **changes):
    window = rules.event_window(event)
    data = {"motivation": "Learn from peers.", "contribution": "Our green corridors.", "topics": "Parks",
            "expo_pass_wanted": "on", "travel_support_wanted": "on", "travel_cost_estimate": "450.50",
            "first_night": window.first_night.isoformat(), "nights_wanted": "3", "accessibility_needs": "",
            "dietary_needs": "Vegetarian", "action": "submit"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ------------------------------------------------------------------------------ the nights
def test_nights_run_from_the_eve_of_the_first_day_to_the_night_of_the_last_day(edition):
    event = make_days(edition)
    window = rules.event_window(event)
    assert window.first_night == window.first_day - timedelta(days=1)
    assert window.last_night == window.last_day
    assert window.max_nights == (window.last_day - window.first_day).days + 2


def test_the_window_is_counted_in_the_event_zone(edition):
    from datetime import UTC, datetime

    event = make_days(edition)
    # 23:30 UTC on 16 November is 00:30 on 17 November in Barcelona; the days end at 18:00 on the 19th.
    event.starts_at = datetime(2030, 11, 16, 23, 30, tzinfo=UTC)
    event.ends_at = datetime(2030, 11, 19, 17, 0, tzinfo=UTC)
    window = rules.event_window(event)
    assert (window.first_day.day, window.last_day.day, window.first_night.day, window.max_nights) == (17, 19, 16, 4)


# ------------------------------------------------------------------------------ the page
def test_save_draft_then_submit_then_edit_and_withdraw(client, world, member):
    client.force_login(member.user)
    response = client.post(url(world), form_data(world, action="draft", motivation="Half written"))
    assert response.status_code == 302
    application = Application.objects.get(event=world, member=member)
    assert application.status == ApplicationStatus.DRAFT
    assert application.motivation == "Half written"
    assert application.travel_cost_estimate == Decimal("450.50")
    assert application.nights_wanted == 3

    client.post(url(world), form_data(world))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    first_submitted = application.submitted_at

    client.post(url(world), form_data(world, topics="Parks and rivers"))  # "Save changes"
    application.refresh_from_db()
    assert application.topics == "Parks and rivers"
    assert application.submitted_at == first_submitted  # ties on the waiting list: who applied first

    client.post(url(world), {"action": "withdraw"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    body = client.get(url(world)).content.decode()
    assert "Withdrawn" in body

    client.post(url(world), form_data(world))  # applying again before the deadline
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_double_submit_gives_one_application(client, world, member):
    client.force_login(member.user)
    assert client.post(url(world), form_data(world)).status_code == 302
    assert client.post(url(world), form_data(world)).status_code == 302
    assert Application.objects.filter(event=world, member=member).count() == 1


def test_submit_needs_what_a_submission_needs(client, world, member):
    client.force_login(member.user)
    response = client.post(url(world), form_data(world, motivation="", travel_cost_estimate=""))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tell us why you want to take part." in body
    assert "Give the estimated cost of your travel, in euros." in body
    assert not Application.objects.filter(status=ApplicationStatus.SUBMITTED).exists()
    # A draft may be incomplete.
    assert client.post(url(world), form_data(world, action="draft", motivation="", travel_cost_estimate="")
                       ).status_code == 302
    assert Application.objects.get(member=member).status == ApplicationStatus.DRAFT


@pytest.mark.parametrize(("changes", "message"), [
    ({"travel_cost_estimate": "-5"}, "Enter an amount of zero or more."),
    ({"travel_cost_estimate": "1e12"}, "This amount is too large."),
    ({"travel_cost_estimate": "100000.01"}, "Enter at most 100,000 EUR."),
    ({"travel_cost_estimate": "a lot"}, "Enter an amount in euros, e.g. 450 or 450.50."),
    ({"travel_cost_estimate": "NaN"}, "Enter an amount of zero or more."),
    ({"nights_wanted": "two"}, "Enter a whole number."),
    ({"nights_wanted": "-1"}, "Ensure this value is greater than or equal to 0."),
    ({"nights_wanted": "99"}, "Ensure this value is less than or equal to 31."),
    ({"nights_wanted": "20"}, "The event has at most 4 nights of accommodation."),
    ({"first_night": "eve"}, "Enter a valid date."),
    ({"first_night": "before"}, "(the eve of the first day)"),
    ({"first_night": "after"}, "(the night of the last day)"),
    ({"nights_wanted": "4", "first_night": "second"}, "you can stay at most 3 nights"),
    ({"first_night": ""}, "Give the first night too."),
])
@pytest.mark.parametrize("action", ["draft", "submit"])
def test_bad_input_gets_a_clear_error_and_changes_nothing(client, world, member, changes, message, action):
    window = rules.event_window(world)
    assert window.max_nights == 4
    dates = {"before": window.first_night - timedelta(days=1), "after": window.last_night + timedelta(days=1),
             "second": window.first_night + timedelta(days=1)}
    changes = {k: dates[v].isoformat() if v in dates else v for k, v in changes.items()}
    client.force_login(member.user)
    response = client.post(url(world), form_data(world, action=action, **changes))
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert b"data-error-summary" in response.content
    assert not Application.objects.filter(member=member).exists()


def test_amounts_are_read_as_people_type_them(client, world, member):
    client.force_login(member.user)
    for typed, stored in (("1,500", "1500.00"), ("1.500,50", "1500.50"), ("450,50", "450.50"), ("€ 300", "300.00")):
        client.post(url(world), form_data(world, travel_cost_estimate=typed))
        assert Application.objects.get(member=member).travel_cost_estimate == Decimal(stored)


def test_after_the_deadline_the_page_is_read_only_and_refuses_changes(client, edition, survey, member):
    event = make_days(edition)
    make_eligible(member, survey, make_webinar(edition))
    application = make_application(event, member, submitted=False, motivation="Kept as it was")
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now())
    type(event).objects.filter(pk=event.pk).update(applications_close_at=timezone.now() - timedelta(minutes=1))
    client.force_login(member.user)
    body = client.get(url(event)).content.decode()
    assert "data-closed" in body and "read-only" in body
    assert "<fieldset disabled>" in body
    assert 'name="action"' not in body and "hx-post" not in body
    for data in (form_data(event, motivation="Changed"), {"action": "withdraw"}):
        response = client.post(url(event), data, follow=True)
        assert "Applications are closed" in response.content.decode()
    autosave = client.post(url(event, "events:application_autosave"), {"motivation": "Changed"}, **HX)
    assert "Applications are closed" in autosave.content.decode()
    application.refresh_from_db()
    assert (application.motivation, application.status) == ("Kept as it was", ApplicationStatus.DRAFT)


def test_applications_not_open_yet(client, edition, survey, member):
    event = make_days(edition, close_in=None)
    make_eligible(member, survey, make_webinar(edition))
    client.force_login(member.user)
    assert "not open yet" in client.get(url(event)).content.decode()
    client.post(url(event), form_data(event))
    assert not Application.objects.exists()
    step = next(s for s in member_steps(member=member, edition=edition) if s.step.key == "events.days")
    assert step.state.status == "locked"


def test_the_services_refuse_after_the_deadline_and_when_not_eligible(world, member, other_member):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        rules.application_submit(event=world, member=other_member, values={"motivation": "x"})
    later = world.applications_close_at + timedelta(seconds=1)
    with pytest.raises(ValidationError, match="Applications are closed"):
        rules.application_save_draft(event=world, member=member, values={"motivation": "x"}, now=later)
    assert not Application.objects.exists()


# ------------------------------------------------------------------------------ autosave
def test_autosave_keeps_what_was_typed_across_a_lost_session(client, world, member):
    client.force_login(member.user)
    response = client.post(url(world, "events:application_autosave"),
                           {"motivation": "Typed on the train", "nights_wanted": ""}, **HX)
    assert response.status_code == 200
    assert 'data-autosave="saved"' in response.content.decode()
    client.logout()  # the session is lost; the member comes back on another device
    client.force_login(member.user)
    body = client.get(url(world)).content.decode()
    assert "Typed on the train" in body
    assert Application.objects.get(member=member).status == ApplicationStatus.DRAFT


def test_autosave_saves_the_valid_fields_and_reports_the_others(client, world, member):
    client.force_login(member.user)
    window = rules.event_window(world)
    response = client.post(url(world, "events:application_autosave"), {
        "motivation": "Still saved", "travel_cost_estimate": "-3",
        "first_night": (window.last_night + timedelta(days=3)).isoformat(), "nights_wanted": "1"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-autosave="saved"' in body and 'data-autosave="errors"' in body
    assert "Enter an amount of zero or more." in body
    application = Application.objects.get(member=member)
    assert application.motivation == "Still saved"
    assert (application.travel_cost_estimate, application.first_night, application.nights_wanted) == (None, None, 0)


def test_autosave_without_htmx_is_a_redirect_and_after_withdrawing_does_nothing(client, world, member):
    client.force_login(member.user)
    assert client.post(url(world, "events:application_autosave"), {"motivation": "x"}).status_code == 302
    assert not Application.objects.exists()
    client.post(url(world), form_data(world))
    client.post(url(world), {"action": "withdraw"})
    response = client.post(url(world, "events:application_autosave"), {"motivation": "late keystroke"}, **HX)
    assert "withdrawn" in response.content.decode()
    application = Application.objects.get(member=member)
    assert application.status == ApplicationStatus.WITHDRAWN and application.motivation == "Learn from peers."


def test_autosave_of_a_submitted_application_keeps_it_complete(client, world, member):
    client.force_login(member.user)
    client.post(url(world), form_data(world))
    response = client.post(url(world, "events:application_autosave"),
                           {"motivation": "", "topics": "Rivers"}, **HX)
    assert "Tell us why you want to take part." in response.content.decode()
    application = Application.objects.get(member=member)
    assert application.status == ApplicationStatus.SUBMITTED
    assert (application.motivation, application.topics) == ("Learn from peers.", "Rivers")


def test_the_first_save_race_reloads_the_application(world, member, monkeypatch):
    """Two first saves at once (two tabs, or an autosave and a click): ours looked before the other
    request's row existed, so its insert meets the unique constraint; it then saves into that row."""
    from django.db.models import QuerySet

    other_tab = make_application(world, member, submitted=False, motivation="Other tab")
    real_first, looked = QuerySet.first, []

    def first_before_the_other_tab(self):
        if self.model is Application and not looked:
            looked.append(True)
            return None
        return real_first(self)

    monkeypatch.setattr(QuerySet, "first", first_before_the_other_tab)
    application = rules.application_save_draft(event=world, member=member, values={"topics": "Mine"})
    assert looked and application.pk == other_tab.pk
    assert Application.objects.filter(member=member).count() == 1
    other_tab.refresh_from_db()
    assert (other_tab.motivation, other_tab.topics) == ("Other tab", "Mine")


# ------------------------------------------------------------------------------ the decision as sent
def test_a_draft_decision_is_never_shown(client, world, member):
    staff_user = UserFactory(is_staff=True)
    application = make_application(world, member)
    days.decide(application=application, decision=Decision.NOT_SELECTED, by=staff_user)
    client.force_login(member.user)
    body = client.get(url(world)).content.decode()
    assert "data-decision" not in body and "cannot offer you" not in body
    step = next(s for s in member_steps(member=member, edition=world.edition) if s.step.key == "events.days")
    assert step.state.status == "done" and "selected" not in str(step.state.detail)
    days.decisions_send(event=world, by=staff_user)
    body = client.get(url(world)).content.decode()
    assert 'data-decision="not_selected"' in body and "cannot offer you one" in body
    assert "data-application-form" not in body
    response = client.post(url(world), form_data(world, motivation="Changed"), follow=True)
    assert "can no longer be changed" in response.content.decode()
    assert Application.objects.get(pk=application.pk).motivation == "Learn from peers."


# ------------------------------------------------------------------------------ the dashboard step
def days_step(member, edition):
    return next(s for s in member_steps(member=member, edition=edition) if s.step.key == "events.days")


def test_step_states(world, member, edition):
    staff_user = UserFactory(is_staff=True)
    assert days_step(member, edition).state.status == "not_started"
    assert days_step(member, edition).state.date == world.applications_close_at
    rules.application_save_draft(event=world, member=member, values={"motivation": "Draft"})
    assert days_step(member, edition).state.status == "in_progress"
    rules.application_submit(event=world, member=member, values={"contribution": "Corridors"})
    state = days_step(member, edition).state
    assert state.status == "done" and "until" in str(state.detail)
    application = Application.objects.get(member=member)
    days.decide(application=application, decision=Decision.SELECTED, by=staff_user)
    assert days_step(member, edition).state.status == "done"  # not sent yet: nothing changes
    days.decisions_send(event=world, by=staff_user)
    state = days_step(member, edition).state
    assert state.status == "in_progress" and "Confirm your place by" in str(state.detail)
    application.refresh_from_db()
    rules.application_confirm(application=application, member=member, accept_protocol=True,
                              arrival_date=rules.event_window(world).first_night,
                              departure_date=rules.event_window(world).last_day, badge_name="Ana")
    assert days_step(member, edition).state.status == "done"


def test_step_shows_the_deadline_in_the_member_zone(world, member, edition):
    from zoneinfo import ZoneInfo

    member.time_zone = "Asia/Tokyo"
    member.save()
    rules.application_submit(event=world, member=member, values={
        "motivation": "a", "contribution": "b"})
    state = days_step(member, edition).state
    tokyo = timezone.localtime(world.applications_close_at, ZoneInfo("Asia/Tokyo"))
    assert f"({tokyo.tzname()})" in str(state.detail)
    assert str(tokyo.year) in str(state.detail)


@pytest.mark.parametrize(("decision", "confirmation", "status", "words"), [
    (Decision.WAITLISTED, "", "in_progress", "waiting list"),
    (Decision.NOT_SELECTED, "", "closed", "not selected"),
    (Decision.SELECTED, "declined", "closed", "gave your place back"),
    (Decision.SELECTED, "expired", "closed", "not confirmed in time"),
])
def test_step_after_the_decision(world, member, edition, decision, confirmation, status, words):
    application = make_application(world, member, decision=decision, decision_sent=decision,
                                   confirmation=confirmation)
    assert application.decision_sent == decision
    state = days_step(member, edition).state
    assert (state.status, words in str(state.detail)) == (status, True)


def test_step_closed_without_an_application(world, member, edition):
    type(world).objects.filter(pk=world.pk).update(applications_close_at=timezone.now() - timedelta(hours=1))
    assert days_step(member, edition).state.status == "closed"


@pytest.mark.parametrize("count", [3, 30])
def test_step_costs_three_queries_whatever_the_number(edition, survey, count, django_assert_num_queries):
    webinar = make_webinar(edition)
    event = make_days(edition)
    members = [MemberFactory() for _ in range(count)]
    for m in members[::2]:
        make_eligible(m, survey, webinar)
        make_application(event, m)
    members = list(type(members[0]).objects.filter(pk__in=[m.pk for m in members]).select_related("user"))
    with django_assert_num_queries(3):
        states = DaysStep().for_members(members, edition)
    assert len(states) == count
    assert sum(s.status == "done" for s in states.values()) == len(members[::2])


def test_the_dashboard_links_to_the_application(client, world, member):
    client.force_login(member.user)
    body = client.get(reverse("community:dashboard")).content.decode()
    assert "City Managers Days" in body and url(world) in body


# ------------------------------------------------------------------------------ query counts
# session, user, member; the event; the application; the gate; the request's savepoint and its release
APPLICATION_PAGE_QUERIES = 8
# ...without the application's form: the survey (its link), the portrait and the webinar done so far
NOT_ELIGIBLE_PAGE_QUERIES = 11


@pytest.mark.parametrize("others", [2, 25])
def test_application_page_query_count_does_not_grow(client, world, member, survey, others,
                                                    django_assert_max_num_queries):
    webinar = Invitation.objects.get(member=member).event
    for _ in range(others):
        make_application(world, make_eligible(MemberFactory(), survey, webinar))
    make_application(world, member)
    client.force_login(member.user)
    client.get(url(world))
    with django_assert_max_num_queries(APPLICATION_PAGE_QUERIES):
        assert client.get(url(world)).status_code == 200


@pytest.mark.parametrize("others", [2, 25])
def test_not_eligible_page_query_count_does_not_grow(client, world, other_member, survey, others,
                                                     django_assert_max_num_queries):
    webinar = Invitation.objects.first().event
    for _ in range(others):
        make_application(world, make_eligible(MemberFactory(), survey, webinar))
    client.force_login(other_member.user)
    client.get(url(world))
    with django_assert_max_num_queries(NOT_ELIGIBLE_PAGE_QUERIES):
        assert client.get(url(world)).status_code == 403


def test_application_url_in_the_decision_email_is_the_application_page(world):
    assert days.application_url(world).endswith(url(world))



def test_a_submission_is_acknowledged_once_by_email_in_the_members_language(client, world, member):
    from mailings.models import OutboxMessage

    member.preferred_language = "fr"
    member.save()
    received = OutboxMessage.objects.filter(template="days_application_received")
    client.force_login(member.user)
    client.post(url(world), form_data(world, action="draft"))
    assert not received.exists()  # a draft is not acknowledged
    client.post(url(world), form_data(world))
    [mail] = received
    assert mail.recipient == member.user.email and mail.subject.startswith("Candidature reçue")
    assert "Vous avez demandé" in mail.body_text and "450,50" in mail.body_text
    client.post(url(world), form_data(world, topics="Parks and rivers"))  # an edit: no second email
    assert received.all().count() == 1
    client.post(url(world), {"action": "withdraw"})
    client.post(url(world), form_data(world))  # submitted again after withdrawing: acknowledged again
    assert received.all().count() == 2
