"""The programme of City Managers Days (issue 11, item 7): confirmed participants pick site visits
within their capacity (events.programme), on the member's programme page; the programme admin."""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse

from events import programme
from events.models import Confirmation, Decision, Session, SessionKind, SiteVisitPick

from ..conftest import require_service, waiting_on_a_lock
from ..factories import MemberFactory
from .conftest import make_application, make_days, make_webinar
from .days_programme_helpers import make_participant, make_session, make_visit

pytestmark = pytest.mark.django_db


def url(event):
    return reverse("events:programme", args=[event.pk])


# ------------------------------------------------------------------------------ the rules
def test_a_confirmed_participant_picks_and_unpicks_a_site_visit(days):
    visit = make_visit(days, capacity=2)
    participant = make_participant(days)
    pick = programme.site_visit_pick(participant, visit, participant.member)
    assert pick.session == visit and pick.application == participant
    assert programme.site_visit_pick(participant, visit, participant.member) == pick  # twice: one pick
    assert SiteVisitPick.objects.count() == 1
    assert programme.site_visit_unpick(participant, visit, participant.member) is True
    assert not SiteVisitPick.objects.exists()


@pytest.mark.parametrize("state", ["submitted", "selected_not_confirmed", "declined", "waitlisted"])
def test_only_a_confirmed_participant_may_pick(days, state):
    visit = make_visit(days)
    fields = {
        "submitted": {},
        "selected_not_confirmed": {"decision": Decision.SELECTED, "decision_sent": Decision.SELECTED,
                                   "confirmation": Confirmation.PENDING},
        "declined": {"decision": Decision.SELECTED, "decision_sent": Decision.SELECTED,
                     "confirmation": Confirmation.DECLINED},
        "waitlisted": {"decision": Decision.WAITLISTED, "decision_sent": Decision.WAITLISTED},
    }[state]
    application = make_application(days, **fields)
    with pytest.raises(PermissionDenied, match="Only confirmed participants"):
        programme.site_visit_pick(application, visit, application.member)
    assert not SiteVisitPick.objects.exists()


def test_nobody_picks_for_someone_else(days):
    visit = make_visit(days)
    participant, other = make_participant(days), make_participant(days)
    with pytest.raises(PermissionDenied, match="your own place"):
        programme.site_visit_pick(participant, visit, other.member)
    programme.site_visit_pick(participant, visit, participant.member)
    with pytest.raises(PermissionDenied):
        programme.site_visit_unpick(participant, visit, other.member)
    assert SiteVisitPick.objects.count() == 1


def test_a_full_visit_is_refused_with_its_capacity(days):
    visit = make_visit(days, capacity=1)
    first, second = make_participant(days), make_participant(days)
    programme.site_visit_pick(first, visit, first.member)
    with pytest.raises(ValidationError, match="is full: all 1 places are taken"):
        programme.site_visit_pick(second, visit, second.member)
    assert visit.picks.count() == 1


def test_a_participant_who_declined_afterwards_frees_the_place(days):
    visit = make_visit(days, capacity=1)
    first, second = make_participant(days), make_participant(days)
    programme.site_visit_pick(first, visit, first.member)
    first.confirmation = Confirmation.DECLINED
    first.save()
    programme.site_visit_pick(second, visit, second.member)
    assert programme.places_left(programme.sessions_with_places(days).get(pk=visit.pk)) == 0


def test_two_visits_at_the_same_time_cannot_both_be_picked(days):
    morning = make_visit(days, title="Port of Barcelona", hour=3, hours=3)
    overlapping = make_visit(days, title="Glòries park", hour=5, hours=2)
    afterwards = make_visit(days, title="Poblenou superblock", hour=6, hours=2)
    participant = make_participant(days)
    programme.site_visit_pick(participant, morning, participant.member)
    with pytest.raises(ValidationError, match="same time as “Port of Barcelona”"):
        programme.site_visit_pick(participant, overlapping, participant.member)
    programme.site_visit_pick(participant, afterwards, participant.member)  # starts when the first ends
    assert set(participant.site_visit_picks.values_list("session__title", flat=True)) == {
        "Port of Barcelona", "Poblenou superblock"}


def test_sessions_are_not_picked_nor_visits_of_another_event(edition, days):
    plenary = make_session(days)
    participant = make_participant(days)
    with pytest.raises(ValidationError, match="Only site visits"):
        programme.site_visit_pick(participant, plenary, participant.member)
    other_event = make_days(edition)
    elsewhere = make_visit(other_event)
    with pytest.raises(ValidationError, match="not part of your event"):
        programme.site_visit_pick(participant, elsewhere, participant.member)


def test_the_database_refuses_a_site_visit_without_capacity_and_a_double_pick(days):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_session(days, kind=SessionKind.SITE_VISIT, capacity=None)
    visit, participant = make_visit(days), make_participant(days)
    SiteVisitPick.objects.create(session=visit, application=participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteVisitPick.objects.create(session=visit, application=participant)


# ------------------------------------------------------------------------------ the member's page
def test_the_programme_in_the_members_language_and_the_venues_local_time(client, days):
    """A member in Montréal reads the Barcelona programme in Barcelona time: the plenary at 09:00,
    not at 03:00; the page names the zone."""
    make_session(days, title="Opening plenary", title_fr="Plénière d'ouverture", hour=0)
    member = MemberFactory(preferred_language="fr", time_zone="America/Montreal")
    client.force_login(member.user)
    response = client.get(url(days))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Plénière d&#x27;ouverture" in page
    assert "<strong>09:00–10:00</strong>" in page
    montreal = days.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("America/Montreal"))
    assert f"<strong>{montreal:%H:%M}" not in page
    assert "(Madrid)" in page and "Montreal" not in page
    assert f'href="{reverse("events:application", args=[days.pk])}"' in page


def test_a_member_not_confirmed_sees_the_programme_but_cannot_pick(client, days):
    visit = make_visit(days, capacity=3)
    application = make_application(days)
    client.force_login(application.member.user)
    page = client.get(url(days)).content.decode()
    assert visit.title in page and "data-not-participant" in page
    assert 'value="pick"' not in page
    response = client.post(url(days), {"session": visit.pk, "action": "pick"})
    assert response.status_code == 403
    assert "Only confirmed participants can pick site visits" in response.content.decode()
    assert not SiteVisitPick.objects.exists()


def test_a_confirmed_participant_picks_from_the_page(client, days):
    visit = make_visit(days, capacity=3)
    participant = make_participant(days)
    client.force_login(participant.member.user)
    page = client.get(url(days)).content.decode()
    assert 'data-places-left="3"' in page and 'value="pick"' in page
    response = client.post(url(days), {"session": visit.pk, "action": "pick"}, follow=True)
    page = response.content.decode()
    assert "You are going on" in page and 'data-places-left="2"' in page and "data-picked" in page
    response = client.post(url(days), {"session": visit.pk, "action": "unpick"}, follow=True)
    assert "given back" in response.content.decode()
    assert not SiteVisitPick.objects.exists()


def test_a_full_visit_from_the_page_says_so(client, days):
    visit = make_visit(days, capacity=1)
    first, second = make_participant(days), make_participant(days)
    programme.site_visit_pick(first, visit, first.member)
    client.force_login(second.member.user)
    assert "Full" in client.get(url(days)).content.decode()
    response = client.post(url(days), {"session": visit.pk, "action": "pick"}, follow=True)
    assert "is full" in response.content.decode()
    assert visit.picks.count() == 1


@pytest.mark.parametrize("data", [{}, {"session": "abc", "action": "pick"}, {"session": "1" * 30, "action": "pick"},
                                  {"session": "0", "action": "dance"}])
def test_bad_posts_get_a_message_not_a_500(client, days, data):
    participant = make_participant(days)
    client.force_login(participant.member.user)
    response = client.post(url(days), data)
    assert response.status_code in (302, 404)


def test_the_programme_of_a_webinar_is_not_found(client, edition, member):
    webinar = make_webinar(edition)
    client.force_login(member.user)
    assert client.get(url(webinar)).status_code == 404


def test_staff_and_anonymous_do_not_get_the_member_page(client, days, staff):
    assert client.get(url(days)).status_code == 302  # to the login page
    client.force_login(staff)
    assert client.get(url(days)).status_code == 403


@pytest.mark.parametrize("visits", [2, 12])
def test_the_page_costs_the_same_queries_whatever_the_programme(client, days, visits, django_assert_max_num_queries):
    participant = make_participant(days)
    others = [make_participant(days) for _ in range(3)]
    for index in range(visits):
        visit = make_visit(days, title=f"Visit {index}", capacity=10, day=index % 3, hour=index)
        make_session(days, title=f"Session {index}", day=index % 3, hour=index)
        for other in others:
            SiteVisitPick.objects.create(session=visit, application=other)
    SiteVisitPick.objects.create(session=visit, application=participant)
    client.force_login(participant.member.user)
    with django_assert_max_num_queries(9):
        response = client.get(url(days))
    assert response.content.decode().count("data-session=") == 2 * visits


# ------------------------------------------------------------------------------ the admin
def test_staff_add_a_site_visit_with_a_capacity_in_three_languages(client, staff, days):
    client.force_login(staff)
    add = reverse("admin:events_session_add")
    assert client.get(add).status_code == 200
    starts = days.starts_at.astimezone(__import__("datetime").UTC)
    data = {"event": days.pk, "kind": SessionKind.SITE_VISIT, "title_en": "Port visit", "title_fr": "Visite du port",
            "title_es": "Visita al puerto", "starts_at_0": f"{starts:%Y-%m-%d}", "starts_at_1": "10:00:00",
            "ends_at_0": f"{starts:%Y-%m-%d}", "ends_at_1": "12:00:00", "capacity": "",
            "picks-TOTAL_FORMS": "0", "picks-INITIAL_FORMS": "0"}
    response = client.post(add, data)
    assert response.status_code == 200 and "A site visit needs a capacity" in response.content.decode()
    response = client.post(add, {**data, "capacity": "20"})
    assert response.status_code == 302, response.content.decode()[:2000]
    session = Session.objects.get()
    assert (session.title_fr, session.capacity) == ("Visite du port", 20)
    changelist = client.get(reverse("admin:events_session_changelist"), {"event__id__exact": days.pk})
    assert changelist.status_code == 200 and "Port visit" in changelist.content.decode()


def test_staff_cannot_lower_a_capacity_below_the_picks(client, staff, days):
    visit = make_visit(days, capacity=2)
    for participant in (make_participant(days), make_participant(days)):
        programme.site_visit_pick(participant, visit, participant.member)
    client.force_login(staff)
    page = client.get(reverse("admin:events_session_change", args=[visit.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"event": days.pk, "starts_at_0": f"{visit.starts_at:%Y-%m-%d}",
                 "starts_at_1": f"{visit.starts_at:%H:%M:%S}", "ends_at_0": f"{visit.ends_at:%Y-%m-%d}",
                 "ends_at_1": f"{visit.ends_at:%H:%M:%S}", "capacity": "1", "picks-TOTAL_FORMS": "2",
                 "picks-INITIAL_FORMS": "2"})
    for index, pick in enumerate(visit.picks.order_by("pk")):
        data[f"picks-{index}-id"] = pick.pk
        data[f"picks-{index}-session"] = visit.pk
    response = client.post(reverse("admin:events_session_change", args=[visit.pk]), data)
    assert response.status_code == 200
    assert "2 participants have already picked this visit" in response.content.decode()
    visit.refresh_from_db()
    assert visit.capacity == 2


# ------------------------------------------------------------------------------ PostgreSQL: many at once

@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_many_participants_picking_the_last_places_at_once_never_overfill_a_visit(edition, monkeypatch):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL (set DATABASE_URL=postgres://...)")
    threads_count, capacity = 6, 2
    event = make_days(edition)
    visit = make_visit(event, capacity=capacity)
    participants = [make_participant(event) for _ in range(threads_count)]

    # Each pick, once it holds its locks and has counted, waits until every other pick has either
    # reached the same point (no lock: all would write) or is blocked on a lock; then it writes. The
    # bound guards against a hang; it is not what is asserted.
    arrived, arrived_lock = [], threading.Lock()
    original_create = SiteVisitPick.objects.create

    def create_together(**kwargs):
        with arrived_lock:
            arrived.append(threading.get_ident())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(arrived) < threads_count and not waiting_on_a_lock():
            time.sleep(0.01)
        return original_create(**kwargs)

    monkeypatch.setattr(SiteVisitPick.objects, "create", create_together)
    start = threading.Barrier(threads_count)
    outcomes = [None] * threads_count

    def pick(index):
        try:
            start.wait(timeout=20)
            programme.site_visit_pick(participants[index].pk, visit.pk, participants[index].member)
            outcomes[index] = "picked"
        except ValidationError as error:
            outcomes[index] = "full" if "is full" in " ".join(error.messages) else repr(error)
        except Exception as error:  # noqa: BLE001 - reported in the assertion below
            outcomes[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pick, args=(index,)) for index in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["full"] * (threads_count - capacity) + ["picked"] * capacity, outcomes
    assert SiteVisitPick.objects.filter(session=visit).count() == capacity


def test_a_place_given_back_takes_its_site_visits_with_it(days):
    from community.models import AuditEntry
    from events import days as rules
    from events.models import SiteVisitPick

    visit = make_visit(days, capacity=2)
    first, second = make_participant(days), make_participant(days)
    programme.site_visit_pick(first, visit, first.member)
    programme.site_visit_pick(second, visit, second.member)
    rules.release(application=first, confirmation=Confirmation.DECLINED, by=None)
    assert list(SiteVisitPick.objects.values_list("application_id", flat=True)) == [second.pk]
    entry = AuditEntry.objects.filter(action=rules.DaysAction.RELEASED).latest("pk")
    assert entry.before["site_visits"] == [visit.pk]
