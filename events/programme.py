"""City Managers Days: the programme (sessions and site visits) and the site visits that confirmed
participants pick. Views and the demo call these; nothing else writes a ``SiteVisitPick``.

**How a site visit's capacity holds.** ``site_visit_pick`` locks the participant's application row,
then the site visit's ``Session`` row (``SELECT ... FOR UPDATE``, always in that order, so two picks
never wait on each other in a cycle), and only then counts the picks already made and writes. On
PostgreSQL a second participant picking the same visit at the same moment waits at the session's
lock until the first commits, then counts the new pick: the last place goes once. The application's
lock serialises one participant's own picks (two tabs picking two visits at the same time), so the
overlap check sees the other pick. A CHECK cannot do this: the limit is a count over many rows.
(SQLite, the local default, has no row locks but lets one writer at a time: the same guarantee.)
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Application, Confirmation, Event, EventKind, Session, SessionKind, SiteVisitPick

# A pick counts against the capacity while its participant is confirmed (one who declines afterwards
# gives the place back without anyone deleting the row).
COUNTED = Q(picks__application__confirmation=Confirmation.CONFIRMED)


def sessions_with_places(event: Event):
    """The event's programme in time order, each session with ``taken``: the confirmed participants
    who picked it (one query, whatever the number of sessions and picks)."""
    return Session.objects.filter(event=event).annotate(taken=Count("picks", filter=COUNTED)).order_by(
        "starts_at", "pk")


def places_left(session) -> int | None:
    if session.capacity is None:
        return None
    return max(session.capacity - session.taken, 0)


@dataclass(frozen=True)
class ProgrammeDay:
    day: date
    sessions: list


def programme_days(sessions) -> list[ProgrammeDay]:
    """The sessions grouped by day in the active time zone (the member's), in time order."""
    days: list[ProgrammeDay] = []
    for session in sessions:
        day = timezone.localtime(session.starts_at).date()
        if not days or days[-1].day != day:
            days.append(ProgrammeDay(day=day, sessions=[]))
        days[-1].sessions.append(session)
    return days


def participant_application(event: Event, member) -> Application | None:
    """The member's application to ``event`` if they are a confirmed participant."""
    if member is None:
        return None
    return Application.objects.filter(event=event, member=member, confirmation=Confirmation.CONFIRMED).first()


def picked_ids(application: Application | None) -> set[int]:
    if application is None:
        return set()
    return set(application.site_visit_picks.values_list("session_id", flat=True))


def _check_participant(application: Application, session: Session, member) -> None:
    if member is None or application.member_id != member.pk:
        raise PermissionDenied(_("You can pick site visits only for your own place."))
    if application.confirmation != Confirmation.CONFIRMED:
        raise PermissionDenied(_("Only confirmed participants can pick site visits: confirm your place first."))
    if session.event_id != application.event_id:
        raise ValidationError(_("This site visit is not part of your event's programme."))
    if session.kind != SessionKind.SITE_VISIT:
        raise ValidationError(_("Only site visits are picked; every participant may attend the sessions."))


def _lock(application, session) -> tuple[Application, Session]:
    """Lock the application, then the site visit (the one order every pick and unpick uses)."""
    app_pk, session_pk = getattr(application, "pk", application), getattr(session, "pk", session)
    locked_application = Application.objects.select_for_update().get(pk=app_pk)
    locked_session = Session.objects.select_for_update().get(pk=session_pk)
    return locked_application, locked_session


@transaction.atomic
def site_visit_pick(application, session, member) -> SiteVisitPick:
    """``member`` picks the site visit ``session`` for their confirmed ``application``.

    Refused (``PermissionDenied``) to anyone but the confirmed participant themself; refused
    (``ValidationError``) when the visit is full or overlaps one already picked. Picking a visit
    already picked changes nothing."""
    application, session = _lock(application, session)
    _check_participant(application, session, member)
    existing = SiteVisitPick.objects.filter(session=session, application=application).first()
    if existing is not None:
        return existing
    clash = (Session.objects.filter(picks__application=application, kind=SessionKind.SITE_VISIT,
                                    starts_at__lt=session.ends_at, ends_at__gt=session.starts_at)
             .exclude(pk=session.pk).first())
    if clash is not None:
        raise ValidationError(_("“%(visit)s” is at the same time as “%(other)s”, which you have picked: "
                                "unpick it first.") % {"visit": session.title, "other": clash.title})
    # Counted under the session's row lock taken above: a concurrent pick waits for this commit.
    taken = SiteVisitPick.objects.filter(session=session, application__confirmation=Confirmation.CONFIRMED).count()
    if taken >= session.capacity:
        raise ValidationError(_("“%(visit)s” is full: all %(places)s places are taken.")
                              % {"visit": session.title, "places": session.capacity})
    return SiteVisitPick.objects.create(session=session, application=application)


@transaction.atomic
def site_visit_unpick(application, session, member) -> bool:
    """The confirmed participant gives their place on ``session`` back. Returns whether a pick was removed."""
    application, session = _lock(application, session)
    _check_participant(application, session, member)
    deleted, _rows = SiteVisitPick.objects.filter(session=session, application=application).delete()
    return bool(deleted)


def in_person_events():
    return Event.objects.filter(kind=EventKind.IN_PERSON)


def picks_by_visit(event: Event):
    """The site visits of ``event``, each with ``participants``: the confirmed participants who picked
    it (two queries), for the staff lists."""
    confirmed = (SiteVisitPick.objects.filter(application__confirmation=Confirmation.CONFIRMED)
                 .select_related("application__member__user", "application__member__organisation")
                 .order_by("application__member__user__last_name", "application__member__user__first_name", "pk"))
    return (Session.objects.filter(event=event, kind=SessionKind.SITE_VISIT).order_by("starts_at", "pk")
            .prefetch_related(Prefetch("picks", queryset=confirmed, to_attr="participants")))
