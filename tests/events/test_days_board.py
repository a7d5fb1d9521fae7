"""The selection board (events.views_board): ranked applications with engagement and requests, the
meters and the regional balance, decisions one by one (htmx row) and in bulk, grants with their
errors inline, sending decisions once, the permission, and a query count that does not grow."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from community import second_factor
from community.models import AuditEntry, Region
from events import days as rules
from events.models import Application, Decision, Invitation, Rsvp
from mailings.models import OutboxMessage

from ..conftest import STAFF_TOTP_SECRET
from ..factories import MemberFactory, OrganisationFactory, UserFactory
from .conftest import make_application, make_days, make_respondent, make_webinar

pytestmark = pytest.mark.django_db


def board_url(event):
    return reverse("events:staff_board", args=[event.pk])


@pytest.fixture
def board(client, staff, edition):
    client.force_login(staff)
    return make_days(edition, places=3, passes=2, nights=4, euros="1000.00")


def select(application, by):
    return rules.decide(application=application, decision=Decision.SELECTED, by=by)


# ------------------------------------------------------------------------------ permissions
def staff_member(*permissions):
    """A staff member past the second factor, with only ``permissions``."""
    user = UserFactory(is_staff=True)
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    return user


def reviewer():
    """A reviewer's kind of access: staff who may read applications, without the selection permission."""
    return staff_member("view_application", "view_review", "change_review")


@pytest.mark.parametrize("who", ["anonymous", "member", "reviewer", "staff_without_permission"])
@pytest.mark.parametrize("name", ["board", "current", "send", "bulk", "decide", "grant"])
def test_only_the_selection_permission_opens_the_board(client, edition, member, who, name):
    event = make_days(edition)
    application = make_application(event)
    if who == "member":
        client.force_login(member.user)
    elif who == "reviewer":
        client.force_login(reviewer())
    elif who == "staff_without_permission":
        client.force_login(staff_member())
    url = {
        "board": board_url(event), "current": reverse("events:staff_board_current"),
        "send": reverse("events:staff_board_send", args=[event.pk]),
        "bulk": reverse("events:staff_board_bulk", args=[event.pk]),
        "decide": reverse("events:staff_board_decide", args=[event.pk, application.pk]),
        "grant": reverse("events:staff_board_grant", args=[event.pk, application.pk]),
    }[name]
    posting = name in ("send", "bulk", "decide", "grant")
    response = (client.post(url, {"decision": "selected", "application": [application.pk]}) if posting
                else client.get(url))
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403
    application.refresh_from_db()
    assert application.decision == Decision.PENDING
    assert not OutboxMessage.objects.exists()


def test_the_secretariat_has_the_permission_and_the_admin_links_the_board(client, staff, superuser, edition):
    event = make_days(edition)
    assert staff.has_perm("events.select_participants")
    client.force_login(staff)
    assert client.get(reverse("events:staff_board_current")).url == board_url(event)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("events:staff_board_current") in index
    change = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert board_url(event) in change


def test_without_an_in_person_event_the_board_says_so(client, staff, edition):
    make_webinar(edition)
    client.force_login(staff)
    response = client.get(reverse("events:staff_board_current"))
    assert response.status_code == 200
    assert "There is no in-person event yet" in response.content.decode()


def test_a_webinar_has_no_board(client, staff, edition):
    webinar = make_webinar(edition)
    client.force_login(staff)
    assert client.get(board_url(webinar)).status_code == 404


# ------------------------------------------------------------------------------ what it shows
def test_ranked_by_score_unscored_last_with_engagement_and_requests(client, board, edition, survey):
    webinar = make_webinar(edition)
    low = make_application(board, score=Decimal("2.50"), review_count=2)
    unscored = make_application(board, expo_pass_wanted=False, travel_support_wanted=False,
                                travel_cost_estimate=None, nights_wanted=0, first_night=None)
    high = make_application(board, score=Decimal("4.75"), review_count=3,
                            member=MemberFactory(organisation=OrganisationFactory(region=Region.AFRICA,
                                                                                  kind="metropolitan_area")))
    make_application(board, submitted=False)  # a draft is not on the board
    make_respondent(survey, high.member)
    Invitation.objects.create(event=webinar, member=high.member, rsvp=Rsvp.YES, rsvp_at=webinar.starts_at,
                              attended=True)
    Invitation.objects.create(event=webinar, member=low.member, rsvp=Rsvp.NO, rsvp_at=webinar.starts_at)
    response = client.get(board_url(board))
    assert response.status_code == 200
    assert [row.application.pk for row in response.context["rows"]] == [high.pk, low.pk, unscored.pk]
    html = response.content.decode()
    first = html[html.index(f'id="application-{high.pk}"'):html.index(f'id="application-{low.pk}"')]
    assert "Portrait submitted" in first and "Attended the webinar" in first
    assert "Africa" in first and "Metropolitan area" in first and "4.75" in first and "3 reviews" in first
    assert "Expo pass" in first and "2 nights from" in first and "500.00 EUR travel" in first
    second = html[html.index(f'id="application-{low.pk}"'):html.index(f'id="application-{unscored.pk}"')]
    assert "No submitted portrait" in second and "Webinar: said no" in second
    third = html[html.index(f'id="application-{unscored.pk}"'):]
    assert "unscored" in third and "Nothing" in third


def test_filters_by_decision_and_region_and_a_wrong_value_is_an_error(client, board, staff):
    africa = make_application(board, member=MemberFactory(organisation=OrganisationFactory(region=Region.AFRICA)))
    europe = make_application(board)
    select(africa, staff)
    pks = lambda response: [row.application.pk for row in response.context["rows"]]  # noqa: E731
    assert pks(client.get(board_url(board), {"decision": "selected"})) == [africa.pk]
    assert pks(client.get(board_url(board), {"decision": "pending"})) == [europe.pk]
    assert pks(client.get(board_url(board), {"region": "europe"})) == [europe.pk]
    response = client.get(board_url(board), {"decision": "maybe", "region": "<script>"})
    assert response.status_code == 200 and len(pks(response)) == 2
    assert "Select a valid choice" in response.content.decode()


def test_meters_and_regional_balance(client, board, staff):
    chosen = make_application(board, member=MemberFactory(organisation=OrganisationFactory(region=Region.AFRICA)))
    make_application(board)
    select(chosen, staff)
    rules.grant(application=chosen, expo_pass=True, nights=2, euros="450", by=staff)
    response = client.get(board_url(board))
    use = response.context["use"]
    assert (use.places_used, use.passes_used, use.nights_used, use.euros_used) == (1, 1, 2, Decimal("450.00"))
    html = response.content.decode()
    assert '<meter min="0" max="1000.00" value="450.00">' in html
    assert "1 of 3" in html and "450.00 of 1,000.00 EUR" in html
    balance = {row.region: (row.applied, row.selected) for row in response.context["regions"]}
    assert balance["africa"] == (1, 1) and balance["europe"] == (1, 0)


# ------------------------------------------------------------------------------ the cached figures
def figures(client, event, **query):
    response = client.get(board_url(event), query)
    use, counts = response.context["use"], response.context["counts"]
    balance = {row.region: (row.applied, row.selected) for row in response.context["regions"]}
    return response, use, counts, balance


def test_every_write_of_the_rules_shows_at_once_on_the_board(client, board, staff, edition, survey, member):
    from events import applications

    chosen = make_application(board, member=MemberFactory(organisation=OrganisationFactory(region=Region.AFRICA)))
    _, use, counts, balance = figures(client, board)  # now in the cache
    assert (use.places_used, counts["all"], counts["pending"], balance["africa"]) == (0, 1, 1, (1, 0))
    select(chosen, staff)
    _, use, counts, balance = figures(client, board)
    assert (use.places_used, counts["selected"], counts["to_send"], balance["africa"]) == (1, 1, 1, (1, 1))
    rules.grant(application=chosen, expo_pass=True, nights=1, euros="200", by=staff)
    assert figures(client, board)[1].euros_used == Decimal("200.00")
    rules.budget_change(event=board, by=staff, expo_passes=3, accommodation_nights=4, travel_support_euros="900")
    assert figures(client, board)[1].euros == Decimal("900.00")
    rules.decisions_send(event=board, by=staff)
    assert figures(client, board)[2]["to_send"] == 0
    rules.release(application=chosen, confirmation="declined", by=staff)
    _, use, counts, balance = figures(client, board)
    assert (use.places_used, use.euros_used, balance["africa"]) == (0, Decimal("0.00"), (1, 0))
    # A member submits, then withdraws (events.applications): the counts and the page follow.
    webinar = make_webinar(edition)
    make_respondent(survey, member)
    Invitation.objects.create(event=webinar, member=member, attended=True)
    applications.application_submit(event=board, member=member, values={
        "motivation": "Learn.", "contribution": "Corridors.", "expo_pass_wanted": False,
        "travel_support_wanted": False, "nights_wanted": 0})
    response, _, counts, _ = figures(client, board)
    assert counts["all"] == 2 and response.context["page"].paginator.count == 2
    applications.application_withdraw(event=board, member=member)
    response, _, counts, _ = figures(client, board)
    assert counts["all"] == 1 and len(response.context["rows"]) == 1


def test_a_write_outside_the_rules_shows_when_the_figures_change(client, board, staff):
    from events import board_cache

    make_application(board)
    assert figures(client, board)[2]["all"] == 1
    make_application(board)  # straight into the database: the cached figures stay a while (TIMEOUT)
    assert figures(client, board)[2]["all"] == 1
    board_cache.changed(board.pk)
    response, _, counts, _ = figures(client, board)
    assert counts["all"] == 2 and response.context["page"].paginator.count == 2


def test_without_the_cache_the_board_and_the_decisions_still_work(client, board, staff, monkeypatch):
    from events import board_cache

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("Redis is down")
            return fail

    chosen = make_application(board)
    monkeypatch.setattr(board_cache, "cache", Down())
    select(chosen, staff)
    response = client.get(board_url(board))
    assert response.status_code == 200 and response.context["use"].places_used == 1


def test_25_rows_a_page_the_count_of_each_filter_and_the_filters_kept(client, board, staff):
    africa = [make_application(board, score=Decimal("4"), member=MemberFactory(
        organisation=OrganisationFactory(region=Region.AFRICA))) for _ in range(27)]
    make_application(board, score=Decimal("5"))
    select(africa[0], staff)
    response = client.get(board_url(board))
    assert len(response.context["rows"]) == 25 and response.context["page"].paginator.num_pages == 2
    html = response.content.decode()
    assert html.count('<tr id="application-') == 25 and "Page 1 of 2" in html
    response = client.get(board_url(board), {"region": "africa", "page": "2"})
    assert response.context["page"].paginator.count == 27 and len(response.context["rows"]) == 2
    assert response.context["rows"][0].rank == "26"
    html = response.content.decode()
    assert 'href="?page=1&amp;region=africa"' in html
    assert '<input type="hidden" name="filter_region" value="africa">' in html
    assert client.get(board_url(board), {"decision": "selected"}).context["page"].paginator.count == 1
    assert client.get(board_url(board), {"region": "europe"}).context["page"].paginator.count == 1


# ------------------------------------------------------------------------------ deciding
def test_decide_one_with_htmx_returns_the_row_and_the_meters(client, board):
    application = make_application(board)
    url = reverse("events:staff_board_decide", args=[board.pk, application.pk])
    response = client.post(url, {"decision": "selected", "rank": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="application-{application.pk}"')
    assert 'id="board-meters"' in html and 'hx-swap-oob="true"' in html
    assert "data-draft" in html and 'name="euros"' in html  # a draft; the grant form appears
    application.refresh_from_db()
    assert application.decision == Decision.SELECTED and application.decision_sent == Decision.PENDING
    assert AuditEntry.objects.filter(action=rules.DaysAction.DECIDED, target_id=str(application.pk)).count() == 1


def test_decide_refused_when_no_place_is_left_shows_why_in_the_row(client, staff, edition):
    client.force_login(staff)
    event = make_days(edition, places=1)
    first, second = make_application(event), make_application(event)
    select(first, staff)
    url = reverse("events:staff_board_decide", args=[event.pk, second.pk])
    response = client.post(url, {"decision": "selected"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "All 1 places are taken" in response.content.decode()
    # Without htmx: back to the board with the message.
    response = client.post(url, {"decision": "selected", "filter_region": "europe"}, follow=True)
    assert response.redirect_chain[-1][0] == board_url(event) + "?region=europe"
    assert "All 1 places are taken" in response.content.decode()
    second.refresh_from_db()
    assert second.decision == Decision.PENDING


@pytest.mark.parametrize("value", ["", "maybe", "pending'--", "x" * 5000])
def test_decide_with_a_bad_value_is_a_clear_error(client, board, value):
    application = make_application(board)
    url = reverse("events:staff_board_decide", args=[board.pk, application.pk])
    response = client.post(url, {"decision": value}, follow=True)
    assert response.status_code == 200
    assert "Choose selected, waiting list or not selected." in response.content.decode()


def test_an_application_of_another_event_is_not_found(client, board, edition):
    other = make_application(make_days(edition))
    url = reverse("events:staff_board_decide", args=[board.pk, other.pk])
    assert client.post(url, {"decision": "selected"}).status_code == 404


def test_bulk_decide_decides_each_and_reports_refusals(client, board):
    applications = [make_application(board, score=Decimal(score)) for score in ("5", "4", "3", "2")]
    response = client.post(reverse("events:staff_board_bulk", args=[board.pk]),
                           {"decision": "selected", "application": [a.pk for a in applications]}, follow=True)
    html = response.content.decode()
    assert "3 applications decided: Selected" in html
    assert "All 3 places are taken" in html
    assert Application.objects.filter(decision=Decision.SELECTED).count() == 3
    response = client.post(reverse("events:staff_board_bulk", args=[board.pk]),
                           {"decision": "waitlisted", "application": ["abc", "-1", "99999999999"]}, follow=True)
    assert "Tick at least one application" in response.content.decode()


# ------------------------------------------------------------------------------ granting
def test_grant_within_the_budget_then_refused_with_the_figures_inline(client, board, staff):
    first, second = make_application(board), make_application(board)
    select(first, staff), select(second, staff)
    url = reverse("events:staff_board_grant", args=[board.pk, first.pk])
    response = client.post(url, {"expo_pass": "on", "nights": "2", "euros": "500"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    first.refresh_from_db()
    assert (first.pass_granted, first.nights_granted, first.euros_granted) == (True, 2, Decimal("500.00"))
    assert "500.00 of 1,000.00 EUR" in response.content.decode()  # the meters, out of band
    rules.grant(application=second, expo_pass=True, nights=2, euros="400", by=staff)
    third = make_application(board)
    select(third, staff)
    url = reverse("events:staff_board_grant", args=[board.pk, third.pk])
    response = client.post(url, {"expo_pass": "on", "nights": "1", "euros": "200"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "No expo pass left: 2 of 2 granted." in html
    assert "Only 0 nights left (4 of 4 granted)." in html
    assert "Only 100.00 EUR left (900.00 of 1,000.00 granted)." in html
    third.refresh_from_db()
    assert (third.pass_granted, third.nights_granted, third.euros_granted) == (False, 0, Decimal("0"))
    assert AuditEntry.objects.filter(action=rules.DaysAction.GRANTED).count() == 2


@pytest.mark.parametrize(("nights", "euros", "message"), [
    ("-1", "0", "Enter zero or more nights."), ("3", "0", "2 nights were asked"), ("two", "0", "whole number"),
    ("0", "-5", "zero or more"), ("0", "abc", "Enter an amount in euros"), ("0", "1e12", "too large"),
    ("0", "500.01", "500.00 EUR were asked"), ("9" * 30, "0", "nights"),
])
def test_grant_bad_amounts_are_clear_errors_never_a_500(client, board, staff, nights, euros, message):
    application = make_application(board)
    select(application, staff)
    url = reverse("events:staff_board_grant", args=[board.pk, application.pk])
    response = client.post(url, {"nights": nights, "euros": euros}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert message in response.content.decode()
    response = client.post(url, {"nights": nights, "euros": euros}, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    application.refresh_from_db()
    assert (application.nights_granted, application.euros_granted) == (0, Decimal("0"))


def test_grant_to_someone_not_selected_is_refused(client, board):
    application = make_application(board)
    url = reverse("events:staff_board_grant", args=[board.pk, application.pk])
    response = client.post(url, {"nights": "1"}, HTTP_HX_REQUEST="true")
    assert "Benefits go only to a selected participant" in response.content.decode()


# ------------------------------------------------------------------------------ sending
def test_send_decisions_confirms_the_counts_then_sends_once_even_on_a_double_click(client, board, staff):
    chosen, waiting, refused, undecided = (make_application(board) for _ in range(4))
    select(chosen, staff)
    rules.decide(application=waiting, decision=Decision.WAITLISTED, by=staff)
    rules.decide(application=refused, decision=Decision.NOT_SELECTED, by=staff)
    url = reverse("events:staff_board_send", args=[board.pk])
    confirm = client.get(url)
    html = confirm.content.decode()
    assert "3 members will be emailed their decision" in html
    assert "1 selected" in html and "1 on the waiting list" in html and "1 not selected" in html
    assert not OutboxMessage.objects.exists()  # the GET sends nothing
    first = client.post(url, follow=True)
    assert "3 decisions emailed." in first.content.decode()
    second = client.post(url, follow=True)  # the double click
    assert "nothing was emailed" in second.content.decode()
    assert OutboxMessage.objects.filter(template="days_decision").count() == 3
    assert not OutboxMessage.objects.filter(recipient=undecided.member.user.email).exists()
    chosen.refresh_from_db()
    assert chosen.decision_sent == Decision.SELECTED and chosen.confirm_by is not None
    board_html = client.get(board_url(board)).content.decode()
    assert "data-draft" not in board_html and "0 decisions not sent yet." in board_html


# ------------------------------------------------------------------------------ query count
@pytest.mark.parametrize("size", [20, 80])  # 80: past three pages of 25
def test_board_query_count_does_not_grow(client, board, staff, edition, survey, size,
                                         django_assert_max_num_queries):
    webinar = make_webinar(edition)
    organisations = [OrganisationFactory(region=region) for region in Region.values]
    members = MemberFactory.create_batch(size, organisation=factory_cycle(organisations))
    Application.objects.bulk_create([
        Application(event=board, member=m, status="submitted", submitted_at=board.created_at,
                    score=Decimal(i % 5 + 1) if i % 3 else None, review_count=i % 4,
                    travel_support_wanted=True, travel_cost_estimate=Decimal("300"), nights_wanted=1,
                    first_night=board.starts_at.date(), decision=Decision.WAITLISTED if i % 2 else Decision.PENDING)
        for i, m in enumerate(members)])
    Invitation.objects.bulk_create([Invitation(event=webinar, member=m, rsvp=Rsvp.YES, rsvp_at=webinar.starts_at,
                                               attended=bool(i % 2)) for i, m in enumerate(members)])
    first = Application.objects.order_by("pk").first()
    select(first, staff)
    make_respondent(survey, first.member)
    # The first request works out the meters, balance and counts (two queries: one aggregate, the
    # budget) and caches them; the next ones read them from the cache (events.board_cache).
    with django_assert_max_num_queries(14):
        response = client.get(board_url(board))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == size
    with django_assert_max_num_queries(12):
        response = client.get(board_url(board))
    assert response.context["page"].paginator.count == size and len(response.context["rows"]) == min(size, 25)
    with django_assert_max_num_queries(13):  # both filters: the page's own COUNT
        response = client.get(board_url(board), {"decision": "waitlisted", "region": "europe"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == Application.objects.filter(
        event=board, decision=Decision.WAITLISTED, member__organisation__region=Region.EUROPE).count()


def factory_cycle(items):
    import factory

    return factory.Iterator(items)
