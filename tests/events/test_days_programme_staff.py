"""City Managers Days staff lists (participants, badges, site visits, needs: confirmed participants
only) and the funnel of an edition (issue 11, items 7 and 8)."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community import second_factor
from community.models import MemberStatus
from community.staff import staff_pages
from events import programme
from events.models import Confirmation, Decision, Invitation, Rsvp

from ..conftest import STAFF_TOTP_SECRET
from ..factories import MemberFactory, OrganisationFactory, UserFactory
from .conftest import make_application, make_respondent, make_webinar
from .days_programme_helpers import make_participant, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_without_permission(db):
    """Staff, e.g. a reviewer, without the permission to read applications."""
    user = UserFactory(email="reviewer@secretariat.example", is_staff=True)
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)
    return user


def pages(event):
    return [reverse("events:staff_days_current"), reverse("events:staff_days_lists", args=[event.pk]),
            reverse("events:staff_days_badges", args=[event.pk]),
            reverse("events:staff_days_site_visits", args=[event.pk]),
            reverse("events:staff_days_needs", args=[event.pk]),
            reverse("events:staff_days_export", args=[event.pk, "participants"]) + "?format=csv",
            reverse("events:staff_days_export", args=[event.pk, "needs"]) + "?format=xlsx",
            reverse("events:staff_days_export", args=[event.pk, "site-visits"]) + "?format=csv",
            reverse("events:staff_funnel"), reverse("events:staff_funnel_edition", args=[event.edition_id]),
            reverse("events:staff_funnel_people", args=[event.edition_id, "confirmed"])]


@pytest.mark.parametrize("who, expected", [("member", 403), ("staff_without_permission", 403), ("staff", 200),
                                           ("superuser", 200)])
def test_permission_matrix(client, days, request, who, expected):
    make_participant(days)
    client.force_login(request.getfixturevalue(who) if who != "member" else MemberFactory().user)
    for path in pages(days):
        response = client.get(path, follow=path.endswith("/days/"))
        assert response.status_code == expected, path


def test_anonymous_visitors_go_to_the_login_page(client, days):
    for path in pages(days):
        assert client.get(path).status_code == 302


def read_csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_participants_export_holds_confirmed_participants_only(client, staff, days):
    organisation = OrganisationFactory(name="Área Metropolitana de Barcelona", country="ES", region="europe")
    confirmed = make_participant(days, MemberFactory(organisation=organisation, user__first_name="Laura",
                                                     user__last_name="Pérez"),
                                 badge_name="Laura P.", pass_granted=True, nights_granted=2, euros_granted="400.00")
    make_application(days, decision=Decision.SELECTED, decision_sent=Decision.SELECTED,
                     confirmation=Confirmation.PENDING)
    make_application(days)
    client.force_login(staff)
    response = client.get(reverse("events:staff_days_export", args=[days.pk, "participants"]), {"format": "csv"})
    rows = read_csv(response)
    assert rows[0] == ["first_name", "last_name", "organisation", "country", "region", "email", "arrival",
                       "departure", "badge_name", "expo_pass", "nights_granted", "travel_support_eur"]
    assert rows[1:] == [["Laura", "Pérez", "Área Metropolitana de Barcelona", "ES", "Europe",
                         confirmed.member.user.email, confirmed.arrival_date.isoformat(),
                         confirmed.departure_date.isoformat(), "Laura P.", "yes", "2", "400.00"]]
    xlsx = client.get(reverse("events:staff_days_export", args=[days.pk, "participants"]), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_exports_escape_cells_a_spreadsheet_would_run(client, staff, days):
    member = MemberFactory(user__first_name="=HYPERLINK(\"http://evil.example\")", user__last_name="+1")
    make_participant(days, member, badge_name="@SUM(A1)", dietary_needs="-2+3 vegetarian")
    client.force_login(staff)
    rows = read_csv(client.get(reverse("events:staff_days_export", args=[days.pk, "participants"])))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\")" and rows[1][1] == "'+1"
    assert rows[1][8] == "'@SUM(A1)"
    needs = read_csv(client.get(reverse("events:staff_days_export", args=[days.pk, "needs"])))
    assert needs[1][4] == "'-2+3 vegetarian"


def test_needs_and_site_visit_lists(client, staff, days):
    visit = make_visit(days, title="Port of Barcelona", capacity=5)
    vegan = make_participant(days, dietary_needs="Vegan")
    wheelchair = make_participant(days, accessibility_needs="Wheelchair access")
    make_participant(days)  # no needs: not listed
    make_application(days, dietary_needs="Not confirmed: not listed")
    for participant in (vegan, wheelchair):
        programme.site_visit_pick(participant, visit, participant.member)
    client.force_login(staff)
    page = client.get(reverse("events:staff_days_needs", args=[days.pk])).content.decode()
    assert page.count("data-needs=") == 2 and "Vegan" in page and "Wheelchair access" in page
    assert "Not confirmed" not in page
    page = client.get(reverse("events:staff_days_site_visits", args=[days.pk])).content.decode()
    assert "Port of Barcelona" in page and vegan.member.user.email in page and "2 of 5 places" in page
    rows = read_csv(client.get(reverse("events:staff_days_export", args=[days.pk, "site-visits"])))
    assert {row[0] for row in rows[1:]} == {"Port of Barcelona"} and len(rows) == 3
    # In the page's language (the staff walk of 2026-11-29: the export kept the English title).
    type(visit).objects.filter(pk=visit.pk).update(title_fr="Port de Barcelone")
    client.cookies["django_language"] = "fr"
    rows = read_csv(client.get(reverse("events:staff_days_export", args=[days.pk, "site-visits"])))
    assert {row[0] for row in rows[1:]} == {"Port de Barcelone"}


def test_badges_page_is_printable_without_inline_styles(client, staff, days):
    people = [make_participant(days, badge_name=f"Badge {index}") for index in range(13)]
    client.force_login(staff)
    response = client.get(reverse("events:staff_days_badges", args=[days.pk]))
    page = response.content.decode()
    assert page.count("data-badge=") == 13 and page.count('class="badge-sheet"') == 2  # 12 to a sheet
    assert "Badge 12" in page and people[0].member.organisation.name in page
    assert "css/badges.css" in page and "style=" not in page and "<style" not in page


@pytest.mark.parametrize("size", [3, 30])
def test_lists_cost_the_same_queries_whatever_the_number(client, staff, days, size, django_assert_max_num_queries):
    visit = make_visit(days, capacity=100)
    for index in range(size):
        participant = make_participant(days, dietary_needs="Vegetarian", badge_name=f"P{index}")
        programme.site_visit_pick(participant, visit, participant.member)
    client.force_login(staff)
    for name in ("staff_days_lists", "staff_days_badges", "staff_days_site_visits", "staff_days_needs"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(f"events:{name}", args=[days.pk])).status_code == 200


def test_the_staff_pages_are_listed_for_those_who_may_see_them(staff, staff_without_permission):
    keys = [page.key for page in staff_pages.visible_to(staff)]
    assert "days-lists" in keys and "days-funnel" in keys
    assert not {"days-lists", "days-funnel"} & {page.key for page in staff_pages.visible_to(staff_without_permission)}


def test_admin_index_links_the_funnel(client, staff):
    client.force_login(staff)
    assert reverse("events:staff_funnel") in client.get(reverse("admin:index")).content.decode()


# ------------------------------------------------------------------------------ the funnel
def build_funnel(edition, survey, days, *, size=1):
    """``size`` members at each step, each one further than the last: 8 steps."""
    webinar = make_webinar(edition, starts_in=timedelta(days=-5))
    now = timezone.now()
    people = {}
    for step in range(8):
        for _ in range(size):
            member = MemberFactory()
            people.setdefault(step, []).append(member)
            if step >= 1:
                make_respondent(survey, member)
            if step >= 2:
                Invitation.objects.create(event=webinar, member=member, rsvp=Rsvp.YES if step >= 3 else Rsvp.NONE,
                                          rsvp_at=now if step >= 3 else None, attended=True if step >= 4 else None)
            if step == 5:
                make_application(days, member)
            if step == 6:
                make_application(days, member, decision=Decision.SELECTED, decision_sent=Decision.SELECTED,
                                 confirmation=Confirmation.PENDING)
            if step == 7:
                make_participant(days, member)
    MemberFactory(status=MemberStatus.PENDING)  # never counted
    make_application(days, submitted=False)  # a draft: approved, not applied
    return people


def test_funnel_counts_each_step_and_lists_the_people_behind(client, staff, edition, survey, days):
    people = build_funnel(edition, survey, days)
    client.force_login(staff)
    response = client.get(reverse("events:staff_funnel"))
    page = response.content.decode()
    counts = {row["step"].key: row["count"] for row in response.context["rows"]}
    assert counts == {"approved": 9, "portrait": 7, "invited": 6, "rsvp_yes": 5, "attended": 4, "applied": 3,
                      "selected": 2, "confirmed": 1}
    assert reverse("events:staff_funnel_people", args=[edition.pk, "attended"]) in page
    listed = client.get(reverse("events:staff_funnel_people", args=[edition.pk, "attended"]))
    assert listed.context["page"].paginator.count == 4
    assert people[7][0].user.email in listed.content.decode()
    assert people[3][0].user.email not in listed.content.decode()
    assert client.get(reverse("events:staff_funnel_people", args=[edition.pk, "nonsense"])).status_code == 404


@pytest.mark.parametrize("size", [1, 6])
def test_funnel_costs_the_same_queries_at_two_sizes(client, staff, edition, survey, days, size,
                                                    django_assert_max_num_queries):
    build_funnel(edition, survey, days, size=size)
    client.force_login(staff)
    with django_assert_max_num_queries(18):
        assert client.get(reverse("events:staff_funnel_edition", args=[edition.pk])).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("events:staff_funnel_people", args=[edition.pk, "approved"])).status_code == 200
