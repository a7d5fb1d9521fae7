"""A member's dashboard that leads somewhere, the member cities, the site's 404 in local mode (issue 8, item 8)."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from community import second_factor, steps
from community.models import MemberStatus, OrganisationStatus

from ..conftest import STAFF_TOTP_SECRET
from ..factories import MemberFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


class DatedStep(steps.Step):
    key = "tests.dated"
    order = 100
    title = "Fill in the portrait"
    status = "locked"
    date = None

    def state(self, member, edition):
        return steps.StepState(self.status, date=self.date, url="/portrait/")


@pytest.fixture
def dated_step():
    step = DatedStep()
    steps.register(step)
    yield step
    steps.unregister(step.key)


def this_year(month, day, hour, minute=0):
    return datetime(timezone.now().year, month, day, hour, minute, tzinfo=UTC)


def dashboard(client, member, language="en"):
    client.force_login(member.user)
    client.cookies["django_language"] = language
    return client.get(reverse("community:dashboard")).content.decode()


def test_a_step_not_yet_open_says_when_it_opens_in_the_members_zone_and_is_not_linked(client, member, edition,
                                                                                      dated_step):
    dated_step.date = this_year(6, 10, 22)  # 11 June, 00:00 in Madrid (summer time)
    page = dashboard(client, member)
    assert "Opens June 11 at midnight (Madrid)" in page
    assert '<a href="/portrait/">' not in page  # nothing to act on yet
    member.time_zone = "America/Sao_Paulo"
    member.save()
    assert "Opens June 10 at 7 p.m. (Sao Paulo)" in dashboard(client, member)


def test_an_open_step_says_until_when_and_is_linked(client, member, edition, dated_step):
    dated_step.status, dated_step.date = "in_progress", this_year(7, 6, 21, 59)
    page = dashboard(client, member)
    assert "Open until July 6 at 11:59 p.m. (Madrid)" in page
    assert '<a href="/portrait/">Fill in the portrait</a>' in page


@pytest.mark.parametrize(("language", "expected"), [("fr", "Ouvre le 11 juin à 00:00"),
                                                    ("es", "Abre el 11 de junio a las 00:00")])
def test_step_dates_read_in_the_pages_language(client, member, edition, dated_step, language, expected):
    dated_step.date = this_year(6, 10, 22)
    assert expected in dashboard(client, member, language)


def test_a_date_of_another_year_names_the_year(client, member, edition, dated_step):
    dated_step.status, dated_step.date = "closed", datetime(2020, 7, 6, 21, 59, tzinfo=UTC)
    assert "Closed on July 6, 2020 at 11:59 p.m. (Madrid)" in dashboard(client, member)


def test_dashboard_leads_to_the_member_cities_and_the_own_organisation(client, member, edition):
    page = dashboard(client, member)
    assert f'href="{reverse("community:organisation_list")}"' in page
    assert f'href="{reverse("community:organisation_detail", args=[member.organisation_id])}"' in page


def test_member_cities_lists_confirmed_organisations_in_reading_order_with_links(client, member, other_member):
    OrganisationFactory(name="São Paulo")
    OrganisationFactory(name="Seoul")
    OrganisationFactory(name="Île-de-France")
    proposed = OrganisationFactory(name="Atlantis", status=OrganisationStatus.PROPOSED)
    former = OrganisationFactory(name="Gone City", status=OrganisationStatus.FORMER)
    MemberFactory(organisation=other_member.organisation, status=MemberStatus.PENDING)
    client.force_login(member.user)
    page = client.get(reverse("community:organisation_list")).content.decode()
    names = ["Barcelona Metropolitan Area", "Île-de-France", "Montréal", "São Paulo", "Seoul"]
    assert [page.index(f">{name}</a>") for name in names] == sorted(page.index(f">{name}</a>") for name in names)
    assert proposed.name not in page and former.name not in page
    assert f'href="{reverse("community:organisation_detail", args=[other_member.organisation_id])}"' in page
    assert "5 member organisations" in page
    # Montréal: one approved member (the pending one is not counted).
    row = page[page.index(f'data-organisation="{other_member.organisation_id}"'):]
    assert '<td class="text-end">1</td>' in row[:row.index("</tr>")]


def test_a_proposed_organisation_stays_hidden_from_other_members(client, member):
    proposed = OrganisationFactory(name="Atlantis", status=OrganisationStatus.PROPOSED)
    MemberFactory(organisation=proposed, status=MemberStatus.PENDING)
    client.force_login(member.user)
    assert client.get(reverse("community:organisation_detail", args=[proposed.pk])).status_code == 404


def test_staff_whose_role_does_not_see_members_see_no_member_cities(client):
    reviewer = UserFactory(is_staff=True)
    second_factor.totp_activate(reviewer, STAFF_TOTP_SECRET)  # staff open these pages after it
    group = Group.objects.create(name="Reviewers only")
    group.permissions.add(Permission.objects.get(codename="view_organisation"))
    reviewer.groups.add(group)
    client.force_login(reviewer)
    assert client.get(reverse("community:organisation_list")).status_code == 403


# ------------------------------------------------------------------------------ 404 in local mode
def test_local_mode_shows_the_sites_404_not_the_url_list(client, settings, member):
    settings.DEBUG = True
    settings.PORTAL_SITE_404_IN_DEBUG = True
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body and "Back to the home page" in body
    assert "Using the URLconf" not in body and "admin/" not in body
    # A view's own 404 (an organisation that does not exist) too.
    client.force_login(member.user)
    response = client.get(reverse("community:organisation_detail", args=[999999]))
    assert response.status_code == 404 and "Back to the home page" in response.content.decode()


def test_the_setting_off_gives_djangos_page_back(client, settings):
    settings.DEBUG = True
    settings.PORTAL_SITE_404_IN_DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Using the URLconf" in response.content.decode()


def test_local_settings_turn_it_on():
    from config.settings import local

    assert local.DEBUG is True and local.PORTAL_SITE_404_IN_DEBUG is True


def test_the_own_organisation_page_reads_the_organisation_once_and_other_pages_as_before(
        client, member, other_member, django_assert_max_num_queries):
    """The member's own organisation comes with the member (the middleware's query); another one is read."""
    client.force_login(member.user)
    colleague = MemberFactory(organisation=member.organisation, status=MemberStatus.APPROVED, job_title="Planner")
    with django_assert_max_num_queries(4):  # session, user, member and organisation, colleagues
        page = client.get(reverse("community:organisation_detail", args=[member.organisation_id]))
    assert member.organisation.name in page.content.decode()
    assert colleague.full_name in page.content.decode() and "Planner" in page.content.decode()
    other = client.get(reverse("community:organisation_detail", args=[other_member.organisation_id]))
    assert other.status_code == 200 and other_member.organisation.name in other.content.decode()


@pytest.mark.parametrize("url_name", ["community:dashboard", "community:organisation_detail"])
def test_read_only_member_pages_open_no_transaction(url_name):
    """ATOMIC_REQUESTS wraps every view in a transaction; these only read, so they are left out of it."""
    from django.urls import resolve

    args = [1] if url_name.endswith("detail") else []
    assert resolve(reverse(url_name, args=args)).func._non_atomic_requests == {"default"}
