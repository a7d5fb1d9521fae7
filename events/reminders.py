"""The event reminders on a schedule (Celery beat runs ``events.tasks.send_event_reminders``).

- To invitees who answered **yes**: 24 hours and 1 hour before the start.
- To invitees who have **not answered**: once, 3 days before.
- None to a "no", a revoked invitation or a member the gate (``eligible_members``) no longer lets in.

Only the reminder due now is sent (a yes given 30 minutes before gets the 1-hour one, not the
24-hour one too). Each has a dedupe key ``event-reminder:<event>:<sequence>:<kind>:<invitation>``,
so running the task twice sends nothing twice. When staff move an event, ``events.services.event_save``
withdraws its queued reminders and the sequence grows, so the next run computes them for the new time.
Reminders are *not essential*: a member who turned reminders off gets none (recorded as cancelled).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mailings.services import MailRequest, mail_queue_many

from .models import Event, EventKind, Invitation, InvitationStatus, Rsvp
from .services import eligible_members, event_url

# kind -> (the answer it is for, how long before the start it is due)
REMINDERS = {
    "1h": (Rsvp.YES, timedelta(hours=1)),
    "24h": (Rsvp.YES, timedelta(hours=24)),
    "3d": (Rsvp.NONE, timedelta(days=3)),
}
LONGEST = max(before for _rsvp, before in REMINDERS.values())


def reminder_due(starts_at, rsvp: str, now) -> str | None:
    """The reminder due at ``now`` for an invitee with this answer: the one with the shortest lead
    such that ``starts_at - lead <= now < starts_at``; None when none is due."""
    for kind, (answer, before) in sorted(REMINDERS.items(), key=lambda item: item[1][1]):
        if answer == rsvp and starts_at - before <= now < starts_at:
            return kind
    return None


def reminder_prefix(event: Event) -> str:
    return f"event-reminder:{event.pk}:"


def _titles(event) -> dict[str, str]:
    return {language: event.title_in(language) for language, _name in settings.LANGUAGES}


def event_reminders_send(*, now=None) -> int:
    """Queue the reminders due now for every event starting within 3 days. Returns how many."""
    now = now or timezone.now()
    # Webinars: the in-person days take no invitation (their participants confirm a place instead).
    events = Event.objects.filter(starts_at__gt=now, starts_at__lte=now + LONGEST, kind=EventKind.WEBINAR)
    return sum(_remind(event, now) for event in events)


def _remind(event: Event, now) -> int:
    # The gate again: a revoked invitation, a "no" or a member no longer eligible gets nothing.
    rows = (Invitation.objects.filter(event=event, status=InvitationStatus.INVITED, rsvp__in=[Rsvp.YES, Rsvp.NONE],
                                      member_id__in=eligible_members(event).values("pk"))
            .order_by("pk")
            .values_list("pk", "rsvp", "member__user__email", "member__user__first_name",
                         "member__preferred_language", "member__time_zone"))
    titles, url = _titles(event), event_url(event)
    requests = []
    for invitation_id, rsvp, email, first_name, language, zone in rows:
        kind = reminder_due(event.starts_at, rsvp, now)
        if kind is None:
            continue
        requests.append(MailRequest(
            to=email, template="event_reminder", language=language, time_zone=zone, essential=False,
            dedupe_key=f"{reminder_prefix(event)}{event.sequence}:{kind}:{invitation_id}",
            cause=f"event:{event.pk}",
            context={"first_name": first_name, "event_title": titles.get(language, titles["en"]),
                     "in_one_hour": kind == "1h", "tomorrow": kind == "24h", "answered_yes": rsvp == Rsvp.YES,
                     "is_webinar": event.is_webinar,
                     "venue": event.venue, "starts_at": event.starts_at, "ends_at": event.ends_at,
                     "event_url": url},
        ))
    if not requests:
        return 0
    with transaction.atomic():
        return mail_queue_many(requests)
