"""Cases found in review: each failed before its fix."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from community import second_factor
from community.models import Edition, Member, Organisation, OrganisationStatus, User

from ..conftest import STAFF_TOTP_SECRET, totp_code
from ..factories import MemberFactory, OrganisationFactory, UserFactory
from .test_signup import signup_data

pytestmark = pytest.mark.django_db


def new_organisation(**overrides):
    data = {
        "new_organisation_name": "Lagos",
        "new_organisation_country": "NG",
        "new_organisation_region": "africa",
        "new_organisation_kind": "city",
    }
    data.update(overrides)
    return data


def test_colleagues_of_a_newly_proposed_organisation_join_the_same_one(client):
    assert client.post(reverse("account_signup"), signup_data(**new_organisation())).status_code == 302
    client.logout()
    response = client.post(
        reverse("account_signup"),
        signup_data(email="second@lagos.example", **new_organisation(new_organisation_name="LAGOS")),
    )
    assert response.status_code == 302, response.context["form"].errors
    organisation = Organisation.objects.get(country="NG")
    assert organisation.status == OrganisationStatus.PROPOSED
    assert organisation.members.count() == 2


def test_a_confirmed_organisation_cannot_be_proposed_again(client):
    OrganisationFactory(name="Lagos", country="NG", region="africa")
    response = client.post(reverse("account_signup"), signup_data(**new_organisation()))
    assert "new_organisation_name" in response.context["form"].errors
    assert Organisation.objects.count() == 1


def test_overlong_email_is_refused_not_cut(client, organisation):
    email = "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "example.org"  # 259 characters, valid otherwise
    assert len(email) > 254
    response = client.post(reverse("account_signup"), signup_data(email=email, organisation=organisation.pk))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.exists()


def test_staff_without_membership_land_on_their_todo_page_after_login(client, staff, password):
    response = client.post(reverse("account_login"), {"login": staff.email, "password": password})
    assert response["Location"] == reverse("mfa_authenticate")  # staff have a second factor
    code = totp_code()
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("community:staff_todo")  # it links to the admin


def test_member_lands_on_the_dashboard_after_login(client, member, password):
    response = client.post(reverse("account_login"), {"login": member.user.email, "password": password})
    assert response["Location"] == reverse("community:dashboard")


def test_staff_without_member_permission_cannot_see_an_organisation_page(client, member):
    reviewer = UserFactory(is_staff=True)
    second_factor.totp_activate(reviewer, STAFF_TOTP_SECRET)  # staff open these pages after it
    client.force_login(reviewer)
    url = reverse("community:organisation_detail", args=[member.organisation_id])
    assert client.get(url).status_code == 404
    reviewer.user_permissions.add(Permission.objects.get(codename="view_member"))
    client.force_login(User.objects.get(pk=reviewer.pk))
    assert client.get(url).status_code == 200


def test_forbidden_page_is_the_portals_own_and_translated(client, staff):
    staff_member_page = reverse("community:dashboard")
    client.force_login(staff)
    client.cookies["django_language"] = "es"
    response = client.get(staff_member_page)
    assert response.status_code == 403
    body = response.content.decode()
    with translation.override("es"):
        assert gettext("This page is not for your account") in body
    assert reverse("admin:index") in body


def test_unknown_page_is_the_portals_own(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'href="/static/' in response.content.decode()


def test_admin_duplicate_organisation_error_is_next_to_the_name(client, staff, organisation):
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_organisation_add"),
        {"name": organisation.name.upper(), "country": "ES", "region": "europe", "kind": "city", "population": "",
         "website": "", "status": "member"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "already registered in this country" in str(errors["name"])


@pytest.mark.parametrize("year", ["1999", "2101", "abc", ""])
def test_admin_edition_year_out_of_range_is_a_field_error(client, staff, year):
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_edition_add"),
        {"year": year, "theme_en": "Water", "description_en": "", "status": "draft"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["year"]
    assert not Edition.objects.exists()


def test_admin_edition_duplicate_year(client, staff, edition):
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_edition_add"),
        {"year": str(edition.year), "theme_en": "Again", "description_en": "", "status": "draft"},
    )
    assert response.context["adminform"].form.errors["year"]


def test_reject_reason_too_long_keeps_the_member_pending(client, staff, pending_member):
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_member_changelist"),
        {"action": "reject", "_selected_action": [pending_member.pk], "apply": "1", "reason": "x" * 2001},
    )
    assert response.status_code == 200
    assert "at most 2000 characters" in response.content.decode()
    pending_member.refresh_from_db()
    assert pending_member.status == "pending"


@pytest.mark.parametrize("target", ["", "999999", "abc"])
def test_merge_with_a_bad_target_changes_nothing(client, staff, target):
    proposed = OrganisationFactory(status=OrganisationStatus.PROPOSED)
    newcomer = MemberFactory(organisation=proposed, status="pending")
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_organisation_changelist"),
        {"action": "merge", "_selected_action": [proposed.pk], "apply": "1", "target": target},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["target"]
    assert Organisation.objects.filter(pk=proposed.pk).exists()
    assert Member.objects.get(pk=newcomer.pk).organisation_id == proposed.pk


def test_every_message_is_translated_and_compiled():
    """The .mo files say what the .po files say: a string added without `make messages` fails here."""
    from pathlib import Path

    from django.conf import settings

    for language in ("fr", "es"):
        po = Path(settings.BASE_DIR, "locale", language, "LC_MESSAGES", "django.po").read_text()
        entries = parse_po(po)
        assert entries, language
        untranslated = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
        assert untranslated == [], f"{language}: untranslated or fuzzy: {untranslated[:5]}"
        with translation.override(language):
            stale = [msgid for msgid, msgstr, _ in entries if gettext(msgid) != msgstr]
        assert stale == [], f"{language}: .mo out of date for {stale[:5]} (run `make messages`)"


def parse_po(text):
    """(msgid, msgstr, fuzzy) of each singular, context-free entry of a .po file."""
    import ast

    entries = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if any(line.startswith(("msgid_plural", "msgctxt")) for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        parts, current = {}, None
        for line in lines:
            if line.startswith("msgid "):
                current, parts["msgid"] = "msgid", [line[6:]]
            elif line.startswith("msgstr "):
                current, parts["msgstr"] = "msgstr", [line[7:]]
            elif line.startswith('"') and current:
                parts[current].append(line)
        if "msgid" not in parts:
            continue
        msgid = "".join(ast.literal_eval(p) for p in parts["msgid"])
        msgstr = "".join(ast.literal_eval(p) for p in parts.get("msgstr", ['""']))
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_staff_start_next_years_edition_as_a_copy(client, staff, edition):
    client.force_login(staff)
    url = reverse("admin:community_edition_changelist")
    client.post(url, {"action": "copy_to_next_year", "_selected_action": [edition.pk]})
    copy = Edition.objects.get(year=edition.year + 1)
    assert (copy.theme, copy.description, copy.status) == (edition.theme, edition.description, "draft")
    response = client.post(url, {"action": "copy_to_next_year", "_selected_action": [edition.pk]}, follow=True)
    assert f"There is already an edition for {edition.year + 1}." in response.content.decode()
    assert Edition.objects.count() == 2
