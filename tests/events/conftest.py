from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import MemberStatus
from events.models import EligibilityException, Event, EventKind, Invitation, Rsvp
from surveys.models import Portrait, PortraitStatus, Respondent

from ..factories import MemberFactory, OrganisationFactory, UserFactory
from ..surveys.conftest import make_survey

JOIN_URL = "https://meet.example.org/j/secret-webinar-4242"


def make_webinar(edition, *, starts_in=timedelta(days=20), **fields):
    starts = timezone.now().replace(microsecond=0) + starts_in
    return Event.objects.create(
        edition=edition, kind=EventKind.WEBINAR, title="Green infrastructure webinar",
        title_fr="Webinaire infrastructures vertes", title_es="Webinario de infraestructura verde",
        description="What the portraits tell us.", starts_at=starts, ends_at=starts + timedelta(minutes=90),
        time_zone="Europe/Madrid", join_url=JOIN_URL, **fields)


def make_respondent(survey, member, *, submitted=True):
    portrait, _ = Portrait.objects.get_or_create(survey=survey, organisation=member.organisation)
    if submitted and portrait.status != PortraitStatus.SUBMITTED:
        portrait.status, portrait.submitted_at = PortraitStatus.SUBMITTED, timezone.now()
        portrait.save()
    now = timezone.now()
    Respondent.objects.get_or_create(portrait=portrait, member=member,
                                     defaults={"first_saved_at": now, "last_saved_at": now})
    return portrait


@pytest.fixture
def survey(edition):
    return make_survey(edition)


@pytest.fixture
def webinar(edition):
    return make_webinar(edition)


STATES = ["pending", "approved_without_portrait", "respondent_of_draft", "respondent_of_submitted",
          "exception", "exception_withdrawn"]
ELIGIBLE = {"respondent_of_submitted", "exception"}


def member_in_state(state, survey, event):
    """A member in ``state`` who also holds an active invitation with a yes, as an old email would
    have left: the gate must decide from the state, not from the invitation."""
    organisation = OrganisationFactory()
    member = MemberFactory(organisation=organisation,
                           status=MemberStatus.PENDING if state == "pending" else MemberStatus.APPROVED)
    if state in ("pending", "respondent_of_submitted"):
        make_respondent(survey, member, submitted=True)
    elif state == "respondent_of_draft":
        make_respondent(survey, member, submitted=False)
    elif state in ("exception", "exception_withdrawn"):
        staff = UserFactory(is_staff=True)
        EligibilityException.objects.create(
            event=event, member=member, reason="Sent the portrait by email", granted_by=staff,
            withdrawn_at=timezone.now() if state == "exception_withdrawn" else None,
            withdrawn_by=staff if state == "exception_withdrawn" else None)
    Invitation.objects.create(event=event, member=member, rsvp=Rsvp.YES, rsvp_at=timezone.now())
    return member
