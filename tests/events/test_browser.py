"""A respondent submits, opens the invitation email's link, confirms yes and sees the join link; a
non-respondent with the same URL does not. No CSP violation, nothing from outside."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from surveys import services as survey_services

from ..factories import EditionFactory, MemberFactory, OrganisationFactory
from ..surveys.conftest import make_survey
from .conftest import JOIN_URL, make_webinar

pytestmark = pytest.mark.django_db(transaction=True)


def test_respondent_confirms_yes_and_sees_the_join_link_a_non_respondent_does_not(open_page, live_server):
    edition = EditionFactory()
    survey = make_survey(edition)
    webinar = make_webinar(edition)
    ana = MemberFactory(organisation=OrganisationFactory(name="Barcelona"), user__email="ana@amb.example")
    outsider = MemberFactory(organisation=OrganisationFactory(name="Quito"), user__email="eva@quito.example")
    portrait = survey_services.portrait_get_or_create(survey=survey, organisation=ana.organisation)
    q = survey.q
    survey_services.answer_save(portrait=portrait, question=q["single"], value=q["no"].pk, member=ana, base_version=0)
    survey_services.answer_save(portrait=portrait, question=q["number"], value="12", member=ana, base_version=0)

    page = open_page(reverse("surveys:submit", args=[survey.pk]), signed_in_as=ana.user)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url("**/submitted/")

    invitation = next(m for m in mail.outbox if m.to == [ana.user.email] and "invited" in m.subject)
    assert invitation.attachments and invitation.attachments[0][0] == f"event-{webinar.pk}.ics"
    link = re.search(r"(\S+answer=yes)", invitation.body).group(1).replace(settings.PORTAL_BASE_URL, live_server.url)
    page.goto(link)
    assert JOIN_URL not in page.content()  # the confirmation page answers nothing yet
    page.click("button[name=answer][value=yes]")
    page.wait_for_url(f"**{reverse('events:event', args=[webinar.pk])}")
    assert page.locator("[data-join-link]").is_visible()
    assert JOIN_URL in page.locator("[data-join-link]").inner_text()
    assert page.problems == []

    other = open_page(link.removeprefix(live_server.url), signed_in_as=outsider.user)
    assert other.locator('[data-rsvp-invalid="other_member"]').is_visible()
    other.goto(live_server.url + reverse("events:event", args=[webinar.pk]))
    assert other.locator('[data-event-gate="not_eligible"]').is_visible()
    assert JOIN_URL not in other.content()
    other.goto(live_server.url + reverse("events:calendar", args=[webinar.pk]))
    assert "BEGIN:VCALENDAR" not in other.content()
    # The refusals above are 403 pages, which Chromium logs; anything else would be a problem.
    assert [p for p in other.problems if "status of 403" not in p] == []
