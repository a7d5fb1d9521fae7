"""The secretariat's admin: the group's permissions, filters, search, import/export, confirm/merge."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from community import second_factor
from community.models import Member, MembershipInvitation, Organisation, OrganisationStatus

from ..conftest import STAFF_TOTP_SECRET
from ..factories import MemberFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_secretariat_group_has_exactly_the_permissions_staff_need():
    group = Group.objects.get(name="Secretariat")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert codenames == {
        ("community", "view_user"),
        ("community", "view_member"),
        ("community", "change_member"),
        ("community", "view_organisation"),
        ("community", "add_organisation"),
        ("community", "change_organisation"),
        ("community", "view_membershipinvitation"),
        ("community", "add_membershipinvitation"),
        ("community", "view_edition"),
        ("community", "add_edition"),
        ("community", "change_edition"),
        ("community", "view_auditentry"),
        ("account", "view_emailaddress"),
        ("mailings", "view_outboxmessage"),
        ("mailings", "change_outboxmessage"),
        ("mailings", "view_mailpreference"),
        ("surveys", "view_survey"),
        ("surveys", "add_survey"),
        ("surveys", "change_survey"),
        *{("surveys", f"{action}_{model}") for model in ("section", "question", "choice")
          for action in ("view", "add", "change", "delete")},
        ("surveys", "view_portrait"),
        ("surveys", "change_portrait"),
        ("surveys", "view_answer"),
        ("surveys", "view_respondent"),
        ("events", "view_event"),
        ("events", "add_event"),
        ("events", "change_event"),
        ("events", "view_invitation"),
        ("events", "view_eligibilityexception"),
        ("events", "add_eligibilityexception"),
        ("events", "change_eligibilityexception"),
        *{("events", f"{action}_session") for action in ("view", "add", "change", "delete")},
        ("events", "view_sitevisitpick"),
        ("events", "view_application"),
        # City Managers Days reviews (events/migrations/0005): criteria, reviews read-only, assigning
        *{("events", f"{action}_criterion") for action in ("view", "add", "change", "delete")},
        ("events", "view_review"),
        ("events", "view_score"),
        ("events", "assign_reviewers"),
        # City Managers Days: the selection board, the applications and their history, the budget.
        ("events", "select_participants"),
        ("events", "view_application"),
        ("events", "view_budget"),
    }


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/group/",
        "/admin/community/user/add/",
        "/admin/community/organisation/1/delete/",
    ],
)
def test_secretariat_staff_cannot_reach_what_they_do_not_need(client, staff, organisation, url):
    client.force_login(staff)
    assert client.get(url).status_code == 403


def test_secretariat_staff_cannot_make_themselves_superuser(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_user_change", args=[staff.pk]),
        {"email": staff.email, "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )
    assert response.status_code == 403
    staff.refresh_from_db()
    assert not staff.is_superuser


def test_secretariat_staff_cannot_delete_members(client, staff, member):
    client.force_login(staff)
    response = client.post(reverse("admin:community_member_delete", args=[member.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()


def test_member_changelist_filters_and_search(client, staff, member, other_member):
    client.force_login(staff)
    url = reverse("admin:community_member_changelist")
    response = client.get(url, {"organisation__region__exact": "north_america"})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows == [other_member]
    response = client.get(url, {"q": "barcelona"})
    assert list(response.context["cl"].result_list) == [member]
    response = client.get(url, {"status__exact": "approved", "organisation__id__exact": member.organisation_id})
    assert list(response.context["cl"].result_list) == [member]


@pytest.mark.parametrize("size", [3, 30])
def test_member_changelist_query_count_is_constant(client, staff, organisation, size, django_assert_max_num_queries):
    for _ in range(size):
        MemberFactory(organisation=OrganisationFactory())
    client.force_login(staff)
    # 11 whatever the rows, the staff second-factor check included.
    with django_assert_max_num_queries(11):
        assert client.get(reverse("admin:community_member_changelist")).status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_organisation_changelist_query_count_is_constant(client, staff, size, django_assert_max_num_queries):
    for _ in range(size):
        MemberFactory(organisation=OrganisationFactory())
    client.force_login(staff)
    # 11: the country filter's one SELECT DISTINCT (it lists only the countries in use).
    with django_assert_max_num_queries(11):
        assert client.get(reverse("admin:community_organisation_changelist")).status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_member_search_query_count_is_constant(client, staff, organisation, size, django_assert_max_num_queries):
    for i in range(size):
        MemberFactory(organisation=OrganisationFactory(name=f"Garcia City {i}"), user__last_name="Garcia")
    client.force_login(staff)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("admin:community_member_changelist"), {"q": "garcia"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == size


@pytest.mark.parametrize("size", [3, 30])
def test_organisation_search_query_count_is_constant(client, staff, size, django_assert_max_num_queries):
    for i in range(size):
        MemberFactory(organisation=OrganisationFactory(name=f"Lagos {i}"))
    client.force_login(staff)
    with django_assert_max_num_queries(11):  # the country filter's SELECT DISTINCT included
        response = client.get(reverse("admin:community_organisation_changelist"), {"q": "lagos"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == size


def test_member_list_filters_by_organisation_without_listing_every_organisation(client, staff, member, other_member):
    proposed = OrganisationFactory(name="Proposed Town", status=OrganisationStatus.PROPOSED)
    client.force_login(staff)
    url = reverse("admin:community_member_changelist")
    body = client.get(url).content.decode()
    assert "Proposed Town" in body  # where staff act
    assert f"organisation__id__exact={other_member.organisation_id}" not in body  # not all 2,000 of them
    response = client.get(url, {"organisation__id__exact": other_member.organisation_id})
    assert list(response.context["cl"].result_list) == [other_member]
    assert "Montréal" in response.content.decode()  # the one chosen is shown as chosen
    # A value that is not an organisation says so (Django would answer 500).
    response = client.get(url, {"organisation__id__exact": "abc"})
    assert response.status_code == 302 and "e=1" in response["Location"]
    assert proposed.pk  # (listed above)


def test_organisation_list_links_each_member_count_to_the_filtered_member_list(client, staff, member):
    client.force_login(staff)
    body = client.get(reverse("admin:community_organisation_changelist")).content.decode()
    link = f'{reverse("admin:community_member_changelist")}?organisation__id__exact={member.organisation_id}'
    assert f'href="{link}"' in body


def test_member_search_matches_every_word_in_person_organisation_or_job(client, staff, member, other_member):
    other_member.job_title = "Directora general"
    other_member.save()
    # Names of our own: the factory's random ones can meet (two Millers).
    type(member.user).objects.filter(pk=member.user.pk).update(last_name="Vilaseca")
    type(member.user).objects.filter(pk=other_member.user.pk).update(last_name="Tremblay")
    member.user.last_name = "Vilaseca"
    client.force_login(staff)
    url = reverse("admin:community_member_changelist")

    def found(q):
        return set(client.get(url, {"q": q}).context["cl"].result_list)

    assert found("MANAGER@barcelona") == {member}  # email, any case
    assert found(member.user.last_name) == {member}
    assert found("montréal") == {other_member}  # organisation name
    assert found("directora") == {other_member}  # job title
    assert found("barcelona directora") == set()  # every word must match
    assert found('"Barcelona Metropolitan"') == {member}  # a quoted phrase stays whole


def test_organisation_list_counts_members(client, staff, member, pending_member, other_organisation):
    client.force_login(staff)
    rows = {o.pk: o.member_count for o in
            client.get(reverse("admin:community_organisation_changelist")).context["cl"].result_list}
    assert rows[member.organisation_id] == 2
    assert rows[other_organisation.pk] == 0


def test_confirm_proposed_organisations(client, staff):
    proposed = OrganisationFactory(status=OrganisationStatus.PROPOSED)
    client.force_login(staff)
    client.post(reverse("admin:community_organisation_changelist"),
                {"action": "confirm", "_selected_action": [proposed.pk]})
    proposed.refresh_from_db()
    assert proposed.status == OrganisationStatus.MEMBER


def test_merge_moves_members_and_deletes_the_proposed_duplicate(client, staff, organisation):
    duplicate = OrganisationFactory(name="AMB", status=OrganisationStatus.PROPOSED)
    newcomer = MemberFactory(organisation=duplicate, status="pending")
    client.force_login(staff)
    url = reverse("admin:community_organisation_changelist")
    response = client.post(url, {"action": "merge", "_selected_action": [duplicate.pk, organisation.pk]})
    assert response.status_code == 200  # the page that asks into which one
    response = client.post(
        url, {"action": "merge", "_selected_action": [duplicate.pk, organisation.pk], "apply": "1",
              "target": organisation.pk},
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.organisation == organisation
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()


def test_merge_refuses_to_delete_a_confirmed_organisation(client, staff, organisation, other_organisation, member):
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_organisation_changelist"),
        {"action": "merge", "_selected_action": [organisation.pk, other_organisation.pk], "apply": "1",
         "target": other_organisation.pk},
        follow=True,
    )
    assert "Only proposed organisations can be merged away" in response.content.decode()
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    member.refresh_from_db()
    assert member.organisation == organisation


def _streamed(response):
    assert response.status_code == 200
    assert response.streaming  # never built whole in memory
    return b"".join(response.streaming_content)


def test_member_export_csv_and_xlsx(client, staff, member, other_member):
    client.force_login(staff)
    url = reverse("admin:community_member_export")
    content = _streamed(client.get(url, {"format": "csv"})).decode()
    assert content.splitlines()[0].startswith("email,first_name,last_name,organisation,country,region")
    assert member.user.email in content and other_member.user.email in content
    assert "Barcelona Metropolitan Area" in content

    workbook = openpyxl.load_workbook(io.BytesIO(_streamed(client.get(url, {"format": "xlsx"}))))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert member.user.email in values and other_member.user.email in values


def test_member_export_keeps_the_changelist_filters_and_search(client, staff, member, other_member):
    client.force_login(staff)
    url = reverse("admin:community_member_export")
    content = _streamed(client.get(url, {"format": "csv", "organisation__region__exact": "north_america"})).decode()
    assert other_member.user.email in content and member.user.email not in content
    content = _streamed(client.get(url, {"format": "csv", "q": "barcelona"})).decode()
    assert member.user.email in content and other_member.user.email not in content
    # The changelist offers both formats, carrying its filters.
    page = client.get(reverse("admin:community_member_changelist"), {"status__exact": "approved"}).content.decode()
    assert f"{url}?format=csv&amp;status__exact=approved" in page


def test_member_export_reads_in_pages_and_loses_no_row(client, staff, organisation, monkeypatch):
    from community import exports

    monkeypatch.setattr(exports, "CHUNK", 2)
    members = [MemberFactory(organisation=organisation) for _ in range(5)]
    client.force_login(staff)
    lines = _streamed(client.get(reverse("admin:community_member_export"), {"format": "csv"})).decode().splitlines()
    assert len(lines) == 1 + 5
    assert all(any(m.user.email in line for line in lines) for m in members)


@pytest.mark.parametrize("query", [{"format": "html"}, {}, {"format": "csv", "organisation__id__exact": "abc"},
                                   {"format": "csv", "joined_at__gte": "not-a-date"}])
def test_member_export_bad_input_says_so(client, staff, member, query):
    client.force_login(staff)
    response = client.get(reverse("admin:community_member_export"), query, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == reverse("admin:community_member_changelist")
    assert not response.streaming


def test_member_export_needs_the_view_permission(client, member):
    from django.contrib.auth.models import Permission

    user = UserFactory(email="other-staff@secretariat.example", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_organisation"))
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)
    client.force_login(user)
    assert client.get(reverse("admin:community_member_export"), {"format": "csv"}).status_code == 403
    client.logout()
    response = client.get(reverse("admin:community_member_export"), {"format": "csv"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def _import(client, url, filename, content, fmt):
    upload = io.BytesIO(content)
    upload.name = filename
    response = client.post(url, {"import_file": upload, "format": fmt, "resource": "0"})
    assert response.status_code == 200, response.content.decode()[:3000]
    confirm = response.context.get("confirm_form")
    assert confirm is not None, response.content.decode()[:5000]
    return client.post(url.replace("/import/", "/process_import/"), confirm.initial, follow=True)


def test_organisation_import_csv_creates_and_refuses_duplicates(client, staff, organisation):
    client.force_login(staff)
    csv = (
        b"name,country,region,kind,population,website,status\n"
        b"Lagos,NG,africa,city,15000000,https://lagosstate.gov.ng,member\n"
    )
    response = _import(client, "/admin/community/organisation/import/", "orgs.csv", csv, "0")
    assert response.status_code == 200
    assert Organisation.objects.filter(name="Lagos", country="NG").exists()


def test_invitation_import_creates_invitations_and_emails_them(
    client, staff, organisation, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    csv = f"email,first_name,last_name,organisation\nnew.person@amb.example,New,Person,{organisation.name}\n"
    with django_capture_on_commit_callbacks(execute=True):
        # The preview (dry run) sends nothing.
        upload = io.BytesIO(csv.encode())
        upload.name = "people.csv"
        response = client.post("/admin/community/membershipinvitation/import/",
                               {"import_file": upload, "format": "0", "resource": "0"})
        assert response.status_code == 200
    assert mail.outbox == []
    assert not MembershipInvitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/community/membershipinvitation/process_import/", response.context["confirm_form"].initial)
    invitation = MembershipInvitation.objects.get()
    assert invitation.email == "new.person@amb.example"
    assert invitation.invited_by == staff
    assert [m.to for m in mail.outbox] == [["new.person@amb.example"]]


def test_admin_index_for_secretariat(client, staff):
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Members" in body and "Organisations" in body
    assert "Groups" not in body
