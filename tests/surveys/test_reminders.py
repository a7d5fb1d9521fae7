"""The portrait's scheduled emails, with frozen time (``now=`` into the services): the opening
announcement once, the closing reminders 7 days and 1 day before each organisation's deadline, never
twice, not to submitted organisations nor pending members, honouring opt-outs and extensions."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone, translation

from mailings.models import OutboxMessage, OutboxStatus
from mailings.services import preferences_set
from surveys import reminders, services, tasks
from surveys.models import Portrait, PortraitStatus

from ..factories import MemberFactory, OrganisationFactory
from .conftest import make_survey

pytestmark = pytest.mark.django_db

OPENS = datetime(2030, 6, 11, 8, 0, tzinfo=UTC)
CLOSES = datetime(2030, 7, 6, 21, 30, tzinfo=UTC)


@pytest.fixture
def world(edition):
    """A: a draft, one approved member (French, Montréal) and one pending; B: submitted; C: no portrait,
    its member (Spanish) turned reminders off; D: a draft whose deadline staff extended by ten days."""
    survey = make_survey(edition, opens_at=OPENS, closes_at=CLOSES)
    orgs = {key: OrganisationFactory(name=name) for key, name in
            (("A", "Aarhus"), ("B", "Bilbao"), ("C", "Cali"), ("D", "Dakar"))}
    people = {
        "a": MemberFactory(organisation=orgs["A"], preferred_language="fr", time_zone="America/Montreal",
                           user__email="a@aarhus.example", user__first_name="Anne"),
        "a_pending": MemberFactory(organisation=orgs["A"], status="pending", user__email="p@aarhus.example"),
        "b": MemberFactory(organisation=orgs["B"], user__email="b@bilbao.example"),
        "c": MemberFactory(organisation=orgs["C"], preferred_language="es", user__email="c@cali.example"),
        "d": MemberFactory(organisation=orgs["D"], user__email="d@dakar.example", time_zone="Europe/Madrid"),
    }
    Portrait.objects.create(survey=survey, organisation=orgs["A"])
    Portrait.objects.create(survey=survey, organisation=orgs["B"], status=PortraitStatus.SUBMITTED,
                            submitted_at=OPENS + timedelta(days=1))
    Portrait.objects.create(survey=survey, organisation=orgs["D"], deadline_extended_until=CLOSES + timedelta(days=10))
    preferences_set(email="c@cali.example", reminders=False)
    survey.people = people
    return survey


def rows(prefix):
    return {row.recipient: row for row in OutboxMessage.objects.filter(dedupe_key__startswith=prefix)}


# ------------------------------------------------------------------------------ opening
def test_opening_announcement_goes_once_to_approved_members_of_organisations_not_submitted(world):
    assert reminders.opening_announcements_send(now=OPENS - timedelta(minutes=1)) == 0
    assert reminders.opening_announcements_send(now=OPENS + timedelta(minutes=10)) == 3
    sent = rows("portrait-opening:")
    assert set(sent) == {"a@aarhus.example", "c@cali.example", "d@dakar.example"}  # not pending, not submitted
    assert sent["a@aarhus.example"].dedupe_key == f"portrait-opening:{world.pk}:{world.people['a'].pk}"
    # Essential: the one who turned reminders off still gets the year's invitation to the portrait.
    assert sent["c@cali.example"].status == OutboxStatus.QUEUED and sent["c@cali.example"].essential
    world.refresh_from_db()
    assert world.opening_announced_at == OPENS + timedelta(minutes=10)
    # Later runs, and a member approved later, get nothing more: the survey is announced.
    MemberFactory(organisation=world.people["a"].organisation, user__email="late@aarhus.example")
    assert reminders.opening_announcements_send(now=OPENS + timedelta(minutes=25)) == 0
    assert OutboxMessage.objects.filter(dedupe_key__startswith="portrait-opening:").count() == 3


def test_opening_announcement_is_in_the_members_language_and_zone(world):
    reminders.opening_announcements_send(now=OPENS + timedelta(hours=1))
    sent = rows("portrait-opening:")
    assert sent["a@aarhus.example"].subject == "Le portrait est ouvert : Portrait métropolitain"
    assert sent["c@cali.example"].subject.startswith("El retrato está abierto: ")
    assert sent["d@dakar.example"].subject == "The portrait is open: Green Infrastructure Metropolitan Portrait"
    local = timezone.localtime(CLOSES, ZoneInfo("America/Montreal"))
    with translation.override("fr"):
        expected = formats.date_format(local, "DATETIME_FORMAT")
    assert expected in sent["a@aarhus.example"].body_text and "America/Montreal" in sent["a@aarhus.example"].body_text


def test_a_closed_or_draft_edition_survey_is_not_announced(world):
    assert reminders.opening_announcements_send(now=CLOSES + timedelta(minutes=1)) == 0
    world.edition.status = "draft"
    world.edition.save()
    assert reminders.opening_announcements_send(now=OPENS + timedelta(hours=1)) == 0


# ------------------------------------------------------------------------------ closing
def test_closing_reminders_7_and_1_day_before_once_each(world):
    a, c = world.people["a"], world.people["c"]
    assert reminders.closing_reminders_send(now=CLOSES - timedelta(days=7, minutes=1)) == 0
    seven = CLOSES - timedelta(days=7) + timedelta(minutes=5)
    assert reminders.closing_reminders_send(now=seven) == 2  # A's approved member, C's (opted out)
    assert reminders.closing_reminders_send(now=seven + timedelta(minutes=15)) == 0  # the task runs again
    tasks.send_portrait_reminders()  # and through Celery, today: nothing due, nothing sent
    sent = rows("portrait-closing:")
    assert set(sent) == {"a@aarhus.example", "c@cali.example"}  # not B (submitted), not pending, not D (extended)
    assert sent["a@aarhus.example"].dedupe_key == f"portrait-closing:{world.pk}:7:{a.pk}"
    assert sent["a@aarhus.example"].status == OutboxStatus.QUEUED and not sent["a@aarhus.example"].essential
    assert sent["c@cali.example"].status == OutboxStatus.CANCELLED  # honours the opt-out
    assert sent["c@cali.example"].dedupe_key == f"portrait-closing:{world.pk}:7:{c.pk}"
    one = CLOSES - timedelta(hours=20)
    assert reminders.closing_reminders_send(now=one) == 2
    assert reminders.closing_reminders_send(now=one + timedelta(hours=1)) == 0
    assert OutboxMessage.objects.filter(dedupe_key=f"portrait-closing:{world.pk}:1:{a.pk}").exists()
    assert OutboxMessage.objects.filter(dedupe_key__startswith="portrait-closing:").count() == 4
    assert reminders.closing_reminders_send(now=CLOSES + timedelta(minutes=1)) == 0  # closed for A and C


def test_only_the_reminder_due_is_sent_when_the_first_run_is_late(world):
    assert reminders.closing_reminders_send(now=CLOSES - timedelta(hours=3)) == 2
    keys = set(OutboxMessage.objects.filter(dedupe_key__startswith="portrait-closing:").values_list("dedupe_key",
                                                                                                    flat=True))
    assert keys == {f"portrait-closing:{world.pk}:1:{world.people[key].pk}" for key in ("a", "c")}


def test_a_portrait_submitted_in_between_gets_no_more_reminders(world):
    reminders.closing_reminders_send(now=CLOSES - timedelta(days=6))
    portrait = Portrait.objects.get(organisation=world.people["a"].organisation)
    Portrait.objects.filter(pk=portrait.pk).update(status=PortraitStatus.SUBMITTED,
                                                   submitted_at=CLOSES - timedelta(days=2))
    reminders.closing_reminders_send(now=CLOSES - timedelta(hours=2))
    assert set(OutboxMessage.objects.filter(recipient="a@aarhus.example").values_list("dedupe_key", flat=True)) == {
        f"portrait-closing:{world.pk}:7:{world.people['a'].pk}"}
    assert OutboxMessage.objects.filter(dedupe_key=f"portrait-closing:{world.pk}:1:{world.people['c'].pk}").exists()


def test_a_deadline_extension_shifts_that_organisations_reminders(world, staff):
    d = world.people["d"]
    extended = CLOSES + timedelta(days=10)
    for moment in (CLOSES - timedelta(days=6), CLOSES - timedelta(hours=2), CLOSES + timedelta(days=2)):
        reminders.closing_reminders_send(now=moment)
    assert not rows("portrait-closing:").get("d@dakar.example")  # their deadline is ten days later
    assert reminders.closing_reminders_send(now=extended - timedelta(days=7) + timedelta(minutes=1)) == 1
    assert reminders.closing_reminders_send(now=extended - timedelta(hours=1)) == 1
    keys = set(OutboxMessage.objects.filter(recipient="d@dakar.example").values_list("dedupe_key", flat=True))
    assert keys == {f"portrait-closing:{world.pk}:7:{d.pk}", f"portrait-closing:{world.pk}:1:{d.pk}"}
    # The email gives their own deadline, in their zone.
    body = OutboxMessage.objects.get(dedupe_key=f"portrait-closing:{world.pk}:1:{d.pk}").body_text
    with translation.override("en"):
        expected = formats.date_format(timezone.localtime(extended, ZoneInfo("Europe/Madrid")), "DATETIME_FORMAT")
    assert expected in body and "Europe/Madrid" in body


def test_an_extension_given_by_staff_through_the_service_moves_the_reminders(world, staff):
    portrait = Portrait.objects.get(organisation=world.people["a"].organisation)
    a = world.people["a"]
    services.portrait_deadline_extend(portrait=portrait, until=CLOSES + timedelta(days=3), by=staff)
    reminders.closing_reminders_send(now=CLOSES - timedelta(hours=2))  # C's last day, A's: 3 days and 2 hours
    assert rows("portrait-closing:")["a@aarhus.example"].dedupe_key == f"portrait-closing:{world.pk}:7:{a.pk}"
    reminders.closing_reminders_send(now=CLOSES + timedelta(days=2, hours=1))
    assert OutboxMessage.objects.filter(dedupe_key=f"portrait-closing:{world.pk}:1:{a.pk}").exists()


@pytest.mark.parametrize(("language", "days", "subject"), [
    ("en", 7, "7 days left to submit the portrait of Aarhus"),
    ("en", 1, "1 day left to submit the portrait of Aarhus"),
    ("fr", 7, "Plus que 7 jours pour soumettre le portrait de Aarhus"),
    ("fr", 1, "Plus que 1 jour pour soumettre le portrait de Aarhus"),
    ("es", 7, "Quedan 7 días para enviar el retrato de Aarhus"),
    ("es", 1, "Queda 1 día para enviar el retrato de Aarhus"),
])
def test_closing_reminder_subject_in_each_language(world, language, days, subject):
    a = world.people["a"]
    a.preferred_language = language
    a.save()
    reminders.closing_reminders_send(now=CLOSES - timedelta(days=days) + timedelta(minutes=1))
    assert OutboxMessage.objects.get(dedupe_key=f"portrait-closing:{world.pk}:{days}:{a.pk}").subject == subject


def test_the_reminders_run_on_beat(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["portrait-reminders"]
    assert schedule["task"] == "surveys.tasks.send_portrait_reminders"
    assert schedule["schedule"] <= 3600  # at most an hour late on a 1-day reminder


def test_reminder_due():
    deadline = CLOSES
    assert reminders.reminder_due(deadline, deadline - timedelta(days=8)) is None
    assert reminders.reminder_due(deadline, deadline - timedelta(days=7)) == 7
    assert reminders.reminder_due(deadline, deadline - timedelta(days=1, seconds=1)) == 7
    assert reminders.reminder_due(deadline, deadline - timedelta(days=1)) == 1
    assert reminders.reminder_due(deadline, deadline) is None
