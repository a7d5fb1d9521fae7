"""The budget holds when two staff act at the same moment (issue 11): two transactions on two
connections granting the last euros, or taking the last place, at once. On PostgreSQL, with real
threads; ``events.days`` locks the budget row (SELECT ... FOR UPDATE) before it reads what is used.

Each thread, about to read what is used, waits until the other has reached the same point (no lock:
both read the same figures and both would write, overspending) or is blocked on the budget's lock.
The bound on that wait guards against a hang; it is not part of what is asserted.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from community.models import User
from events import days as rules
from events.models import Application, Decision

from ..conftest import require_service, waiting_on_a_lock
from .conftest import make_application, make_days


def _at_once(monkeypatch, actions):
    """Run each of ``actions`` in its own thread (own connection) so that both reach the reading of
    the budget together; returns what each returned or raised."""
    arrived, arrived_lock = [], threading.Lock()
    original_use = rules._use

    def use_together(*args, **kwargs):
        with arrived_lock:
            arrived.append(threading.get_ident())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(arrived) < len(actions) and not waiting_on_a_lock():
            time.sleep(0.01)
        return original_use(*args, **kwargs)

    monkeypatch.setattr(rules, "_use", use_together)
    start = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index):
        try:
            start.wait(timeout=20)
            outcomes[index] = actions[index]()
        except ValidationError as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.setattr(rules, "_use", original_use)
    return outcomes


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        require_service("PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_staff_granting_the_last_euros_at_once_never_overspend(postgresql, edition, monkeypatch):
    # Plain users, not the `staff` fixture: its Secretariat group is migration data a flush removes.
    staff = [User.objects.create_user(f"race-{n}@secretariat.example", "x", is_staff=True) for n in range(2)]
    event = make_days(edition, places=5, passes=1, nights=10, euros="1000.00")
    first, second = make_application(event), make_application(event)
    for application in (first, second):
        rules.decide(application=application, decision=Decision.SELECTED, by=staff[0])
    # 600 EUR each (both asked 500 plus 100): only one fits in 1000; the one pass goes to one only.
    Application.objects.filter(pk__in=[first.pk, second.pk]).update(travel_cost_estimate=Decimal("600.00"))

    outcomes = _at_once(monkeypatch, [
        lambda: rules.grant(application=first.pk, expo_pass=True, nights=2, euros="600", by=staff[0]),
        lambda: rules.grant(application=second.pk, expo_pass=True, nights=2, euros="600", by=staff[1]),
    ])

    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    granted = [o for o in outcomes if isinstance(o, Application)]
    assert len(granted) == 1 and len(refused) == 1, outcomes
    assert "Only 400.00 EUR left (600.00 of 1,000.00 granted)." in refused[0].message_dict["euros"]
    assert "No expo pass left: 1 of 1 granted." in refused[0].message_dict["expo_pass"]
    use = rules.budget_use(event)
    assert use.euros_used == Decimal("600.00") <= use.euros
    assert use.passes_used == 1 and use.nights_used == 2


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_staff_selecting_for_the_last_place_at_once_never_overfill(postgresql, edition, monkeypatch):
    staff = [User.objects.create_user(f"race-{n}@secretariat.example", "x", is_staff=True) for n in range(2)]
    event = make_days(edition, places=1)
    first, second = make_application(event), make_application(event)

    outcomes = _at_once(monkeypatch, [
        lambda: rules.decide(application=first.pk, decision=Decision.SELECTED, by=staff[0]),
        lambda: rules.decide(application=second.pk, decision=Decision.SELECTED, by=staff[1]),
    ])

    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1, outcomes
    assert "All 1 places are taken" in refused[0].messages[0]
    assert Application.objects.filter(event=event, decision=Decision.SELECTED).count() == 1
    assert rules.budget_use(event).places_used == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_decision_locks_the_application_not_its_event_member_or_user(postgresql, edition):
    """``select_for_update(of=("self",))``: reading the event and the member with the application
    does not lock their rows (a reviewer's page or the event's admin would otherwise wait)."""
    from django.db import OperationalError, transaction

    application = make_application(make_days(edition))
    rows = {"event": ("events_event", application.event_id), "member": ("community_member", application.member_id),
            "user": ("community_user", application.member.user_id), "application": ("events_application",
                                                                                      application.pk)}
    free = {}

    def other_connection():
        try:
            for name, (table, pk) in rows.items():
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
                    free[name] = True
                except OperationalError:
                    free[name] = False
        finally:
            connections.close_all()

    with transaction.atomic():
        locked = rules._locked_application(application.pk)
        assert locked.event.pk == application.event_id and locked.member.user.pk == application.member.user_id
        thread = threading.Thread(target=other_connection)
        thread.start()
        thread.join(timeout=30)
    assert free == {"event": True, "member": True, "user": True, "application": False}
