"""community.steps: the dashboard shows what the apps register, in order, in constant queries."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import steps
from community.models import Edition

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db


class PortraitStep(steps.Step):
    """What a higher app would register: one query for all the members."""

    key = "tests.portrait"
    order = 100
    title = "Fill in the portrait"
    description = "With your colleagues."

    def for_members(self, members, edition):
        if edition is None:
            return {}
        list(Edition.objects.filter(pk=edition.pk))  # its one query, whatever the number of members
        return {
            member.pk: steps.StepState(
                "in_progress", date=datetime(2020, 7, 6, 21, 59, tzinfo=UTC),
                url="/portrait/", detail="Closes soon",
            )
            for member in members
        }


@pytest.fixture
def register():
    added = []

    def _register(step):
        steps.register(step)
        added.append(step.key)
        return step

    yield _register
    for key in added:
        steps.unregister(key)


def numbered(n):
    return type(f"Step{n}", (PortraitStep,), {"key": f"tests.step{n}", "order": 100 + n, "title": f"Step {n}"})()


def test_registry_orders_by_order_then_key(register):
    register(numbered(3))
    register(numbered(1))
    keys = [step.key for step in steps.registered()]
    assert keys[0] == "community.profile"
    assert keys.index("tests.step1") < keys.index("tests.step3")


def test_two_different_steps_with_one_key_are_refused(register):
    register(PortraitStep())
    other = type("Other", (steps.Step,), {"key": PortraitStep.key})()
    with pytest.raises(steps.ImproperlyConfigured):
        steps.register(other)


def test_a_registered_step_shows_on_the_dashboard_with_its_state_date_and_link(client, member, edition, register):
    register(PortraitStep())
    client.force_login(member.user)
    page = client.get(reverse("community:dashboard")).content.decode()
    assert 'data-step="tests.portrait"' in page
    assert '<a href="/portrait/">Fill in the portrait</a>' in page
    assert "In progress" in page and "Closes soon" in page
    # 21:59 UTC is 23:59 in the member's zone (Europe/Madrid, summer time).
    assert 'datetime="2020-07-06T23:59:00+02:00"' in page and "Open until July 6, 2020 at 11:59 p.m. (Madrid)" in page


def test_without_other_apps_a_complete_member_has_no_step_that_is_always_done(client, member, edition):
    client.force_login(member.user)
    page = client.get(reverse("community:dashboard")).content.decode()
    assert page.count("data-step=") == 0
    assert "Join the community" not in page and "Complete your profile" not in page
    assert "Metropolitan Portrait" not in page  # no placeholder that is never done
    assert "data-no-steps" in page


def test_a_step_hidden_without_an_edition(client, member, register):
    register(PortraitStep())
    client.force_login(member.user)
    page = client.get(reverse("community:dashboard")).content.decode()
    assert "tests.portrait" not in page


def test_profile_step_links_to_the_profile_until_complete(member, edition):
    member.job_title = ""
    profile = {s.step.key: s for s in steps.member_steps(member=member, edition=edition)}["community.profile"]
    assert profile.state.status == steps.StepStatus.IN_PROGRESS
    assert profile.state.url == reverse("community:profile")
    member.job_title = "COO"
    assert "community.profile" not in {s.step.key for s in steps.member_steps(member=member, edition=edition)}


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("community:dashboard")).status_code == 200
    return len(queries)


def test_dashboard_queries_grow_only_by_each_steps_own(client, member, edition, register):
    client.force_login(member.user)
    _dashboard_queries(client)  # warm: session, content types
    base = _dashboard_queries(client)
    register(numbered(1))
    one = _dashboard_queries(client)
    for n in range(2, 6):
        register(numbered(n))
    five = _dashboard_queries(client)
    assert one == base + 1
    assert five == base + 5


def test_communitys_steps_cost_no_query_for_any_number_of_members(edition, django_assert_num_queries, monkeypatch):
    # Only community's own steps (the apps above register theirs, each with its own queries).
    own = [step for step in steps.registered() if step.key.startswith("community.")]
    monkeypatch.setattr(steps, "registered", lambda: own)
    members = [MemberFactory() for _ in range(5)]
    for member in members:
        member.refresh_from_db()
    loaded = list(type(members[0]).objects.select_related("user").filter(pk__in=[m.pk for m in members]))
    loaded[0].job_title = ""
    with django_assert_num_queries(0):
        result = steps.members_steps(members=loaded[:1], edition=edition)
        result = steps.members_steps(members=loaded, edition=edition)
    assert [len(result[member.pk]) for member in loaded] == [1, 0, 0, 0, 0]


def test_a_step_done_ahead_of_its_date_is_not_said_done_on_a_future_day(member, edition):
    from datetime import timedelta

    from django.utils import timezone, translation

    future = timezone.now() + timedelta(days=30)
    step = steps.MemberStep(PortraitStep(), steps.StepState("done", date=future))
    past = steps.MemberStep(PortraitStep(), steps.StepState("done", date=timezone.now() - timedelta(days=1)))
    assert step.when.startswith("On ") and past.when.startswith("Done on ")
    with translation.override("fr"):
        assert step.when.startswith("Le ")
    with translation.override("es"):
        assert step.when.startswith("El ")
