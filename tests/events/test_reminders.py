"""The event reminders, with frozen time (``now=`` into the service): 24 h and 1 h before to a yes,
3 days before to no answer, each once; never to a "no", a revoked invitation or a member the gate
shuts out; opt-outs honoured; a moved event withdraws its queued reminders and gets new ones."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from community.models import MemberStatus
from events import reminders, services, tasks
from events.models import Event, EventKind, Invitation, InvitationStatus, Rsvp
from mailings.models import OutboxMessage, OutboxStatus
from mailings.services import preferences_set

from ..factories import MemberFactory
from .conftest import make_respondent

pytestmark = pytest.mark.django_db

STARTS = datetime(2030, 7, 16, 13, 0, tzinfo=UTC)


@pytest.fixture
def world(edition, survey):
    event = Event.objects.create(
        edition=edition, kind=EventKind.WEBINAR, title="Green infrastructure webinar",
        title_fr="Webinaire infrastructures vertes", title_es="Webinario de infraestructura verde",
        starts_at=STARTS, ends_at=STARTS + timedelta(minutes=90), time_zone="Europe/Madrid",
        join_url="https://meet.example.org/j/secret")
    people = {
        "yes": MemberFactory(user__email="yes@example.org", user__first_name="Yuki", time_zone="Asia/Tokyo"),
        "fr": MemberFactory(user__email="fr@example.org", preferred_language="fr", time_zone="Europe/Paris"),
        "es": MemberFactory(user__email="es@example.org", preferred_language="es", time_zone="America/Mexico_City"),
        "silent": MemberFactory(user__email="silent@example.org"),
        "no": MemberFactory(user__email="no@example.org"),
        "revoked": MemberFactory(user__email="revoked@example.org"),
        "ineligible": MemberFactory(user__email="ineligible@example.org"),
        "rejected": MemberFactory(user__email="rejected@example.org"),
        "opted_out": MemberFactory(user__email="optout@example.org"),
    }
    answered = timezone.now()
    for key, member in people.items():
        # "ineligible": a respondent of a draft only, with an old invitation and a yes.
        make_respondent(survey, member, submitted=key != "ineligible")
        rsvp = {"silent": Rsvp.NONE, "no": Rsvp.NO}.get(key, Rsvp.YES)
        Invitation.objects.create(
            event=event, member=member, rsvp=rsvp, rsvp_at=None if rsvp == Rsvp.NONE else answered,
            status=InvitationStatus.REVOKED if key == "revoked" else InvitationStatus.INVITED)
    people["rejected"].status = MemberStatus.REJECTED
    people["rejected"].save()
    preferences_set(email="optout@example.org", reminders=False)
    event.people = people
    return event


def sent(kind=None):
    rows = OutboxMessage.objects.filter(dedupe_key__startswith="event-reminder:").order_by("pk")  # the latest wins
    return {row.recipient: row for row in rows if kind is None or f":{kind}:" in row.dedupe_key}


def test_the_24_hour_reminder_goes_once_to_eligible_yes_answers_only(world):
    now = STARTS - timedelta(hours=23)
    assert reminders.event_reminders_send(now=now) == 5
    assert reminders.event_reminders_send(now=now + timedelta(minutes=5)) == 0  # the next beat run
    rows = sent("24h")
    # No "no", no revoked invitation, no member shut out by the gate (draft portrait, rejected).
    assert set(rows) == {"yes@example.org", "fr@example.org", "es@example.org", "optout@example.org"}
    invitation = Invitation.objects.get(event=world, member=world.people["yes"])
    assert rows["yes@example.org"].dedupe_key == f"event-reminder:{world.pk}:0:24h:{invitation.pk}"
    # The one who has not answered gets their one reminder (its window runs until the start).
    assert set(sent()) - set(rows) == {"silent@example.org"} and set(sent("3d")) == {"silent@example.org"}


def test_running_the_task_twice_sends_each_reminder_once(world, settings):
    for now in (STARTS - timedelta(days=2, hours=23), STARTS - timedelta(hours=20), STARTS - timedelta(minutes=50)):
        for _ in range(2):
            reminders.event_reminders_send(now=now)
    keys = list(OutboxMessage.objects.filter(dedupe_key__startswith="event-reminder:").values_list("dedupe_key",
                                                                                                  flat=True))
    assert len(keys) == len(set(keys)) == 1 + 4 + 4  # 3 days (no answer), 24 h and 1 h (yes, eligible)
    assert set(sent("3d")) == {"silent@example.org"}
    assert set(sent("1h")) == set(sent("24h"))


def test_the_task_queues_what_is_due_now(world):
    # The beat task runs with the real clock: nothing is due years before the event.
    assert tasks.send_event_reminders() == 0
    assert settings.CELERY_BEAT_SCHEDULE["event-reminders"] == {
        "task": "events.tasks.send_event_reminders", "schedule": 300.0}


def test_the_1_hour_reminder_is_not_sent_2_hours_before(world):
    reminders.event_reminders_send(now=STARTS - timedelta(hours=2))
    assert sent("1h") == {}
    assert "yes@example.org" in sent("24h")
    reminders.event_reminders_send(now=STARTS - timedelta(minutes=59))
    assert "yes@example.org" in sent("1h")


def test_only_the_reminder_due_now_goes_and_none_after_the_start(world):
    # The first run falls 30 minutes before: the 1-hour reminder, not the 24-hour one too.
    reminders.event_reminders_send(now=STARTS - timedelta(minutes=30))
    assert sent("24h") == {} and "yes@example.org" in sent("1h")
    assert sent("3d") == {"silent@example.org": sent("3d")["silent@example.org"]}
    OutboxMessage.objects.all().delete()
    assert reminders.event_reminders_send(now=STARTS) == 0
    assert reminders.event_reminders_send(now=STARTS - timedelta(days=3, minutes=1)) == 0


def test_no_answer_gets_one_reminder_3_days_before(world):
    assert reminders.event_reminders_send(now=STARTS - timedelta(days=3, minutes=1)) == 0
    reminders.event_reminders_send(now=STARTS - timedelta(days=3))
    assert set(sent()) == {"silent@example.org"}
    reminders.event_reminders_send(now=STARTS - timedelta(days=1))
    assert set(sent("3d")) == {"silent@example.org"}
    assert OutboxMessage.objects.filter(recipient="silent@example.org").count() == 1


def test_an_opted_out_member_is_recorded_cancelled(world):
    reminders.event_reminders_send(now=STARTS - timedelta(hours=3))
    rows = sent("24h")
    assert rows["optout@example.org"].status == OutboxStatus.CANCELLED
    assert rows["yes@example.org"].status != OutboxStatus.CANCELLED
    assert not rows["yes@example.org"].essential


def test_reminders_are_in_the_members_language_with_the_time_in_their_zone(world):
    reminders.event_reminders_send(now=STARTS - timedelta(hours=5))
    rows = sent("24h")
    assert rows["yes@example.org"].subject == "Tomorrow: Green infrastructure webinar"
    assert rows["fr@example.org"].subject == "Demain : Webinaire infrastructures vertes"
    assert rows["es@example.org"].subject == "Mañana: Webinario de infraestructura verde"
    tokyo = timezone.localtime(STARTS, ZoneInfo("Asia/Tokyo"))
    with translation.override("en"):
        expected = formats.date_format(tokyo, "DATETIME_FORMAT")
    body = rows["yes@example.org"].body_text
    assert expected in body and "(Asia/Tokyo)" in body
    assert "meet.example.org" not in body  # the join link stays on the event page
    assert f"/events/{world.pk}/" in body
    reminders.event_reminders_send(now=STARTS - timedelta(minutes=10))
    assert sent("1h")["fr@example.org"].subject == "Dans une heure : Webinaire infrastructures vertes"
    assert sent("1h")["es@example.org"].subject == "En una hora: Webinario de infraestructura verde"


def test_no_answer_subjects_in_french_and_spanish(world, survey):
    for key, language in (("fr2", "fr"), ("es2", "es")):
        member = MemberFactory(user__email=f"{key}@example.org", preferred_language=language)
        make_respondent(survey, member)
        Invitation.objects.create(event=world, member=member)
    reminders.event_reminders_send(now=STARTS - timedelta(days=2))
    rows = sent("3d")
    assert rows["fr2@example.org"].subject == "Dans 3 jours : Webinaire infrastructures vertes. Venez-vous ?"
    assert rows["es2@example.org"].subject == "En 3 días: Webinario de infraestructura verde. ¿Vendrá?"


def test_moving_the_event_withdraws_queued_reminders_and_schedules_new_ones(world):
    reminders.event_reminders_send(now=STARTS - timedelta(hours=12))
    old = sent("24h")["yes@example.org"]
    assert old.status == OutboxStatus.QUEUED
    world.starts_at, world.ends_at = STARTS + timedelta(days=1), STARTS + timedelta(days=1, minutes=90)
    services.event_save(event=world, changed=["starts_at", "ends_at"])
    old.refresh_from_db()
    assert old.status == OutboxStatus.CANCELLED
    # At the old time the 24-hour reminders are not due any more (36 hours before the new start);
    # the no-answer one, withdrawn too, comes again for the new time.
    assert reminders.event_reminders_send(now=STARTS - timedelta(hours=12, minutes=-5)) == 1
    silent = OutboxMessage.objects.filter(recipient="silent@example.org",
                                          dedupe_key__startswith="event-reminder:").order_by("pk")
    assert [(row.dedupe_key.split(":")[2:4], row.status) for row in silent] == [
        (["0", "3d"], OutboxStatus.CANCELLED), (["1", "3d"], OutboxStatus.QUEUED)]
    # ...and the 24-hour ones come again, under the new calendar version, for the new time.
    assert reminders.event_reminders_send(now=STARTS + timedelta(days=1) - timedelta(hours=12)) == 4
    new = sent("24h")["yes@example.org"]
    assert new.pk != old.pk and new.status == OutboxStatus.QUEUED
    assert new.dedupe_key.startswith(f"event-reminder:{world.pk}:1:24h:")
    tokyo = timezone.localtime(STARTS + timedelta(days=1), ZoneInfo("Asia/Tokyo"))
    assert formats.date_format(tokyo, "DATETIME_FORMAT") in new.body_text


def test_a_title_change_does_not_withdraw_queued_reminders(world):
    reminders.event_reminders_send(now=STARTS - timedelta(hours=12))
    row = sent("24h")["yes@example.org"]
    world.title_en = "Blue infrastructure webinar"
    services.event_save(event=world, changed=["title_en"])
    row.refresh_from_db()
    assert row.status == OutboxStatus.QUEUED


def test_moving_the_event_in_the_admin_withdraws_its_queued_reminders(client, staff, webinar, survey, member):
    make_respondent(survey, member)
    Invitation.objects.create(event=webinar, member=member, rsvp=Rsvp.YES, rsvp_at=timezone.now())
    reminders.event_reminders_send(now=webinar.starts_at - timedelta(hours=12))
    row = OutboxMessage.objects.get(dedupe_key__startswith=f"event-reminder:{webinar.pk}:0:24h:")
    client.force_login(staff)
    url = reverse("admin:events_event_change", args=[webinar.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | dict)}
    day = (webinar.starts_at + timedelta(days=1)).strftime("%Y-%m-%d")
    data.update({"edition": webinar.edition_id, "starts_at_0": day, "starts_at_1": "09:00:00",
                 "ends_at_0": day, "ends_at_1": "10:00:00", "capacity": ""})
    data.pop("starts_at", None), data.pop("ends_at", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.status == OutboxStatus.CANCELLED
