"""The selection board's part of the web benchmark (bench/web.py): its dataset and the concurrent
grants. Tested on a tiny size in tests/bench/test_days_board.py, so that it does not rot.

- ``build``: the current edition's City Managers Days with ``applications`` submitted applications of
  approved members, each reviewed by three reviewers on three criteria (scores, weighted score,
  the application's score and review count kept as ``events.days`` keeps them), a tenth selected,
  a tenth on the waiting list; the board's page is then loaded like the other staff pages.
- ``grants_measures``: ``grants`` selected applications of a second event, each asking 500 EUR,
  granted at once from ``threads`` threads (each its own database connection) against a budget
  that holds only 60% of what is asked: no overspend, and grants per second.
"""

import statistics
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

REVIEWERS = 10
REVIEWS_PER_APPLICATION = 3
CRITERIA = (("Relevance of the experience", 3), ("Contribution to the programme", 2), ("Regional balance", 1))


@dataclass
class DaysData:
    event: object
    applications: int
    reviews: int
    grant_event: object
    grant_applications: list


def _event(edition, title, *, places, passes, nights, euros):
    from datetime import timedelta

    from django.utils import timezone

    from events.models import Budget, Event, EventKind

    starts = timezone.now().replace(microsecond=0, second=0) + timedelta(days=60)
    event = Event.objects.create(
        edition=edition, kind=EventKind.IN_PERSON, title=title, starts_at=starts,
        ends_at=starts + timedelta(days=2, hours=8), time_zone="Europe/Madrid", venue="Fira Gran Via, Barcelona",
        capacity=places, applications_close_at=timezone.now() + timedelta(days=30),
        protocol="Wear your badge at all times.")
    Budget.objects.create(event=event, expo_passes=passes, accommodation_nights=nights,
                          travel_support_euros=Decimal(euros))
    return event


def _applications(event, members, *, decide=True):
    from django.utils import timezone

    from events.models import Application, ApplicationStatus, Decision

    now = timezone.now()
    first_night = event.starts_at.date()
    rows = []
    for i, member in enumerate(members):
        decision = Decision.PENDING
        if decide and i % 10 == 0:
            decision = Decision.SELECTED
        elif decide and i % 10 == 1:
            decision = Decision.WAITLISTED
        rows.append(Application(
            event=event, member=member, status=ApplicationStatus.SUBMITTED, submitted_at=now,
            motivation="Learn from peers.", contribution="Our green corridors.", expo_pass_wanted=i % 4 != 0,
            travel_support_wanted=True, travel_cost_estimate=Decimal(300 + (i % 8) * 100),
            first_night=first_night, nights_wanted=1 + i % 3, decision=decision,
            decided_at=now if decision != Decision.PENDING else None))
    return Application.objects.bulk_create(rows, batch_size=2000)


def build(*, edition, applications: int = 1000, grants: int = 100) -> DaysData:
    """Fill the in-person days of ``edition`` (the web bench's dataset must exist: approved members)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from community.models import Member, MemberStatus, User
    from events.models import Application, Criterion, Decision, Review, Score

    now = timezone.now()
    members = list(Member.objects.filter(status=MemberStatus.APPROVED).order_by("pk")[:applications + grants])
    if len(members) < applications + grants:
        raise SystemExit(f"the bench needs {applications + grants} approved members for the selection board")
    with transaction.atomic():
        event = _event(edition, "City Managers Days", places=applications // 5, passes=applications // 8,
                       nights=applications // 2, euros=applications * 150)
        rows = _applications(event, members[:applications])
        criteria = [Criterion.objects.create(event=event, name=name, weight=weight, position=n)
                    for n, (name, weight) in enumerate(CRITERIA)]
        hashed = make_password("bench-reviewer-not-secret")
        reviewers = User.objects.bulk_create([User(email=f"reviewer{n:02d}@bench.example", password=hashed,
                                                   is_staff=True) for n in range(REVIEWERS)])
        reviews, weighted = [], {}
        for i, application in enumerate(rows):
            if i % 7 == 6:  # some not reviewed yet: unscored, ranked last
                continue
            for r in range(REVIEWS_PER_APPLICATION):
                values = [1 + (i + r + c) % 5 for c in range(len(criteria))]
                score = Decimal(sum(v * c.weight for v, c in zip(values, criteria, strict=True))
                                / sum(c.weight for c in criteria)).quantize(Decimal("0.01"))
                reviews.append((Review(application=application, reviewer=reviewers[(i + r) % REVIEWERS],
                                       submitted_at=now, comment="Strong case.", weighted_score=score), values))
                weighted.setdefault(application.pk, []).append(score)
        Review.objects.bulk_create([review for review, _values in reviews], batch_size=2000)
        Score.objects.bulk_create([Score(review=review, criterion=criterion, value=value)
                                   for review, values in reviews
                                   for criterion, value in zip(criteria, values, strict=True)], batch_size=5000)
        for application in rows:
            scores = weighted.get(application.pk, [])
            application.score = (Decimal(statistics.mean(scores)).quantize(Decimal("0.01")) if scores else None)
            application.review_count = len(scores)
        Application.objects.bulk_update(rows, ["score", "review_count"], batch_size=2000)
        # The grants' event: every application selected, each asking 500 EUR; the budget holds 60% of it.
        grant_event = _event(edition, "City Managers Days (grants bench)", places=grants, passes=grants,
                             nights=grants * 3, euros=grants * 300)
        granted = _applications(grant_event, members[applications:applications + grants], decide=False)
        Application.objects.filter(pk__in=[a.pk for a in granted]).update(
            decision=Decision.SELECTED, decided_at=now, travel_cost_estimate=Decimal("500.00"))
    return DaysData(event=event, applications=len(rows), reviews=len(reviews), grant_event=grant_event,
                    grant_applications=[a.pk for a in granted])


def board_path(data: DaysData) -> str:
    return f"/staff/days/{data.event.pk}/board/"


def grants_measures(data: DaysData, *, staff, threads: int = 25):
    """All the grants at once (``threads`` connections, started together): every grant asks 500 EUR
    against a budget of 300 per application. Reports grants/s; the budget must not be exceeded."""
    from django.core.exceptions import ValidationError
    from django.db import connections

    from bench.results import Measure
    from events import days

    pending = list(data.grant_applications)
    lock = threading.Lock()
    outcomes = {"granted": 0, "refused": 0, "errors": 0}
    start = threading.Barrier(threads)

    def work():
        try:
            start.wait(timeout=60)
            while True:
                with lock:
                    if not pending:
                        return
                    pk = pending.pop()
                try:
                    days.grant(application=pk, expo_pass=False, nights=0, euros="500", by=staff)
                    key = "granted"
                except ValidationError:
                    key = "refused"
                except Exception:  # noqa: BLE001 - counted and reported: a deadlock or a lost connection
                    key = "errors"
                with lock:
                    outcomes[key] += 1
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    t0 = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - t0
    use = days.budget_use(data.grant_event)
    total = len(data.grant_applications)
    overspend = max(use.euros_used - use.euros, Decimal("0"))
    print(f"grants: {total} at once from {threads} connections in {seconds:.2f} s ({total / seconds:.0f} grants/s): "
          f"{outcomes['granted']} granted, {outcomes['refused']} refused (budget), {outcomes['errors']} errors; "
          f"{use.euros_used} of {use.euros} EUR used", flush=True)
    return [
        Measure.check(f"concurrent grants ({total} from {threads} connections): throughput", total / seconds,
                      "grants/s"),
        Measure.check("concurrent grants: euros over the budget", float(overspend), "EUR", below=0.01),
        Measure.check("concurrent grants: granted (the budget holds 60% of what is asked)", outcomes["granted"],
                      "grants", above=int(use.euros // 500)),
        Measure.check("concurrent grants: errors (not refusals)", outcomes["errors"], "grants", below=1),
    ]
