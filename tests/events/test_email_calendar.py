"""The invitation email and its calendar file: the member's language and zone (named), UTC times
in the file, a stable UID, SEQUENCE + 1 on an update; no join link before a yes."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from events import services
from events.models import Event, EventKind, Invitation
from mailings.models import OutboxMessage

from ..factories import EditionFactory, MemberFactory
from .conftest import JOIN_URL, make_respondent

pytestmark = pytest.mark.django_db

STARTS = datetime(2030, 7, 16, 12, 0, tzinfo=UTC)  # 14:00 in Barcelona (summer time)


@pytest.fixture
def event():
    edition = EditionFactory(year=2030)
    return Event.objects.create(edition=edition, kind=EventKind.WEBINAR, title="Green webinar",
                                title_fr="Webinaire vert", title_es="Webinario verde", starts_at=STARTS,
                                ends_at=STARTS + timedelta(minutes=90), time_zone="Europe/Madrid", join_url=JOIN_URL)


def parse(message):
    ics = base64.b64decode(message.attachments[0]["content_b64"])
    return next(c for c in Calendar.from_ical(ics).walk() if c.name == "VEVENT"), ics


@pytest.mark.parametrize("zone, language, local_start, local_end, subject", [
    ("Asia/Tokyo", "en", "9 p.m.", "10:30 p.m.", "You are invited: Green webinar"),
    ("America/Mexico_City", "es", "06:00", "07:30", "Webinario verde"),
    ("Europe/Madrid", "fr", "14:00", "15:30", "Webinaire vert"),
])
def test_email_and_calendar_for_members_around_the_world(event, zone, language, local_start, local_end, subject):
    member = MemberFactory(time_zone=zone, preferred_language=language)
    from surveys.models import Survey
    survey = Survey.objects.create(edition=event.edition, title="Portrait", opens_at=STARTS - timedelta(days=40),
                                   closes_at=STARTS - timedelta(days=10))
    make_respondent(survey, member)
    services.invitations_issue(event=event, now=STARTS - timedelta(days=5))
    message = OutboxMessage.objects.get(template="event_invitation", recipient=member.user.email)
    assert subject in message.subject
    assert message.language == language
    assert local_start in message.body_text and local_end in message.body_text
    assert zone in message.body_text  # the zone is named
    assert JOIN_URL not in message.body_text and JOIN_URL not in message.body_html
    assert message.sensitive  # the RSVP links are personal: staff never read them
    entry, ics = parse(message)
    assert entry.decoded("dtstart") == STARTS
    assert entry.decoded("dtend") == STARTS + timedelta(minutes=90)
    assert b"DTSTART:20300716T120000Z" in ics
    assert str(entry["uid"]) == f"event-{event.pk}@127.0.0.1" or str(entry["uid"]).startswith(f"event-{event.pk}@")
    assert JOIN_URL.encode() not in ics


def test_an_update_keeps_the_uid_and_raises_the_sequence(event, member):
    from surveys.models import Survey
    survey = Survey.objects.create(edition=event.edition, title="Portrait", opens_at=STARTS - timedelta(days=40),
                                   closes_at=STARTS - timedelta(days=10))
    make_respondent(survey, member)
    services.invitations_issue(event=event)
    first, _ = parse(OutboxMessage.objects.get(template="event_invitation"))
    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    services.event_save(event=event, changed=["starts_at", "ends_at"])
    messages = list(OutboxMessage.objects.filter(template="event_invitation").order_by("pk"))
    assert len(messages) == 2
    second, _ = parse(messages[1])
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) == int(first["sequence"]) + 1
    assert second.decoded("dtstart") == STARTS + timedelta(hours=1)
    assert messages[1].subject.startswith("Updated")
    # An edit that does not touch the schedule sends nothing.
    event.capacity = 100
    services.event_save(event=event, changed=["capacity"])
    assert OutboxMessage.objects.filter(template="event_invitation").count() == 2


def test_the_email_links_open_the_confirmation_page(client, event, member):
    from surveys.models import Survey
    survey = Survey.objects.create(edition=event.edition, title="Portrait", opens_at=STARTS - timedelta(days=40),
                                   closes_at=STARTS - timedelta(days=10))
    make_respondent(survey, member)
    services.invitations_issue(event=event)
    message = OutboxMessage.objects.get(template="event_invitation")
    invitation = Invitation.objects.get(member=member)
    yes = next(word for word in message.body_text.split() if "answer=yes" in word)
    assert services.rsvp_token(invitation).split(":")[0] in yes
    client.force_login(member.user)
    response = client.get(yes.replace("http://testserver", "").split("127.0.0.1")[-1].split(":8000")[-1])
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.rsvp == "none"
