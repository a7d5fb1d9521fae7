"""Who may apply for City Managers Days, by the event's rule × what the member did: the dashboard
step, the application page and its POST agree with ``events.services.member_is_eligible``."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import MemberStatus
from community.steps import member_steps
from events import services
from events.applications import event_window
from events.models import Application, EligibilityException, EligibilityRule, Invitation

from ..factories import MemberFactory, OrganisationFactory, UserFactory
from .conftest import make_days, make_respondent, make_webinar

pytestmark = pytest.mark.django_db

STATES = ["pending", "approved_without_portrait", "respondent_of_draft", "respondent_of_submitted",
          "attended_webinar", "both", "exception", "exception_withdrawn"]
ELIGIBLE = {
    EligibilityRule.PORTRAIT_AND_WEBINAR: {"both", "exception"},
    EligibilityRule.PORTRAIT_OR_WEBINAR: {"respondent_of_submitted", "attended_webinar", "both", "exception"},
    EligibilityRule.PORTRAIT: {"respondent_of_submitted", "both", "exception"},
    EligibilityRule.WEBINAR: {"attended_webinar", "both", "exception"},
}


def member_in_state(state, *, survey, webinar, event):
    member = MemberFactory(organisation=OrganisationFactory(),
                           status=MemberStatus.PENDING if state == "pending" else MemberStatus.APPROVED)
    if state in ("pending", "respondent_of_submitted", "both"):
        make_respondent(survey, member, submitted=True)
    if state == "respondent_of_draft":
        make_respondent(survey, member, submitted=False)
    if state in ("pending", "attended_webinar", "both"):
        Invitation.objects.create(event=webinar, member=member, attended=True, minutes_attended=80)
    if state in ("exception", "exception_withdrawn"):
        staff = UserFactory(is_staff=True)
        withdrawn = state == "exception_withdrawn"
        EligibilityException.objects.create(event=event, member=member, reason="Came to the 2019 days as a speaker",
                                            granted_by=staff, withdrawn_at=timezone.now() if withdrawn else None,
                                            withdrawn_by=staff if withdrawn else None)
    return member


def submission(event):
    window = event_window(event)
    return {"action": "submit", "motivation": "Learn from peers.", "contribution": "Our green corridors.",
            "topics": "Parks", "expo_pass_wanted": "on", "first_night": window.first_night.isoformat(),
            "nights_wanted": "2"}


@pytest.mark.parametrize("rule", list(EligibilityRule))
@pytest.mark.parametrize("state", STATES)
def test_eligibility_matrix(client, edition, survey, rule, state):
    webinar = make_webinar(edition)
    event = make_days(edition, eligibility_rule=rule)
    member = member_in_state(state, survey=survey, webinar=webinar, event=event)
    eligible = state in ELIGIBLE[rule]
    assert services.member_is_eligible(member, event) is eligible
    steps = {s.step.key: s for s in member_steps(member=member, edition=edition)}
    url = reverse("events:application", args=[event.pk])
    client.force_login(member.user)
    response = client.get(url)
    posted = client.post(url, submission(event))
    if state == "pending":  # no step, and the member pages send to "waiting for approval"
        assert "events.days" not in steps
        assert response.status_code == posted.status_code == 302
        assert response["Location"] == reverse("community:membership_status")
    elif eligible:
        assert steps["events.days"].state.status == "not_started"
        assert steps["events.days"].link == url
        assert response.status_code == 200
        assert b"data-application-form" in response.content
        assert posted.status_code == 302
        assert Application.objects.get(event=event, member=member).is_submitted
    else:
        step = steps["events.days"]
        assert step.state.status == "locked" and step.link == ""
        how = {EligibilityRule.PORTRAIT_AND_WEBINAR: "Metropolitan Portrait and attend the webinar.",
               EligibilityRule.PORTRAIT_OR_WEBINAR: "Metropolitan Portrait or attend the webinar.",
               EligibilityRule.PORTRAIT: "Metropolitan Portrait.",
               EligibilityRule.WEBINAR: "To apply, attend the edition"}[rule]
        assert how in str(step.state.detail)
        assert response.status_code == 403
        body = response.content.decode()
        assert 'data-days-gate="not_eligible"' in body and how in body
        assert "data-application-form" not in body and "<textarea" not in body
        assert posted.status_code == 403
    if not eligible:
        assert not Application.objects.filter(member=member).exists()


def test_not_eligible_page_says_what_is_done_and_what_is_missing(client, edition, survey):
    webinar = make_webinar(edition)
    event = make_days(edition)  # portrait and webinar
    member = member_in_state("respondent_of_submitted", survey=survey, webinar=webinar, event=event)
    client.force_login(member.user)
    body = client.get(reverse("events:application", args=[event.pk])).content.decode()
    portrait = body.split('data-needs="portrait"')[1].split("</li>")[0]
    webinar_line = body.split('data-needs="webinar"')[1].split("</li>")[0]
    assert "done." in portrait
    assert "not recorded yet" in webinar_line


def test_the_webinar_takes_no_application(client, edition, survey, member):
    webinar = make_webinar(edition)
    client.force_login(member.user)
    assert client.get(reverse("events:application", args=[webinar.pk])).status_code == 404
