"""Issue 11 item 4: two reviewers save their reviews of one application at the same moment (on
PostgreSQL). The application's row lock serialises them: its mean and count include both."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections

from events import reviews
from events.models import Review

from ..conftest import require_service, waiting_on_a_lock
from ..factories import UserFactory
from .conftest import make_application, make_criteria, make_days, make_reviewer


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_reviews_saved_at_once_both_count(monkeypatch):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL (set DATABASE_URL=postgres://...)")
    from community.models import Edition

    edition = Edition.objects.create(year=2020, theme="Green infrastructure")
    days = make_days(edition)
    application = make_application(days)
    criterion = make_criteria(days, 1)[0]
    first, second = make_reviewer(), make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[first, second], per_application=2,
                           by=UserFactory(is_staff=True))

    # Each save, once inside its transaction, waits until the other has reached the same point (no
    # lock: both read the mean without the other's review) or is blocked on the application's row
    # lock. The bound is a guard against a hang, not part of what is asserted.
    arrived, arrived_lock = [], threading.Lock()
    original = reviews.weighted_score

    def weighted_score_together(values, criteria):
        with arrived_lock:
            arrived.append(threading.get_ident())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(arrived) < 2 and not waiting_on_a_lock():
            time.sleep(0.01)
        return original(values, criteria)

    monkeypatch.setattr(reviews, "weighted_score", weighted_score_together)
    start, errors = threading.Barrier(2), []

    def save(reviewer, value):
        try:
            start.wait(timeout=20)
            reviews.review_save(review=Review.objects.get(application=application, reviewer=reviewer),
                                scores={criterion.pk: value}, by=reviewer)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(first, 2)), threading.Thread(target=save, args=(second, 5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    application.refresh_from_db()
    assert (application.review_count, application.score) == (2, Decimal("3.50"))
