"""Every member URL against every kind of visitor: anonymous, pending, rejected, approved, another
organisation's member, staff."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
STATUS_PAGE = "/membership/"


@pytest.fixture
def visitors(member, pending_member, rejected_member, other_member, staff):
    return {
        "anonymous": None,
        "pending": pending_member.user,
        "rejected": rejected_member.user,
        "approved": member.user,
        "other_organisation": other_member.user,
        "staff": staff,
    }


def own_organisation_url(member):
    return reverse("community:organisation_detail", kwargs={"pk": member.organisation_id})


# (url builder, visitor, expected status, expected redirect prefix)
MATRIX = [
    ("dashboard", "anonymous", 302, LOGIN),
    ("dashboard", "pending", 302, STATUS_PAGE),
    ("dashboard", "rejected", 302, STATUS_PAGE),
    ("dashboard", "approved", 200, None),
    ("dashboard", "other_organisation", 200, None),
    ("dashboard", "staff", 403, None),
    ("profile", "anonymous", 302, LOGIN),
    ("profile", "pending", 302, STATUS_PAGE),
    ("profile", "rejected", 302, STATUS_PAGE),
    ("profile", "approved", 200, None),
    ("profile", "other_organisation", 200, None),  # their own profile: the URL names no one
    ("profile", "staff", 403, None),
    ("organisation", "anonymous", 302, LOGIN),
    ("organisation", "pending", 302, STATUS_PAGE),
    ("organisation", "rejected", 302, STATUS_PAGE),
    ("organisation", "approved", 200, None),
    # Approved members of any member city see its page (issue 8: the member cities list).
    ("organisation", "other_organisation", 200, None),
    ("organisation", "staff", 200, None),
    ("organisations", "anonymous", 302, LOGIN),
    ("organisations", "pending", 302, STATUS_PAGE),
    ("organisations", "rejected", 302, STATUS_PAGE),
    ("organisations", "approved", 200, None),
    ("organisations", "other_organisation", 200, None),
    ("organisations", "staff", 200, None),
    ("membership_status", "anonymous", 302, LOGIN),
    ("membership_status", "pending", 200, None),
    ("membership_status", "rejected", 200, None),
    ("membership_status", "approved", 200, None),
    ("membership_status", "other_organisation", 200, None),
    ("membership_status", "staff", 200, None),
]


@pytest.mark.parametrize(("page", "visitor", "status", "location"), MATRIX)
def test_member_pages_permission_matrix(client, visitors, member, page, visitor, status, location):
    url = {
        "dashboard": reverse("community:dashboard"),
        "profile": reverse("community:profile"),
        "organisation": own_organisation_url(member),
        "organisations": reverse("community:organisation_list"),
        "membership_status": reverse("community:membership_status"),
    }[page]
    if visitors[visitor] is not None:
        client.force_login(visitors[visitor])
    response = client.get(url)
    assert response.status_code == status
    if location:
        assert response["Location"].startswith(location)


def test_other_organisation_page_shows_names_and_job_titles_never_addresses(client, member, other_member):
    client.force_login(other_member.user)
    response = client.get(own_organisation_url(member))
    assert response.status_code == 200
    body = response.content.decode()
    assert member.user.last_name in body and member.job_title in body
    assert member.user.email not in body


def test_organisation_page_lists_only_approved_colleagues(client, member, pending_member):
    client.force_login(member.user)
    body = client.get(own_organisation_url(member)).content.decode()
    assert member.user.last_name in body
    assert pending_member.user.email not in body


def test_pending_member_posting_profile_changes_nothing(client, pending_member):
    client.force_login(pending_member.user)
    response = client.post(
        reverse("community:profile"),
        {"first_name": "X", "last_name": "Y", "job_title": "Hacker", "preferred_language": "en", "time_zone": "UTC"},
    )
    assert response.status_code == 302
    pending_member.refresh_from_db()
    assert pending_member.job_title != "Hacker"


def test_pending_page_says_so(client, pending_member):
    client.force_login(pending_member.user)
    body = client.get(reverse("community:membership_status")).content.decode()
    assert "waiting for approval" in body


def test_rejected_page_shows_reason(client, rejected_member):
    rejected_member.rejection_reason = "Not a city manager of a member city."
    rejected_member.save()
    client.force_login(rejected_member.user)
    body = client.get(reverse("community:membership_status")).content.decode()
    assert "was not approved" in body
    assert "Not a city manager of a member city." in body


@pytest.mark.parametrize("visitor", ["anonymous", "approved", "pending"])
def test_admin_is_closed_to_non_staff(client, visitors, visitor):
    if visitors[visitor] is not None:
        client.force_login(visitors[visitor])
    response = client.get("/admin/community/member/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_profile_shows_only_the_visitors_own_data(client, member, other_member):
    client.force_login(other_member.user)
    body = client.get(reverse("community:profile")).content.decode()
    assert other_member.user.email in body
    assert member.user.email not in body


@pytest.mark.parametrize("visitor", ["anonymous", "pending", "approved"])
def test_language_switch_accepts_only_post(client, visitors, visitor):
    if visitors[visitor] is not None:
        client.force_login(visitors[visitor])
    assert client.get(reverse("set_language")).status_code == 405


@pytest.mark.parametrize("visitor", ["anonymous", "pending", "approved", "staff"])
def test_invitation_link_of_someone_else_cannot_be_used_while_signed_in(client, visitors, visitor, organisation):
    from community import services

    invitation = services.membership_invite(email="guest@example.org", organisation=organisation, by=None)
    path = reverse("community:invitation_accept", args=[services.membership_invitation_token(invitation)])
    if visitors[visitor] is not None:
        client.force_login(visitors[visitor])
        assert client.get(path).status_code == 409  # log out first: no account takes over another's invitation
    else:
        assert client.get(path).status_code == 302
