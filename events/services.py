"""The rules of events: who is eligible, invitations (issue, revoke, answer), the invitation email
and its calendar file, exceptions, copies. Views, admin actions and receivers call these.

The gate is one rule, ``member_is_eligible`` (bulk: ``eligible_members``): an approved member who
is a respondent of a submitted portrait of the edition's survey, or who holds an active exception.
It is checked when an invitation is issued *and* each time it is used, so a re-opened portrait, a
withdrawn exception or a rejected membership never leaves an old link working.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community import audit
from community.models import Member, MemberStatus
from mailings.services import Attachment, MailRequest, mail_queue_many, outbox_cancel_for, outbox_cancel_prefix
from surveys.models import PortraitStatus, Respondent

from .audit import EventAction
from .models import EligibilityException, Event, EventKind, Invitation, InvitationStatus, Rsvp

RSVP_SALT = "events.invitation.rsvp"
# Why an in-person event's invitations were revoked (also by migration 0009).
DAYS_TAKE_APPLICATIONS = "City Managers Days take applications, not invitations."


# ------------------------------------------------------------------------------ eligibility
def _eligible_condition(event: Event) -> Q:
    if event.kind == EventKind.IN_PERSON:  # City Managers Days: the edition's rule (events.days)
        from .days import eligible_condition

        return eligible_condition(event)
    respondent = Respondent.objects.filter(
        member=OuterRef("pk"), portrait__status=PortraitStatus.SUBMITTED,
        portrait__survey__edition_id=event.edition_id)
    exception = EligibilityException.objects.active().filter(member=OuterRef("pk"), event=event)
    return Q(status=MemberStatus.APPROVED) & (Exists(respondent) | Exists(exception))


def eligible_members(event: Event) -> QuerySet:
    """Every member eligible for ``event``, as one query (no duplicates: EXISTS, not joins)."""
    return Member.objects.filter(_eligible_condition(event))


def member_is_eligible(member, event: Event) -> bool:
    """The gate, for one member (one query; none for a member who is not approved)."""
    if member is None or member.status != MemberStatus.APPROVED:
        return False
    return eligible_members(event).filter(pk=member.pk).exists()


def eligible_ids(members, event: Event) -> set[int]:
    """Which of ``members`` are eligible, in one query (dashboard steps, lists)."""
    ids = [m.pk for m in members]
    if not ids:
        return set()
    return set(eligible_members(event).filter(pk__in=ids).values_list("pk", flat=True))


# ------------------------------------------------------------------------------ tokens
def rsvp_token(invitation: Invitation) -> str:
    """A signed token naming the invitation and its member; it stops working when the event ends
    (checked against the event's current end, read when it is used)."""
    return signing.dumps({"i": invitation.pk, "m": invitation.member_id}, salt=RSVP_SALT, compress=True)


class TokenError(Exception):
    """A tampered, expired or someone else's token; ``reason`` picks the page's explanation."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_from_token(token: str, *, member, now=None) -> Invitation:
    """The invitation a token names, for the signed-in ``member``. Raises ``TokenError`` with
    ``invalid`` (tampered), ``other_member`` (someone else's link) or ``expired`` (event over)."""
    try:
        data = signing.loads(token, salt=RSVP_SALT)
        invitation_id, member_id = int(data["i"]), int(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise TokenError("invalid") from None
    invitation = (Invitation.objects.select_related("event", "member__user")
                  .filter(pk=invitation_id, member_id=member_id).first())
    if invitation is None:
        raise TokenError("invalid")
    if member is None or invitation.member_id != member.pk:
        raise TokenError("other_member")
    if invitation.event.has_ended(now):
        raise TokenError("expired")
    return invitation


# ------------------------------------------------------------------------------ calendar file
def calendar_uid(event: Event) -> str:
    """Stable per event: an update (SEQUENCE + 1) replaces the entry in the member's calendar."""
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "portal.invalid"
    return f"event-{event.pk}@{host}"


def event_url(event: Event) -> str:
    return settings.PORTAL_BASE_URL + reverse("events:event", args=[event.pk])


def calendar_file(event: Event, *, language: str = "en") -> bytes:
    """The event as an iCalendar file (RFC 5545), times in UTC. It never holds the join link: the
    event page shows it to those who answered yes."""
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    with translation.override(language):
        title, description = str(event.title), str(event.description)
        note = _("The join link is on the event page once you answer yes: %(url)s") % {"url": event_url(event)}
    calendar = Calendar()
    calendar.add("prodid", "-//City Managers Community//Community Portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", calendar_uid(event))
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", timezone.now().astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", title)
    entry.add("description", f"{description}\n\n{note}".strip())
    entry.add("url", event_url(event))
    if event.kind == EventKind.IN_PERSON and event.venue:
        entry.add("location", event.venue)
    calendar.add_component(entry)
    return calendar.to_ical()


def calendar_filename(event: Event) -> str:
    return f"event-{event.pk}.ics"


# ------------------------------------------------------------------------------ invitation email
def _invitation_mail(invitation: Invitation, resend: str = "", calendars: dict | None = None) -> MailRequest:
    """``calendars``: what is the same for every invitee in a language, by (event, language): the
    calendar file (it holds nothing personal), the title, description and page address, made once for
    a bulk send."""
    event, member = invitation.event, invitation.member
    language = member.preferred_language
    token = rsvp_token(invitation)
    rsvp = settings.PORTAL_BASE_URL + reverse("events:rsvp", args=[token])
    calendars = {} if calendars is None else calendars
    if (event.pk, language) not in calendars:
        with translation.override(language):
            calendars[event.pk, language] = (calendar_file(event, language=language), str(event.title),
                                             str(event.description), event_url(event))
    calendar, title, description, page_url = calendars[event.pk, language]
    return MailRequest(
        to=member.user.email,
        template="event_invitation",
        context={
            "first_name": member.user.first_name,
            "event_title": title,
            "event_description": description,
            "is_webinar": event.is_webinar,
            "venue": event.venue,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "updated": event.sequence > 0,
            "rsvp_yes_url": f"{rsvp}?answer=yes",
            "rsvp_no_url": f"{rsvp}?answer=no",
            "event_url": page_url,
        },
        # A new row for each calendar version and each issue (a re-issued invitation is mailed again).
        # A staff resend adds its own suffix: the sensitive body of the first one is gone, so a new row.
        dedupe_key=(f"event-invitation:{invitation.pk}:{event.sequence}:{invitation.issued_at.timestamp():.0f}"
                    + (f":resend:{resend}" if resend else "")),
        language=language,
        time_zone=member.time_zone,
        attachments=(Attachment(calendar_filename(event), calendar, "text/calendar"),),
        cause=f"event:{event.pk}",
        sensitive=True,  # the RSVP links are personal
    )


def invitations_mail(invitations, *, resend: str = "") -> int:
    """Queue the invitation email of each invitation (one bulk insert). ``resend``: a key of the
    staff resend, so that the email is queued again although it went out before."""
    calendars = {}
    return mail_queue_many([_invitation_mail(i, resend, calendars) for i in invitations])


@transaction.atomic
def invitations_resend(*, invitations, by, now=None) -> int:
    """Staff: mail the invitation again to each of ``invitations`` (or their ids) still usable (active, event not
    over, member eligible now); revoked or stale ones are skipped. One audit entry per event.
    Returns how many emails were queued."""
    now = now or timezone.now()
    resend = uuid.uuid4().hex  # fresh for each resend: two clicks mean two emails, as asked
    ids = [getattr(i, "pk", i) for i in invitations]
    chosen = (Invitation.objects.filter(pk__in=ids, status=InvitationStatus.INVITED, event__ends_at__gt=now,
                                        event__kind=EventKind.WEBINAR)
              .select_related("event", "member__user").order_by("event_id", "pk"))
    by_event: dict[int, list[Invitation]] = {}
    for invitation in chosen:
        by_event.setdefault(invitation.event_id, []).append(invitation)
    queued = 0
    for group in by_event.values():
        event = group[0].event
        eligible = eligible_ids([i.member for i in group], event)  # the gate, one query per event
        usable = [i for i in group if i.member_id in eligible]
        if not usable:
            continue
        invitations_mail(usable, resend=resend)
        queued += len(usable)
        audit.record(by, EventAction.INVITATIONS_RESENT, event,
                     after={"resent": len(usable), "invitations": [i.pk for i in usable]})
    return queued


# ------------------------------------------------------------------------------ issuing and revoking
@transaction.atomic
def invitations_issue(*, event: Event, members=None, by=None, now=None) -> list[Invitation]:
    """Invite the eligible among ``members`` (all eligible members when None) who have no active
    invitation yet, and mail them. Never a duplicate (a database constraint; ignore_conflicts), and a
    revoked invitation of a member eligible again becomes active again. Returns the invitations issued."""
    now = now or timezone.now()
    if not event.is_webinar or event.has_ended(now):
        return []  # the in-person days take applications and selections, not invitations
    candidates = eligible_members(event)
    if members is not None:
        candidates = candidates.filter(pk__in=[m.pk if isinstance(m, Member) else m for m in members])
    candidate_ids = set(candidates.values_list("pk", flat=True))
    if not candidate_ids:
        return []
    existing = dict(Invitation.objects.filter(event=event, member_id__in=candidate_ids)
                    .values_list("member_id", "status"))
    fresh = candidate_ids - existing.keys()
    revived = {pk for pk, status in existing.items() if status == InvitationStatus.REVOKED}
    Invitation.objects.bulk_create(
        [Invitation(event=event, member_id=pk, issued_at=now, issued_by=by) for pk in fresh],
        batch_size=1000, ignore_conflicts=True)
    if revived:
        Invitation.objects.filter(event=event, member_id__in=revived, status=InvitationStatus.REVOKED).update(
            status=InvitationStatus.INVITED, issued_at=now, issued_by=by, revoked_at=None, revoked_reason="",
            rsvp=Rsvp.NONE, rsvp_at=None)
    # Read back what this call issued (a concurrent call's rows have another issued_at).
    issued = list(Invitation.objects.filter(event=event, member_id__in=fresh | revived, issued_at=now,
                                            status=InvitationStatus.INVITED)
                  .select_related("member__user"))
    for invitation in issued:
        invitation.event = event  # one event for all: not read and built again for each of thousands
    invitations_mail(issued)
    return issued


@transaction.atomic
def invite_all_eligible(*, event: Event, by) -> int:
    """Staff: invite every eligible member not invited yet (the admin action). Idempotent."""
    issued = invitations_issue(event=event, by=by)
    audit.record(by, EventAction.INVITED_ALL_ELIGIBLE, event, after={"invited": len(issued)})
    return len(issued)


def invitations_revoke_stale(*, events=None, members=None, now=None) -> int:
    """Revoke active invitations whose member is no longer eligible (portrait re-opened, exception
    withdrawn, membership rejected). The gate is also checked at each use: this keeps lists true."""
    now = now or timezone.now()
    invitations = Invitation.objects.filter(status=InvitationStatus.INVITED)
    if members is not None:
        invitations = invitations.filter(member__in=members)
    events = list(events) if events is not None else list(
        Event.objects.filter(pk__in=invitations.values("event_id").distinct()))
    revoked = 0
    for event in events:
        revoked += invitations.filter(event=event).exclude(
            member_id__in=eligible_members(event).values("pk")).update(
            status=InvitationStatus.REVOKED, revoked_at=now,
            revoked_reason="No longer eligible (portrait re-opened, exception withdrawn or membership ended).")
    return revoked


def upcoming_webinars(edition_id) -> QuerySet:
    return Event.objects.filter(edition_id=edition_id, kind=EventKind.WEBINAR, ends_at__gt=timezone.now())


def invitations_for_portrait(*, portrait, members=None) -> int:
    """A portrait was submitted (or gained a respondent): invite its respondents to the edition's
    upcoming webinars."""
    if members is None:
        members = list(Respondent.objects.filter(portrait=portrait).values_list("member_id", flat=True))
    issued = 0
    for event in upcoming_webinars(portrait.survey.edition_id):
        issued += len(invitations_issue(event=event, members=members))
    return issued


def portrait_reopened(*, portrait) -> int:
    members = Respondent.objects.filter(portrait=portrait).values("member_id")
    return invitations_revoke_stale(events=Event.objects.filter(edition_id=portrait.survey.edition_id),
                                    members=Member.objects.filter(pk__in=members))


# ------------------------------------------------------------------------------ exceptions
@transaction.atomic
def exception_grant(*, event: Event, member, reason: str, by) -> EligibilityException:
    """Let ``member`` take part although the rule says no; recorded with who, when and why, and the
    invitation goes out at once."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the exception."))
    if EligibilityException.objects.active().filter(event=event, member=member).exists():
        raise ValidationError(_("This member already has an exception for this event."))
    exception = EligibilityException.objects.create(event=event, member=member, reason=reason, granted_by=by)
    audit.record(by, EventAction.EXCEPTION_GRANTED, exception, after={"event": event.pk, "member": member.pk},
                 reason=reason)
    if event.is_webinar:  # the in-person days take applications, not invitations
        invitations_issue(event=event, members=[member], by=by)
    return exception


@transaction.atomic
def exception_withdraw(*, exception: EligibilityException, by, reason: str = "") -> EligibilityException:
    """End an exception; the member's invitation is revoked unless the rule itself lets them in."""
    exception = EligibilityException.objects.select_for_update().get(pk=exception.pk)
    if exception.withdrawn_at is not None:
        return exception
    exception.withdrawn_at = timezone.now()
    exception.withdrawn_by = by
    exception.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(by, EventAction.EXCEPTION_WITHDRAWN, exception, before={"active": True}, after={"active": False},
                 reason=reason)
    invitations_revoke_stale(events=[exception.event], members=Member.objects.filter(pk=exception.member_id))
    return exception


# ------------------------------------------------------------------------------ the member's answer
def gate_and_invitation(*, event: Event, member) -> tuple[bool, Invitation | None]:
    """Whether the gate lets the member in now, and their active invitation if it does: one query
    when they hold one (the event page of an invitee), two when they do not."""
    if member is None or member.status != MemberStatus.APPROVED:
        return False, None
    invitation = (Invitation.objects.filter(event=event, member=member, status=InvitationStatus.INVITED)
                  .annotate(gate=Exists(eligible_members(event).filter(pk=OuterRef("member_id")))).first())
    if invitation is None:
        return member_is_eligible(member, event), None
    return invitation.gate, invitation if invitation.gate else None


def usable_invitation(*, event: Event, member, eligible: bool | None = None) -> Invitation | None:
    """The member's active invitation if the gate lets them in now; else None. ``eligible``: the
    gate's answer when the caller has just asked it."""
    if eligible is None:
        return gate_and_invitation(event=event, member=member)[1]
    if not eligible:
        return None
    return Invitation.objects.filter(event=event, member=member, status=InvitationStatus.INVITED).first()


@transaction.atomic
def invitation_respond(*, invitation: Invitation, member, answer: str, now=None) -> Invitation:
    """Record the member's yes or no. Answering the same twice changes nothing; two tabs answering at
    once are serialised by the row lock (the last one wins, both pages then show it)."""
    now = now or timezone.now()
    if answer not in (Rsvp.YES, Rsvp.NO):
        raise ValidationError(_("Answer yes or no."))
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("event").get(pk=invitation.pk)
    if member is None or invitation.member_id != member.pk:
        raise PermissionDenied(_("This invitation is for someone else."))
    if not invitation.event.is_webinar:  # a place at the days comes through an application and a selection
        raise PermissionDenied(_("This event takes applications, not answers."))
    if invitation.status != InvitationStatus.INVITED or not member_is_eligible(member, invitation.event):
        raise PermissionDenied(_("This invitation is no longer valid."))
    if invitation.event.has_ended(now):
        raise ValidationError(_("The event is over: answers are closed."))
    if invitation.rsvp != answer:
        invitation.rsvp, invitation.rsvp_at = answer, now
        invitation.save(update_fields=["rsvp", "rsvp_at"])
    return invitation


def invitation_get_or_issue(*, event: Event, member) -> Invitation | None:
    """An eligible member who was not invited yet (e.g. the event was added after their submission)
    gets their invitation when they act on the event page."""
    eligible, invitation = gate_and_invitation(event=event, member=member)
    if invitation is None and eligible:
        issued = invitations_issue(event=event, members=[member])
        invitation = issued[0] if issued else usable_invitation(event=event, member=member)
    return invitation


# ------------------------------------------------------------------------------ staff edits and copies
SCHEDULE_FIELDS = ("starts_at", "ends_at", "title_en", "title_fr", "title_es", "venue", "kind")


@transaction.atomic
def event_save(*, event: Event, changed: list[str] | tuple[str, ...] = ()) -> Event:
    """Save a staff edit. When the time, title or venue changed, the calendar version grows and the
    active invitees get the email again with the updated calendar file (same UID: it replaces the entry)."""
    creating = event.pk is None
    if not creating and any(name in SCHEDULE_FIELDS for name in changed):
        event.sequence += 1
    event.save()
    if not creating and not event.is_webinar:
        # Made an in-person event: a place there comes through an application, not an invitation.
        # Its invitation emails and reminders not sent yet are withdrawn, in one query.
        outbox_cancel_for(cause=f"event:{event.pk}", templates=("event_invitation", "event_reminder"))
        Invitation.objects.filter(event=event, status=InvitationStatus.INVITED).update(
            status=InvitationStatus.REVOKED, revoked_at=timezone.now(), revoked_reason=DAYS_TAKE_APPLICATIONS)
    if not creating and "starts_at" in changed:
        # Moved: reminders still queued are for the old time. The sequence is in their keys, so
        # the next beat run queues them again for the new time (events/reminders.py).
        outbox_cancel_prefix(f"event-reminder:{event.pk}:")
    if not creating and event.is_webinar and any(name in SCHEDULE_FIELDS for name in changed) \
            and not event.has_ended():
        active = Invitation.objects.filter(event=event, status=InvitationStatus.INVITED).exclude(rsvp=Rsvp.NO)
        invitations_mail(active.select_related("event", "member__user"))
    return event


def _shift(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


@transaction.atomic
def events_copy(*, source, edition) -> list[Event]:
    """Copy the events of edition ``source`` into ``edition`` (every language), dates moved by the
    years between them; no join link (next year's meeting is a new one), no invitation."""
    from community.translated import translation_values

    years = edition.year - source.year
    copies = []
    for event in Event.objects.filter(edition=source):
        copies.append(Event.objects.create(
            edition=edition, kind=event.kind, starts_at=_shift(event.starts_at, years),
            ends_at=_shift(event.ends_at, years), time_zone=event.time_zone, venue=event.venue,
            capacity=event.capacity, **translation_values(event)))
        if event.kind == EventKind.IN_PERSON:  # its settings, budget, criteria and programme (events.copy_days)
            from .copy_days import days_copy

            days_copy(source=event, copy=copies[-1], years=years, shift=_shift)
    return copies


# ------------------------------------------------------------------------------ attendance
def attendance_min_minutes() -> int:
    """Minutes in the meeting to count as having attended (EVENT_ATTENDANCE_MIN_MINUTES, default 10)."""
    return settings.EVENT_ATTENDANCE_MIN_MINUTES


def attended_invitations(event: Event) -> QuerySet:
    """The invitations of ``event`` whose member attended (what City Managers Days eligibility reads)."""
    return Invitation.objects.filter(event=event, attended=True)


def attended_member_ids(event: Event) -> set[int]:
    """The ids of the members who attended ``event`` (``Invitation.attended`` is true), one query."""
    return set(attended_invitations(event).values_list("member_id", flat=True))


@dataclass
class AttendanceResult:
    """What an import did (the result page); ``addresses`` are normalised."""

    matched: int = 0  # invitees found in the file
    updated: list[tuple[str, int, bool]] = field(default_factory=list)  # (address, minutes, attended)
    unchanged: int = 0
    attended: int = 0  # of the matched, how many reach the threshold
    unknown: list[str] = field(default_factory=list)  # no member has this address
    not_invited: list[str] = field(default_factory=list)  # a member, but not invited to this event
    min_minutes: int = 0


def _invitations_by_address(event: Event, addresses) -> tuple[dict[str, Invitation], set[str]]:
    """{address: invitation of the event} for the addresses given (the login address or a verified
    allauth address of the member), and the addresses of members who are not invited."""
    from allauth.account.models import EmailAddress

    addresses = list(addresses)
    user_ids = dict(Member.objects.filter(user__email__in=addresses).values_list("user__email", "pk"))
    for email, member_id in (EmailAddress.objects.filter(email__in=addresses, verified=True)
                             .exclude(email__in=user_ids.keys())
                             .filter(user__member__isnull=False).values_list("email", "user__member__pk")):
        user_ids.setdefault(email.lower(), member_id)
    invitations = {i.member_id: i for i in Invitation.objects.select_for_update()
                   .filter(event=event, member_id__in=set(user_ids.values()))}
    found = {email: invitations[mid] for email, mid in user_ids.items() if mid in invitations}
    return found, {email for email, mid in user_ids.items() if mid not in invitations}


@transaction.atomic
def attendance_import(*, event: Event, minutes: dict[str, int], by, min_minutes: int | None = None,
                      source: str = "") -> AttendanceResult:
    """Record the attendance a meeting tool reported: ``minutes`` maps normalised addresses to the
    minutes attended (rows of one address already summed). Each invitee found gets exactly these
    minutes and ``attended`` = minutes >= ``min_minutes`` (set, not added: importing the same file
    twice changes nothing). Invitees absent from the file are left as they are; addresses of no
    member, or of members not invited, are reported and nothing is created for them. One audit entry."""
    if min_minutes is None:
        min_minutes = attendance_min_minutes()
    if min_minutes < 0:
        raise ValidationError(_("The minimum number of minutes cannot be negative."))
    result = AttendanceResult(min_minutes=min_minutes)
    found, not_invited = _invitations_by_address(event, minutes)
    result.not_invited = sorted(not_invited)
    result.unknown = sorted(set(minutes) - found.keys() - not_invited)
    changed = []
    by_invitation: dict[int, tuple[str, Invitation, int]] = {}
    for address, invitation in sorted(found.items()):
        # Two addresses of one member (login and a second one): one invitee, their minutes added up.
        first, _same, total = by_invitation.get(invitation.pk, (address, invitation, 0))
        by_invitation[invitation.pk] = (first, invitation, total + minutes[address])
    for address, invitation, total in by_invitation.values():
        attended = total >= min_minutes
        result.matched += 1
        result.attended += attended
        if invitation.minutes_attended == total and invitation.attended is attended:
            result.unchanged += 1
            continue
        invitation.minutes_attended, invitation.attended = total, attended
        changed.append(invitation)
        result.updated.append((address, total, attended))
    Invitation.objects.bulk_update(changed, ["minutes_attended", "attended"], batch_size=1000)
    audit.record(by, EventAction.ATTENDANCE_IMPORTED, event, after={
        "file": source[:200], "min_minutes": min_minutes, "matched": result.matched, "updated": len(changed),
        "attended": result.attended, "unknown": len(result.unknown), "not_invited": len(result.not_invited),
        "invitations": [i.pk for i in changed][:1000]})
    return result


@transaction.atomic
def attendance_mark(*, invitations, attended: bool, by) -> int:
    """Staff: mark the invitations (or their ids) as attended or not, by hand (someone joined by
    phone; a colleague's account). The minutes imported are kept. One audit entry per event.
    Returns how many changed."""
    ids = [getattr(i, "pk", i) for i in invitations]
    chosen = list(Invitation.objects.select_for_update(of=("self",)).filter(pk__in=ids).exclude(attended=attended)
                  .select_related("event").order_by("event_id", "pk"))
    by_event: dict[int, list[Invitation]] = {}
    for invitation in chosen:
        by_event.setdefault(invitation.event_id, []).append(invitation)
    for group in by_event.values():
        Invitation.objects.filter(pk__in=[i.pk for i in group]).update(attended=attended)
        audit.record(by, EventAction.ATTENDANCE_MARKED, group[0].event, after={
            "attended": attended, "invitations": [i.pk for i in group],
            "before": {str(i.pk): i.attended for i in group}})
    return len(chosen)
