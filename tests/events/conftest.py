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


# ------------------------------------------------------------------------------ City Managers Days
def make_days(edition, *, places=10, passes=5, nights=20, euros="5000.00", close_in=timedelta(days=30), **fields):
    """The edition's in-person days (like 17-19 November: three days, in 60 days) and its budget."""
    from datetime import datetime, time
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from events.models import Budget

    # Three days, 09:00 to 18:00 in Barcelona, whatever the hour the test runs at.
    first_day = (timezone.now() + timedelta(days=60)).date()
    starts = datetime.combine(first_day, time(9), tzinfo=ZoneInfo("Europe/Madrid"))
    ends = datetime.combine(first_day + timedelta(days=2), time(18), tzinfo=ZoneInfo("Europe/Madrid"))
    event = Event.objects.create(
        edition=edition, kind=EventKind.IN_PERSON, title="City Managers Days",
        title_fr="Journées des City Managers", title_es="Jornadas de City Managers",
        starts_at=starts, ends_at=ends, time_zone="Europe/Madrid",
        venue="Fira Gran Via, Barcelona", capacity=places, protocol="Wear your badge at all times.",
        applications_close_at=timezone.now() + close_in if close_in is not None else None, **fields)
    Budget.objects.create(event=event, expo_passes=passes, accommodation_nights=nights,
                          travel_support_euros=Decimal(euros))
    return event


def make_application(event, member=None, *, submitted=True, score=None, **fields):
    """A submitted application asking a pass, 2 nights from the eve of the first day and 500 EUR."""
    from decimal import Decimal

    from events.models import Application, ApplicationStatus

    member = member or MemberFactory()
    values = {"motivation": "Learn from peers.", "contribution": "Our green corridors.", "expo_pass_wanted": True,
              "travel_support_wanted": True, "travel_cost_estimate": Decimal("500.00"),
              "first_night": (event.starts_at - timedelta(days=1)).date(), "nights_wanted": 2, **fields}
    return Application.objects.create(
        event=event, member=member, score=score,
        status=ApplicationStatus.SUBMITTED if submitted else ApplicationStatus.DRAFT,
        submitted_at=timezone.now() if submitted else None, **values)


@pytest.fixture
def days(edition):
    return make_days(edition)


# ------------------------------------------------------------------------------ City Managers Days reviews
def reviewers_group():
    """The migrated "Reviewers" group (made again, with the Secretariat's, after a transactional test's flush)."""
    from django.contrib.auth.models import Group

    from events.reviews import REVIEWERS_GROUP

    from ..conftest import _grant_secretariat_again

    if not Group.objects.filter(name=REVIEWERS_GROUP).exists():
        _grant_secretariat_again()
    return Group.objects.get(name=REVIEWERS_GROUP)


def make_reviewer(organisation=None, *, second_factor=True, is_staff=True, **user_fields):
    """A reviewer: staff (for the staff second factor) in the Reviewers group only; with a member
    profile of ``organisation`` when given."""
    from community import second_factor as factor
    from community.models import User

    from ..conftest import STAFF_TOTP_SECRET

    user = UserFactory(is_staff=is_staff, **user_fields)
    user.groups.add(reviewers_group())
    if second_factor:
        factor.totp_activate(user, STAFF_TOTP_SECRET)
    if organisation is not None:
        MemberFactory(user=user, organisation=organisation)
    return User.objects.get(pk=user.pk)


def make_criteria(event, *weights):
    """Criteria named "Criterion 1".. with these weights, in this order."""
    from events.models import Criterion

    return [Criterion.objects.create(event=event, name=f"Criterion {i}", name_fr=f"Critère {i}",
                                     name_es=f"Criterio {i}", weight=weight, position=i)
            for i, weight in enumerate(weights, start=1)]
