"""City Managers Days for the web benchmark (bench/web.py): the edition's funnel page over the bench's
20,000 members, its 1,000 portraits and a webinar, and the confirmed participants' export.

``build`` adds a webinar (an invitation, an answer and an attendance for a share of the respondents)
and the in-person days with ``applications`` submitted applications, a third of them selected and
confirmed; ``targets`` gives bench/web.py its pages (kind "staff": timed one request at a time and
under load)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass
class DaysData:
    edition_id: int
    event_id: int
    applications: int
    confirmed: int
    invitations: int


def build(*, applications: int = 1000) -> DaysData:
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from community.models import Edition, Member, MemberStatus
    from events.models import (
        Application,
        ApplicationStatus,
        Budget,
        Confirmation,
        Decision,
        Event,
        EventKind,
        Invitation,
        Rsvp,
    )
    from surveys.models import Respondent

    now = timezone.now()
    edition = Edition.objects.order_by("-year").first()
    with transaction.atomic():
        webinar = Event.objects.create(edition=edition, kind=EventKind.WEBINAR, title="Bench webinar",
                                       starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30, hours=-2))
        days = Event.objects.create(edition=edition, kind=EventKind.IN_PERSON, title="Bench City Managers Days",
                                    starts_at=now + timedelta(days=60), ends_at=now + timedelta(days=62),
                                    capacity=applications, applications_close_at=now + timedelta(days=10))
        Budget.objects.create(event=days, expo_passes=applications, accommodation_nights=3 * applications,
                              travel_support_euros=Decimal(500 * applications))
        respondents = list(Respondent.objects.filter(portrait__survey__edition=edition)
                           .values_list("member_id", flat=True).distinct())
        Invitation.objects.bulk_create(
            [Invitation(event=webinar, member_id=pk, rsvp=Rsvp.YES if i % 2 == 0 else Rsvp.NONE,
                        rsvp_at=now if i % 2 == 0 else None, attended=True if i % 4 == 0 else None)
             for i, pk in enumerate(respondents)], batch_size=2000)
        members = list(Member.objects.filter(status=MemberStatus.APPROVED).order_by("pk")
                       .values_list("pk", flat=True)[:applications])
        rows = []
        for i, pk in enumerate(members):
            confirmed = i % 3 == 0
            rows.append(Application(
                event=days, member_id=pk, status=ApplicationStatus.SUBMITTED, submitted_at=now,
                motivation="Bench", expo_pass_wanted=True, travel_support_wanted=True,
                travel_cost_estimate=Decimal("400.00"), first_night=days.starts_at.date(), nights_wanted=2,
                dietary_needs="Vegetarian" if i % 5 == 0 else "",
                decision=Decision.SELECTED if confirmed else Decision.PENDING,
                decision_sent=Decision.SELECTED if confirmed else Decision.PENDING,
                confirmation=Confirmation.CONFIRMED if confirmed else Confirmation.NONE,
                protocol_accepted_at=now if confirmed else None, confirmed_at=now if confirmed else None,
                pass_granted=confirmed, nights_granted=2 if confirmed else 0,
                euros_granted=Decimal("400.00") if confirmed else Decimal("0"),
                arrival_date=days.starts_at.date() if confirmed else None,
                departure_date=days.ends_at.date() if confirmed else None, badge_name=f"Bench {i}"))
        Application.objects.bulk_create(rows, batch_size=2000)
    return DaysData(edition_id=edition.pk, event_id=days.pk, applications=len(rows),
                    confirmed=sum(1 for r in rows if r.confirmation == Confirmation.CONFIRMED),
                    invitations=len(respondents))


def targets(data: DaysData, staff_cookie: str) -> dict:
    """name -> (path, cookie, kind), as bench/web.py's targets."""
    return {
        "staff funnel page (20,000 members)": (f"/staff/events/funnel/{data.edition_id}/", staff_cookie, "staff"),
        "staff funnel people, confirmed": (f"/staff/events/funnel/{data.edition_id}/confirmed/", staff_cookie,
                                           "staff"),
        f"participants export CSV ({data.confirmed} confirmed)": (
            f"/staff/events/{data.event_id}/days/export/participants/?format=csv", staff_cookie, "staff"),
    }
