"""The secretariat approving members from the admin: the organisation a skipped member waits for,
confirming an organisation and approving its members in one go, and verified addresses."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from community import second_factor, services
from community.models import Member, MemberStatus, OrganisationStatus
from tests.conftest import STAFF_TOTP_SECRET
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBERS = reverse("admin:community_member_changelist")
ORGANISATIONS = reverse("admin:community_organisation_changelist")


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def proposed():
    return OrganisationFactory(name="Ciudad <Nueva>", status=OrganisationStatus.PROPOSED)


def test_skip_message_links_to_the_proposed_organisation(client, staff, proposed):
    member = MemberFactory(organisation=proposed, status=MemberStatus.PENDING)
    client.force_login(staff)
    response = client.post(MEMBERS, {"action": "approve", "_selected_action": [member.pk]}, follow=True)
    html = response.content.decode()
    change_url = reverse("admin:community_organisation_change", args=[proposed.pk])
    # A real link in the page (not escaped markup), with the organisation's name escaped.
    assert f'<a href="{change_url}">Ciudad &lt;Nueva&gt;</a> awaits confirmation' in html
    member.refresh_from_db()
    assert member.status == MemberStatus.PENDING


def test_service_confirms_and_approves_waiting_members_only(staff, proposed, django_capture_on_commit_callbacks):
    waiting = [MemberFactory(organisation=proposed, status=MemberStatus.PENDING) for _ in range(2)]
    rejected = MemberFactory(organisation=proposed, status=MemberStatus.REJECTED)
    elsewhere = MemberFactory(status=MemberStatus.PENDING)  # another organisation: not touched
    with django_capture_on_commit_callbacks(execute=True):
        confirmed, result = services.organisations_confirm_and_approve_members(organisations=[proposed], by=staff)
    assert confirmed == 1
    assert sorted(m.pk for m in result.decided) == sorted(m.pk for m in waiting)
    proposed.refresh_from_db()
    assert proposed.status == OrganisationStatus.MEMBER
    assert set(Member.objects.filter(status=MemberStatus.APPROVED).values_list("pk", flat=True)) == {
        m.pk for m in waiting
    }
    rejected.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (rejected.status, elsewhere.status) == (MemberStatus.REJECTED, MemberStatus.PENDING)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in waiting)


def test_service_leaves_former_organisations_and_their_members_alone(staff):
    former = OrganisationFactory(status=OrganisationStatus.FORMER)
    member = MemberFactory(organisation=former, status=MemberStatus.PENDING)
    confirmed, result = services.organisations_confirm_and_approve_members(organisations=[former], by=staff)
    assert (confirmed, result.decided) == (0, [])
    member.refresh_from_db()
    former.refresh_from_db()
    assert (member.status, former.status) == (MemberStatus.PENDING, OrganisationStatus.FORMER)


def test_confirm_and_approve_admin_action(client, staff, proposed, django_capture_on_commit_callbacks):
    waiting = MemberFactory(organisation=proposed, status=MemberStatus.PENDING)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ORGANISATIONS, {"action": "confirm_and_approve", "_selected_action": [proposed.pk]}, follow=True
        )
    assert response.status_code == 200
    assert "1 organisation confirmed." in messages_of(response)
    assert "1 membership(s) approved." in messages_of(response)
    waiting.refresh_from_db()
    assert waiting.status == MemberStatus.APPROVED
    assert len(mail.outbox) == 1


def test_confirm_and_approve_needs_the_permission_to_change_members(client, proposed):
    # May change organisations, not members: the action would approve members, so it is not offered.
    clerk = UserFactory(email="clerk@secretariat.example", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_organisation", "change_organisation"]))
    second_factor.totp_activate(clerk, STAFF_TOTP_SECRET)
    waiting = MemberFactory(organisation=proposed, status=MemberStatus.PENDING)
    client.force_login(clerk)
    page = client.get(ORGANISATIONS).content.decode()
    assert 'value="confirm"' in page
    assert 'value="confirm_and_approve"' not in page
    client.post(ORGANISATIONS, {"action": "confirm_and_approve", "_selected_action": [proposed.pk]})
    waiting.refresh_from_db()
    proposed.refresh_from_db()
    assert (waiting.status, proposed.status) == (MemberStatus.PENDING, OrganisationStatus.PROPOSED)


def test_members_list_shows_whether_the_address_is_verified(client, staff, organisation):
    verified = MemberFactory(organisation=organisation, user__email="yes@example.org")
    unverified = MemberFactory(organisation=organisation, user__email="no@example.org", user__verified=False)
    # A verified address that is not the login address does not count: allauth checks the login one.
    EmailAddress.objects.create(user=unverified.user, email="other@example.org", verified=True)
    client.force_login(staff)
    response = client.get(MEMBERS)
    rows = {m.pk: m.email_verified for m in response.context_data["cl"].result_list}
    assert rows == {verified.pk: True, unverified.pk: False}
    html = response.content.decode()
    assert "email verified" in html.lower()
    assert 'alt="True"' in html and 'alt="False"' in html
    # The column sorts (ordering on the annotation).
    assert client.get(MEMBERS, {"o": "3"}).status_code == 200


@pytest.mark.parametrize("size", [2, 15])
def test_members_list_query_count_stays_flat(client, staff, organisation, size, django_assert_max_num_queries):
    for _ in range(size):
        MemberFactory(organisation=organisation, user__verified=bool(_ % 2))
    client.force_login(staff)
    # 14 whatever the rows (one of them is the staff second-factor check).
    with django_assert_max_num_queries(14):
        assert client.get(MEMBERS).status_code == 200


def test_approving_an_unverified_person_says_what_will_happen(
    client, staff, organisation, django_capture_on_commit_callbacks
):
    unverified = MemberFactory(
        organisation=organisation, status=MemberStatus.PENDING, user__email="late@example.org",
        user__first_name="Ana", user__last_name="Ruiz", user__verified=False,
    )
    # As after a real sign-up: an unverified primary address.
    unverified.user.save()
    EmailAddress.objects.create(user=unverified.user, email="late@example.org", verified=False, primary=True)
    verified = MemberFactory(organisation=organisation, status=MemberStatus.PENDING, user__email="ok@example.org")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            MEMBERS, {"action": "approve", "_selected_action": [unverified.pk, verified.pk]}, follow=True
        )
    notes = [m for m in messages_of(response) if "has not confirmed" in m]
    assert notes == [
        "Ana Ruiz <late@example.org> has not confirmed their email address yet: the membership is approved and "
        "the email saying so is on its way, but they can log in only once they confirm the address (with the "
        "link sent at sign-up, or the new one that trying to log in sends them)."
    ]
    # What the message says is true: approved and emailed...
    unverified.refresh_from_db()
    assert unverified.status == MemberStatus.APPROVED
    assert "late@example.org" in [m.to[0] for m in mail.outbox]
    # ...and logging in is refused until the address is confirmed, with a new link sent.
    mail.outbox.clear()
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        login = client.post(reverse("account_login"), {"login": "late@example.org", "password": PASSWORD})
    assert login["Location"] == reverse("account_email_verification_sent")
    assert [m.to[0] for m in mail.outbox] == ["late@example.org"]
