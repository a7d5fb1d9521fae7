"""The demo City Managers Days (issue 11, item 9): `make run` shows every page with realistic data,
and seed_demo run twice changes nothing."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from community.models import Edition, Member
from events import days as rules
from events import programme
from events.demo import REAL_STARTS as REAL_WEBINAR
from events.demo_days import REAL_STARTS as REAL_DAYS
from events.models import (
    Application,
    ApplicationStatus,
    Budget,
    Confirmation,
    Criterion,
    Decision,
    Event,
    EventKind,
    Review,
    Session,
    SessionKind,
    SiteVisitPick,
)

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "applications": sorted(Application.objects.values_list(
            "member__user__email", "status", "decision", "decision_sent", "confirmation", "score", "pass_granted",
            "nights_granted", "euros_granted")),
        "reviews": Review.objects.count(),
        "sessions": sorted(Session.objects.values_list("title_en", "starts_at", "capacity")),
        "picks": sorted(SiteVisitPick.objects.values_list("session__title_en", "application__member__user__email")),
        "criteria": Criterion.objects.count(),
        "budget": list(Budget.objects.values_list("expo_passes", "accommodation_nights", "travel_support_euros")),
    }


def test_demo_days_are_seeded_once_with_a_selection_under_way(settings, client, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    edition = Edition.objects.get(year=2020)
    days = Event.objects.get(edition=edition, kind=EventKind.IN_PERSON)
    webinar = Event.objects.get(edition=edition, kind=EventKind.WEBINAR)
    local = days.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Madrid"))
    assert (local.hour, (days.ends_at - days.starts_at).days) == (9, 2)
    # Moved with the survey like the webinar: the real gaps stay (webinar 16 July, days 17 November).
    assert abs(days.starts_at - webinar.starts_at - (REAL_DAYS - REAL_WEBINAR)) < timedelta(days=1)
    assert days.applications_close_at > edition.survey.closes_at
    assert days.protocol_fr and days.protocol_es and "Fira Gran Via" in days.venue
    assert Criterion.objects.filter(event=days).count() == 3

    applications = Application.objects.filter(event=days)
    assert applications.count() == 15
    assert applications.filter(status=ApplicationStatus.DRAFT).count() == 3
    submitted = applications.filter(status=ApplicationStatus.SUBMITTED)
    assert all(a.review_count == 1 and a.score is not None for a in submitted)
    assert Review.objects.filter(application__event=days, reviewer__groups__name="Reviewers").count() == 12
    assert set(applications.values_list("decision", flat=True)) == set(Decision.values)
    assert applications.filter(decision_sent=Decision.SELECTED).count() == 2
    assert applications.filter(decision=Decision.SELECTED).exclude(decision_sent=Decision.SELECTED).exists()
    participant = applications.get(confirmation=Confirmation.CONFIRMED)
    assert participant.member.user.email == "manager@montreal.demo.example"
    assert participant.site_visit_picks.count() == 2
    # Confirmed through the rule, as the member would: its checks passed and its audit entry written.
    from community.models import AuditEntry
    from events.applications import ApplicationAction

    assert participant.protocol_accepted_at is not None and participant.badge_name == participant.member.full_name
    assert AuditEntry.objects.filter(action=ApplicationAction.CONFIRMED, target_id=str(participant.pk)).count() == 1
    assert Session.objects.filter(event=days, kind=SessionKind.SITE_VISIT).count() == 3
    use = rules.budget_use(days)
    assert 0 < use.euros_used <= use.euros and 0 < use.passes_used <= use.passes
    # Every applicant was eligible when they applied (the rule or a staff exception).
    from events import services

    eligible = set(services.eligible_members(days).values_list("pk", flat=True))
    assert set(applications.values_list("member_id", flat=True)) <= eligible

    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    assert snapshot() == before

    # The confirmed participant's programme page, with their picks.
    client.force_login(Member.objects.get(user__email="manager@montreal.demo.example").user)
    page = client.get(reverse("events:programme", args=[days.pk])).content.decode()
    assert page.count("data-picked") == 2 and "Collserola" in page
    left = {s.pk: programme.places_left(s) for s in programme.sessions_with_places(days)}
    assert sorted(v for v in left.values() if v is not None) == [12, 14, 19]  # Sant Antoni and the Besòs picked
    # The walk of 2026-11-29: "Meeting point: …" stood in English on the French and Spanish pages.
    page = client.get(reverse("events:programme", args=[days.pk]), headers={"Accept-Language": "fr"}).content.decode()
    assert "Lieu : Mercat de Sant Antoni" in page and "Meeting point" not in page
