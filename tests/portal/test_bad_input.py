"""Every form answers blank, overlong, malformed and unknown values with a message next to the
field, keeps what was typed, and never answers 500."""

import pytest
from django.urls import reverse

from community.models import Member, Organisation, User

from ..community.test_signup import signup_data

pytestmark = pytest.mark.django_db


def errors_of(response):
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"job_title": ""}, "job_title"),
        ({"job_title": "x" * 201}, "job_title"),
        ({"preferred_language": "xx"}, "preferred_language"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"privacy_consent": ""}, "privacy_consent"),
        ({"organisation": "999999"}, "organisation"),
        ({"organisation": "abc"}, "organisation"),
        ({"organisation": ""}, "organisation"),
        ({"password2": "something-else-entirely"}, "password2"),
    ],
)
def test_signup_bad_input(client, organisation, overrides, field):
    data = signup_data(organisation=organisation.pk)
    data.update(overrides)
    response = client.post(reverse("account_signup"), data)
    errors = errors_of(response)
    assert field in errors, errors
    body = response.content.decode()
    # What was typed in the other fields is kept.
    if field != "job_title":
        assert 'value="Chief operating officer"' in body
    assert 'class="invalid-feedback"' in body or "is-invalid" in body
    assert not User.objects.filter(email="ana.garcia@amb.example").exists()


def test_signup_new_organisation_needs_country_region_and_kind(client):
    response = client.post(reverse("account_signup"), signup_data(new_organisation_name="Lagos"))
    errors = errors_of(response)
    assert {"new_organisation_country", "new_organisation_region", "new_organisation_kind"} <= set(errors)
    assert 'value="Lagos"' in response.content.decode()
    assert not Organisation.objects.filter(name="Lagos").exists()


def test_signup_refuses_duplicate_organisation_same_name_and_country(client, organisation):
    response = client.post(
        reverse("account_signup"),
        signup_data(
            new_organisation_name=organisation.name.upper(),
            new_organisation_country="ES",
            new_organisation_region="europe",
            new_organisation_kind="metropolitan_area",
        ),
    )
    errors = errors_of(response)
    assert "already registered" in str(errors["new_organisation_name"])
    assert Organisation.objects.count() == 1


def test_same_name_in_another_country_is_a_different_organisation(client, organisation):
    response = client.post(
        reverse("account_signup"),
        signup_data(
            new_organisation_name=organisation.name,
            new_organisation_country="MX",
            new_organisation_region="latin_america",
            new_organisation_kind="city",
        ),
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(name=organisation.name).count() == 2


def test_signup_malformed_website(client):
    response = client.post(
        reverse("account_signup"),
        signup_data(new_organisation_name="Lagos", new_organisation_country="NG", new_organisation_region="africa",
                    new_organisation_kind="city", new_organisation_website="not a url"),
    )
    assert "new_organisation_website" in errors_of(response)


def test_database_refuses_duplicate_organisation_even_without_the_form(organisation):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name=organisation.name.lower(), country="ES", region="europe", kind="city")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": "y" * 151}, "last_name"),
        ({"job_title": ""}, "job_title"),
        ({"job_title": "x" * 201}, "job_title"),
        ({"preferred_language": "de"}, "preferred_language"),
        ({"time_zone": "Not/AZone"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
    ],
)
def test_profile_bad_input(client, member, overrides, field):
    client.force_login(member.user)
    data = {
        "first_name": "Ana",
        "last_name": "García",
        "job_title": "Chief operating officer",
        "preferred_language": "es",
        "time_zone": "Europe/Madrid",
    }
    data.update(overrides)
    response = client.post(reverse("community:profile"), data)
    errors = errors_of(response)
    assert field in errors
    assert 'value="García"' in response.content.decode() or field == "last_name"
    member.refresh_from_db()
    assert member.preferred_language == "en"  # nothing saved


def test_profile_saves_good_input(client, member):
    client.force_login(member.user)
    response = client.post(
        reverse("community:profile"),
        {"first_name": "Ana", "last_name": "García", "job_title": "COO", "preferred_language": "fr",
         "time_zone": "America/Montevideo"},
    )
    assert response.status_code == 302
    member = Member.objects.select_related("user").get(pk=member.pk)
    assert (member.job_title, member.preferred_language, member.time_zone) == ("COO", "fr", "America/Montevideo")
    assert member.user.last_name == "García"


@pytest.mark.parametrize("email", ["", "not-an-email", "a" * 250 + "@example.org"])
def test_admin_invitation_bad_email(client, staff, organisation, email):
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_membershipinvitation_add"),
        {"email": email, "first_name": "", "last_name": "", "organisation": organisation.pk, "language": "en"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]


def test_admin_invitation_unknown_organisation(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_membershipinvitation_add"),
        {"email": "x@example.org", "first_name": "", "last_name": "", "organisation": "424242", "language": "en"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["organisation"]


@pytest.mark.parametrize("token", ["x", "a" * 500, "eyJpbnZpdGF0aW9uIjoxfQ:1:abc", "%00", "..%2E%2E"])
def test_garbage_invitation_tokens(client, token):
    response = client.get(f"/join/{token}/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
