"""Sign-up as a new person meets it (issue 8, item 7): the organisation list, the fields required only
when proposing one, the empty choices, the time zones, the error summary, the rejected member's login."""

import json
import re

import pytest
from django.urls import reverse

from community import timezones
from community.models import Member, Organisation, OrganisationStatus, User

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "email": "ana.garcia@amb.example", "password1": "green-infrastructure-2020",
        "password2": "green-infrastructure-2020", "first_name": "Ana", "last_name": "García",
        "job_title": "Chief operating officer", "preferred_language": "es", "time_zone": "Europe/Madrid",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


def select_options(html, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r'<option([^>]*)value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def test_reading_key_orders_names_as_people_read_them():
    names = ["Seoul", "São Paulo", "Zürich", "eThekwini", "Île-de-France", "Barcelona", "Ibadan", "Évry"]
    assert sorted(names, key=timezones.reading_key) == [
        "Barcelona", "eThekwini", "Évry", "Ibadan", "Île-de-France", "São Paulo", "Seoul", "Zürich",
    ]
    assert sorted(names) != sorted(names, key=timezones.reading_key)  # Python's own order is not it


def test_organisation_list_starts_on_choose_sorted_in_reading_order_new_last(client):
    for name in ["Seoul", "São Paulo", "Île-de-France", "eThekwini", "Barcelona"]:
        OrganisationFactory(name=name)
    OrganisationFactory(name="Atlantis", status=OrganisationStatus.PROPOSED)
    options = select_options(client.get(reverse("account_signup")).content.decode(), "organisation")
    labels = [label.removesuffix(" (ES)") for _attrs, _value, label in options]
    assert labels == ["Choose your organisation", "Barcelona", "eThekwini", "Île-de-France", "São Paulo", "Seoul",
                      "My organisation is not in the list"]
    assert options[0][1] == "" and options[-1][1] == "new"
    assert not any("selected" in attrs for attrs, _value, _label in options)  # the browser starts on the first


def test_empty_choices_say_what_to_choose(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "---------" not in html
    for name, label in [("new_organisation_country", "Choose a country"),
                        ("new_organisation_region", "Choose a world region"),
                        ("new_organisation_kind", "Choose a kind of organisation")]:
        assert select_options(html, name)[0][1:] == ("", label)


def test_fields_required_only_when_proposing_are_marked(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert html.count("(required if your organisation is not in the list)") == 4  # name, country, region, kind
    for name in ["new_organisation_name", "new_organisation_country", "new_organisation_region",
                 "new_organisation_kind"]:
        tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'aria-required="false"' in tag and "data-required-if-new" in tag
    website = re.search(r'<input[^>]*name="new_organisation_website"[^>]*>', html).group(0)
    assert "aria-required" not in website  # optional either way


def test_not_in_the_list_without_the_details_says_what_is_missing_and_creates_nothing(client):
    response = client.post(reverse("account_signup"), signup_data(organisation="new"))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"new_organisation_name", "new_organisation_country", "new_organisation_region",
                                "new_organisation_kind"}
    html = response.content.decode()
    assert re.search(r'<input[^>]*name="new_organisation_name"[^>]*aria-required="true"', html)
    assert not User.objects.exists() and not Organisation.objects.exists()


def test_choosing_nothing_asks_for_the_organisation(client):
    response = client.post(reverse("account_signup"), signup_data(organisation=""))
    assert list(response.context["form"].errors) == ["organisation"]
    assert "My organisation is not in the list" in response.context["form"].errors["organisation"][0]
    assert not User.objects.exists()


def test_not_in_the_list_proposes_the_named_organisation(client):
    data = signup_data(organisation="new", new_organisation_name="Metropolitan Area of Lisbon",
                       new_organisation_country="PT", new_organisation_region="europe",
                       new_organisation_kind="metropolitan_area")
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302, response.context["form"].errors
    member = Member.objects.get(user__email="ana.garcia@amb.example")
    assert member.organisation.name == "Metropolitan Area of Lisbon"
    assert member.organisation.status == OrganisationStatus.PROPOSED


def test_a_chosen_organisation_wins_over_the_hidden_new_organisation_fields(client):
    """The walk of 2026-11-29: "not in the list", a name typed, then an organisation chosen from the
    list after all: the form refused it for the name, in a field the page now hid."""
    lisbon = OrganisationFactory(name="Lisbon Metropolitan Area")
    data = signup_data(organisation=str(lisbon.pk), new_organisation_name="Metropolitan Area of Lisbon",
                       new_organisation_country="PT", new_organisation_website="not a website")
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Member.objects.get(user__email="ana.garcia@amb.example").organisation == lisbon
    assert list(Organisation.objects.all()) == [lisbon]  # nothing proposed


def test_time_zone_list_is_curated_and_grouped(client):
    html = client.get(reverse("account_signup")).content.decode()
    values = [value for _attrs, value, _label in select_options(html, "time_zone")]
    for absent in ["Factory", "localtime", "W-SU", "Etc/GMT+5", "Etc/UTC", "Asia/Calcutta", "US/Eastern", "GB",
                   "EST5EDT", "posixrules"]:
        assert absent not in values
    assert values[0] == "UTC"
    for present in ["Europe/Madrid", "Asia/Kolkata", "America/Sao_Paulo", "Africa/Dakar", "Europe/Kyiv"]:
        assert present in values
    assert len(values) == len(set(values)) > 300
    assert all(value == "UTC" or value.split("/")[0] in timezones.AREAS for value in values)
    europe = re.search(r'<optgroup label="Europe">(.*?)</optgroup>', html, re.S).group(1)
    assert '<option value="Europe/Madrid">Madrid</option>' in europe
    assert '<option value="America/Argentina/Buenos_Aires">Buenos Aires (Argentina)</option>' in html


def test_time_zone_groups_are_translated(client):
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<optgroup label="Océan Indien">' in html and '<optgroup label="Amériques">' in html


def test_old_time_zone_spellings_map_to_the_listed_zone(client):
    assert timezones.canonical("Asia/Calcutta") == "Asia/Kolkata"
    assert timezones.canonical("W-SU") == "Europe/Moscow"
    assert timezones.canonical("Etc/UTC") == "UTC"
    assert timezones.canonical("Europe/Madrid") == "Europe/Madrid"
    html = client.get(reverse("account_signup")).content.decode()
    select = re.search(r'<select[^>]*name="time_zone"[^>]*>', html).group(0)
    aliases = json.loads(re.search(r"data-time-zone-aliases=\"([^\"]*)\"", select).group(1).replace("&quot;", '"'))
    assert aliases["Asia/Calcutta"] == "Asia/Kolkata"
    assert aliases["America/Buenos_Aires"] == "America/Argentina/Buenos_Aires"
    # A form posting the old spelling (a script, an old page) saves the listed zone.
    OrganisationFactory(name="Kolkata Municipal Corporation")
    organisation = Organisation.objects.get()
    response = client.post(reverse("account_signup"), signup_data(organisation=organisation.pk,
                                                                  time_zone="Asia/Calcutta"))
    assert response.status_code == 302
    assert Member.objects.get().time_zone == "Asia/Kolkata"


def test_profile_of_a_member_saved_with_an_old_spelling_shows_the_listed_zone(client, member):
    member.time_zone = "Asia/Calcutta"
    member.save()
    client.force_login(member.user)
    html = client.get(reverse("community:profile")).content.decode()
    assert '<option selected value="Asia/Kolkata">Kolkata</option>' in html


def test_error_summary_counts_the_errors_and_links_to_each_field(client, organisation):
    response = client.post(reverse("account_signup"),
                           signup_data(organisation=organisation.pk, first_name="", job_title=""))
    html = response.content.decode()
    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", html, re.S).group(1)
    assert "Please correct 2 errors:" in summary
    assert '<a class="alert-link" href="#id_first_name">First name</a>' in summary
    assert '<a class="alert-link" href="#id_job_title">Job title</a>' in summary
    assert 'id="id_first_name"' in html and 'id="id_job_title"' in html


def test_error_summary_names_a_conditional_field_without_its_note(client):
    response = client.post(reverse("account_signup"), signup_data(organisation="new"))
    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", response.content.decode(), re.S).group(1)
    assert "Please correct 4 errors:" in summary
    assert '<a class="alert-link" href="#id_new_organisation_name">Name of your organisation</a>' in summary
    assert "required if" not in summary


def test_one_error_says_error_not_errors(client, organisation):
    response = client.post(reverse("account_signup"), signup_data(organisation=organisation.pk, job_title=""))
    assert "Please correct 1 error:" in response.content.decode()


def test_rejected_member_is_not_told_they_are_logged_in(client, rejected_member, password):
    response = client.post(reverse("account_login"), {"login": rejected_member.user.email, "password": password},
                           follow=True)
    html = response.content.decode()
    assert "was not approved" in html
    assert "You are logged in" not in html
    assert not [str(m) for m in response.context["messages"]]


def test_pending_and_approved_members_are_still_told(client, member, pending_member, password):
    for person in (member, pending_member):
        client.logout()
        response = client.post(reverse("account_login"), {"login": person.user.email, "password": password},
                               follow=True)
        assert f"You are logged in as {person.user.email}." in [str(m) for m in response.context["messages"]]


def test_pages_name_a_dates_zone_as_the_list_does():
    """The walk of 2026-11-29: the dashboard said "(CET)" or "(-03)" where the other pages said
    "(Europe/Madrid)": one way now, the list's own name of the zone."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    assert [timezones.zone_label(value) for value in (
        "Europe/Madrid", ZoneInfo("America/Argentina/Buenos_Aires"),
        datetime(2020, 6, 1, tzinfo=ZoneInfo("Asia/Calcutta")), datetime(2020, 6, 1, tzinfo=UTC), "UTC", None)] == [
        "Madrid", "Buenos Aires (Argentina)", "Kolkata", "UTC", "UTC", ""]
