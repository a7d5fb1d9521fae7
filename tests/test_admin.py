"""The secretariat's admin: the group's permissions, filters, search, import/export, confirm/merge."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from community.models import Member, MembershipInvitation, Organisation, OrganisationStatus

from .factories import MemberFactory, OrganisationFactory

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
    with django_assert_max_num_queries(14):
        assert client.get(reverse("admin:community_member_changelist")).status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_organisation_changelist_query_count_is_constant(client, staff, size, django_assert_max_num_queries):
    for _ in range(size):
        MemberFactory(organisation=OrganisationFactory())
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("admin:community_organisation_changelist")).status_code == 200


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


def test_member_export_csv_and_xlsx(client, staff, member, other_member):
    client.force_login(staff)
    url = reverse("admin:community_member_export")
    response = client.post(url, {"format": "0", "export_items": [member.pk, other_member.pk],
                                 **{f"memberresource_{f}": "on" for f in ("email", "organisation", "status")}})
    assert response.status_code == 200, response.content.decode()[:2000]
    content = response.content.decode()
    assert member.user.email in content and other_member.user.email in content
    assert "Barcelona Metropolitan Area" in content

    response = client.post(url, {"format": "1", "export_items": [member.pk],
                                 **{f"memberresource_{f}": "on" for f in ("email", "organisation", "status")}})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert member.user.email in values


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
