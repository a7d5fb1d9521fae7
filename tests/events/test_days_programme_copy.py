"""Next year's edition as a copy: City Managers Days keep their settings, budget, criteria and
programme one year later, in every language; never an application, review, decision or pick."""

from datetime import timedelta
from decimal import Decimal

import pytest

from community import services as community_services
from events import programme
from events.models import (
    Application,
    Budget,
    Criterion,
    EligibilityRule,
    Event,
    EventKind,
    Review,
    Session,
    SiteVisitPick,
)

from .conftest import make_days
from .days_programme_helpers import make_participant, make_session, make_visit

pytestmark = pytest.mark.django_db


def test_city_managers_days_are_copied_with_the_edition(edition, staff):
    days = make_days(edition, places=40, passes=30, nights=90, euros="25000.00",
                     eligibility_rule=EligibilityRule.PORTRAIT_OR_WEBINAR, confirm_within_days=14,
                     protocol_fr="Portez votre badge.", protocol_es="Lleve su acreditación.")
    Criterion.objects.create(event=days, name="Relevance", name_fr="Pertinence", name_es="Pertinencia", weight=3,
                             position=1)
    plenary = make_session(days, title="Opening plenary", title_fr="Plénière d'ouverture", location="Hall 1")
    visit = make_visit(days, title="Port of Barcelona", title_es="Puerto de Barcelona", capacity=25)
    participant = make_participant(days)
    programme.site_visit_pick(participant, visit, participant.member)
    Review.objects.create(application=participant, reviewer=staff)

    new = community_services.edition_copy(source=edition, by=staff)

    copy = Event.objects.get(edition=new, kind=EventKind.IN_PERSON)
    assert (copy.eligibility_rule, copy.confirm_within_days, copy.capacity) == (
        EligibilityRule.PORTRAIT_OR_WEBINAR, 14, 40)
    assert (copy.protocol_en, copy.protocol_fr, copy.protocol_es) == (
        "Wear your badge at all times.", "Portez votre badge.", "Lleve su acreditación.")
    assert copy.applications_close_at.year == days.applications_close_at.year + 1
    assert copy.applications_close_at - copy.applications_close_at.replace(year=days.applications_close_at.year) \
        > timedelta(days=364)
    budget = Budget.objects.get(event=copy)
    assert (budget.expo_passes, budget.accommodation_nights, budget.travel_support_euros) == (
        30, 90, Decimal("25000.00"))
    criterion = Criterion.objects.get(event=copy)
    assert (criterion.name_fr, criterion.name_es, criterion.weight, criterion.position) == (
        "Pertinence", "Pertinencia", 3, 1)
    sessions = {session.title_en: session for session in Session.objects.filter(event=copy)}
    assert set(sessions) == {"Opening plenary", "Port of Barcelona"}
    copied_visit = sessions["Port of Barcelona"]
    assert (copied_visit.kind, copied_visit.capacity, copied_visit.title_es) == (
        visit.kind, 25, "Puerto de Barcelona")
    assert copied_visit.starts_at == visit.starts_at.replace(year=visit.starts_at.year + 1)
    assert sessions["Opening plenary"].title_fr == "Plénière d'ouverture"
    assert sessions["Opening plenary"].location == plenary.location
    assert not Application.objects.filter(event=copy).exists()
    assert not Review.objects.filter(application__event=copy).exists()
    assert not SiteVisitPick.objects.filter(session__event=copy).exists()
    # The source is untouched.
    assert SiteVisitPick.objects.filter(session=visit).count() == 1 and Session.objects.filter(event=days).count() == 2
