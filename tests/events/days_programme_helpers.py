"""Shared by the programme tests: confirmed participants and a programme of sessions and site visits."""

from datetime import timedelta

from django.utils import timezone

from events.models import Confirmation, Decision, Session, SessionKind

from .conftest import make_application


def make_participant(event, member=None, **fields):
    """A confirmed participant (selected, told, confirmed: the protocol accepted)."""
    now = timezone.now()
    values = {"decision": Decision.SELECTED, "decision_sent": Decision.SELECTED, "decided_at": now,
              "decision_sent_at": now, "confirmation": Confirmation.CONFIRMED, "confirmed_at": now,
              "protocol_accepted_at": now, "arrival_date": event.starts_at.date() - timedelta(days=1),
              "departure_date": event.ends_at.date(), **fields}
    return make_application(event, member, **values)


def make_session(event, *, title="Opening plenary", kind=SessionKind.SESSION, capacity=None, hour=0, hours=1,
                 day=0, **fields):
    starts = event.starts_at + timedelta(days=day, hours=hour)
    return Session.objects.create(event=event, kind=kind, title=title, starts_at=starts,
                                  ends_at=starts + timedelta(hours=hours), capacity=capacity, **fields)


def make_visit(event, *, title="Visit: Superblocks of Sant Antoni", capacity=2, hour=3, **fields):
    return make_session(event, title=title, kind=SessionKind.SITE_VISIT, capacity=capacity, hour=hour, **fields)
