"""The selection board's part of the web benchmark (bench/days_board.py): its dataset on a tiny
size, the board's page answering the bench's staff session, the concurrent grants' measures, and
both wired into bench/web.py. Nothing here is timed."""

import inspect
from decimal import Decimal

import pytest
from django.urls import reverse

from bench import dataset, days_board, web
from community.models import User
from events import days
from events.models import Application, Decision, Review, Score

from ..events.conftest import make_days
from ..factories import MemberFactory


@pytest.mark.django_db
def test_board_dataset_on_a_tiny_size_and_the_board_answers(client):
    data = dataset.build(organisations=12, members=60)
    survey_data = dataset.build_survey(member=data.member, portraits=4)
    days_data = days_board.build(edition=survey_data.survey.edition, applications=20, grants=5)
    assert days_data.applications == Application.objects.filter(event=days_data.event).count() == 20
    assert Review.objects.filter(application__event=days_data.event).count() == days_data.reviews > 0
    assert Score.objects.filter(review__application__event=days_data.event).count() == days_data.reviews * 3
    scored = Application.objects.filter(event=days_data.event, score__isnull=False)
    assert 0 < scored.count() < 20 and all(1 <= a.score <= 5 and a.review_count == 3 for a in scored)
    assert Application.objects.filter(event=days_data.event, decision=Decision.SELECTED).count() == 2
    assert days.budget_use(days_data.event).places_used == 2
    client.cookies["sessionid"] = dataset.session_for(data.staff)
    response = client.get(days_board.board_path(days_data))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 20
    assert days_board.board_path(days_data) == reverse("events:staff_board", args=[days_data.event.pk])


@pytest.mark.django_db(transaction=True)
def test_grants_measures_hold_the_budget(edition):
    MemberFactory.create_batch(7)
    staff = User.objects.create_user("bench-staff@secretariat.example", "x", is_staff=True)
    make_days(edition)  # (any other event of the edition does not count)
    data = days_board.build(edition=edition, applications=2, grants=5)
    measures = {m.name.split(":")[1].strip() if ":" in m.name else m.name: m
                for m in days_board.grants_measures(data, staff=staff, threads=1)}
    assert measures["euros over the budget"].value == 0 and measures["euros over the budget"].met
    assert measures["granted (the budget holds 60% of what is asked)"].value == 3  # 1500 EUR / 500
    assert measures["errors (not refusals)"].value == 0
    assert days.budget_use(data.grant_event).euros_used == Decimal("1500.00")


def test_board_and_grants_are_targets_of_the_web_bench():
    source = inspect.getsource(web.main)
    assert "days_board.build(" in source
    board = source[source.index('targets[f"selection board'):source.index("for name, (path, cookie, _kind) in targets")]
    assert "days_board.board_path(board_data)" in board and '"member")' in board
    assert "days_board.grants_measures(board_data" in source
    options = inspect.getsource(web)
    for option in ("--database", "--redis", "--port", "--applications"):
        assert f'"{option}"' in options


def test_the_web_bench_starts_with_its_options():
    """Each option declared once: argparse refuses a second --database (it did after a merge)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(web.ROOT / "bench" / "web.py"), "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for option in ("--database", "--redis", "--port", "--applications", "--setup-only"):
        assert result.stdout.count(f"{option} ") + result.stdout.count(f"{option}\n") >= 1
