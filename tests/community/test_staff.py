"""Staff pages (community/staff.py): the permission mixin, the registries, the to-do page, and the
links to them from the admin's index and changelists."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from community import second_factor
from community.models import MemberStatus, OrganisationStatus
from community.staff import StaffPage, TodoItem, staff_landing_url, staff_pages, todo_registry
from mailings.models import OutboxMessage, OutboxStatus
from tests.conftest import STAFF_TOTP_SECRET
from tests.factories import MemberFactory, MembershipInvitationFactory, OrganisationFactory, UserFactory

from ..conftest import totp_code

pytestmark = pytest.mark.django_db

TODO = "/staff/"


def outbox_row(status, n):
    return OutboxMessage.objects.create(
        dedupe_key=f"test:{status}:{n}", recipient=f"r{n}@example.org", language="en", template="t",
        subject="s", body_text="b", status=status, sent_at=timezone.now() if status == OutboxStatus.SENT else None,
    )


@pytest.fixture
def visitors(member, staff, superuser):
    staff_without_permission = UserFactory(email="intern@secretariat.example", is_staff=True)
    second_factor.totp_activate(staff_without_permission, STAFF_TOTP_SECRET)  # staff pages need it first
    # The permission without is_staff is not enough either.
    not_staff_with_permission = UserFactory(email="helper@example.org")
    not_staff_with_permission.user_permissions.add(Permission.objects.get(codename="view_member"))
    return {
        "anonymous": None,
        "member": member.user,
        "staff_without_permission": staff_without_permission,
        "not_staff_with_permission": not_staff_with_permission,
        "staff": staff,
        "superuser": superuser,
    }


@pytest.mark.parametrize(
    ("visitor", "status"),
    [
        ("anonymous", 302),
        ("member", 403),
        ("staff_without_permission", 403),
        ("not_staff_with_permission", 403),
        ("staff", 200),
        ("superuser", 200),
    ],
)
def test_todo_page_permission_matrix(client, visitors, visitor, status):
    if visitors[visitor]:
        client.force_login(visitors[visitor])
    response = client.get(TODO)
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"/accounts/login/?next={TODO}"
    if status == 403:
        # The portal's own 403 page, saying what is missing.
        html = response.content.decode()
        assert "This page is not for your account" in html
        assert "does not have the permission this staff page needs" in html


def todo_data(size):
    """``size`` of each thing waiting, and as many that do not wait."""
    proposed = [OrganisationFactory(status=OrganisationStatus.PROPOSED) for _ in range(size)]
    confirmed = OrganisationFactory()
    for i in range(size):
        MemberFactory(organisation=confirmed, status=MemberStatus.PENDING)
        MemberFactory(organisation=proposed[i], status=MemberStatus.PENDING)  # waits too
        MemberFactory(organisation=confirmed)
        MembershipInvitationFactory(organisation=confirmed)
        MembershipInvitationFactory(organisation=confirmed, accepted_at=timezone.now())
        outbox_row(OutboxStatus.FAILED, i)
        outbox_row(OutboxStatus.SENT, i)


def test_todo_counts_link_to_filtered_lists_showing_the_same_number(client, staff):
    todo_data(3)
    client.force_login(staff)
    response = client.get(TODO)
    # Community's own items, which open admin lists (higher apps' items are tested with their pages).
    items = [(item, count) for item, count in response.context["todo_items"] if item.url_name.startswith("admin:")]
    counts = {item.key: count for item, count in items}
    assert counts == {"members-pending": 6, "organisations-proposed": 3, "invitations-unused": 3, "emails-failed": 3}
    html = response.content.decode()
    for item, count in items:
        assert f'href="{item.url.replace("&", "&amp;")}"' in html
        listing = client.get(item.url)
        assert listing.status_code == 200, item.url
        # The filter was applied (not ignored nor refused with ?e=1) and shows the same number.
        assert listing.context_data["cl"].result_count == count, item.key
        assert listing.context_data["cl"].root_queryset.count() > count, item.key


@pytest.mark.parametrize("size", [2, 12])
def test_todo_page_query_count_does_not_grow_with_the_data(client, staff, size, django_assert_max_num_queries):
    todo_data(size)
    client.force_login(staff)
    # 8 fixed: session, user, member, two permission lookups, the request savepoint and its release, and the
    # staff second-factor check (does the account have an authenticator); then one per item.
    with django_assert_max_num_queries(8 + len(todo_registry)):
        response = client.get(TODO)
    assert response.status_code == 200


def test_todo_items_follow_the_users_permissions(client, staff):
    staff.groups.clear()
    staff.user_permissions.add(Permission.objects.get(codename="view_member"))
    client.force_login(staff)
    keys = [item.key for item, _count in client.get(TODO).context["todo_items"]]
    assert keys == ["members-pending"]


@pytest.fixture
def extra_item():
    """A later app's to-do item (e.g. portraits not submitted), removed after the test."""
    item = TodoItem(
        key="test-editions-open", title="Editions open", permission="community.view_edition",
        queryset=lambda: __import__("community.models").models.Edition.objects.filter(status="open"),
        url_name="admin:community_edition_changelist", query={"status__exact": "open"}, order=5,
    )
    todo_registry.register(item)
    yield item
    todo_registry.unregister(item.key)


def test_a_later_app_adds_its_own_todo_item(client, staff, edition, extra_item):
    client.force_login(staff)
    response = client.get(TODO)
    items = response.context["todo_items"]
    assert (extra_item, 1) in items
    assert items[0][0] is extra_item  # ordered by ``order``
    assert f'href="{extra_item.url}"' in response.content.decode()
    assert client.get(extra_item.url).context_data["cl"].result_count == 1


def test_registering_the_same_key_twice_is_refused(extra_item):
    with pytest.raises(ValueError, match="already registered"):
        todo_registry.register(extra_item)


def test_htmx_refresh_answers_only_the_items(client, staff):
    client.force_login(staff)
    response = client.get(TODO, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="todo-items"')
    assert "<nav" not in html


@pytest.fixture
def extra_page():
    page = StaffPage(
        key="test-results", title="Survey results (test)", url_name="admin:community_edition_changelist",
        permission="community.change_edition", changelists=("community.edition",),
    )
    staff_pages.register(page)
    yield page
    staff_pages.unregister(page.key)


def test_admin_index_lists_the_staff_pages_the_user_may_see(client, staff, extra_page):
    client.force_login(staff)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="staff-pages"' in html
    assert f'href="{TODO}"' in html
    assert "Survey results (test)" in html
    staff.groups.clear()
    staff.user_permissions.add(Permission.objects.get(codename="view_edition"))
    staff = type(staff).objects.get(pk=staff.pk)  # forget the cached permissions
    client.force_login(staff)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="staff-pages"' not in html  # neither page: view_member and change_edition are missing


@pytest.mark.parametrize(
    ("changelist", "linked"),
    [
        ("admin:community_member_changelist", True),
        ("admin:community_organisation_changelist", True),  # an import-export list: its own object tools
        ("admin:community_membershipinvitation_changelist", True),
        ("admin:mailings_outboxmessage_changelist", True),
        ("admin:community_edition_changelist", False),
    ],
)
def test_related_changelists_link_to_the_todo_page(client, staff, changelist, linked):
    client.force_login(staff)
    html = client.get(reverse(changelist)).content.decode()
    assert html.count(f'<a href="{TODO}" class="staff-page-link">') == (1 if linked else 0)


def test_staff_land_on_the_todo_page_after_login(client, staff, password):
    response = client.post(reverse("account_login"), {"login": staff.email, "password": password})
    assert response["Location"] == reverse("mfa_authenticate")  # staff have a second factor
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response["Location"] == TODO


def test_staff_without_the_todo_permission_land_in_the_admin(client, password):
    intern = UserFactory(email="intern@secretariat.example", is_staff=True)
    assert staff_landing_url(intern) == reverse("admin:index")
    response = client.post(reverse("account_login"), {"login": intern.email, "password": password})
    assert response["Location"] == reverse("admin:index")


def test_staff_base_sends_the_csrf_token_and_keeps_htmx_styles_off(client, staff):
    client.force_login(staff)
    response = client.get(TODO)
    html = response.content.decode()
    token = response.context["csrf_token"]
    assert f"""hx-headers='{{"X-CSRFToken": "{token}"}}'""" in html
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles":false}'>""" in html
    assert "vendor/htmx/htmx.min.js" in html


@pytest.mark.real_second_factor
def test_staff_pages_need_the_second_factor_like_the_admin(client, staff):
    """A staff session that has not passed the code does not open the to-do page: it is asked for it."""
    client.force_login(staff)
    response = client.get(reverse("community:staff_todo"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
