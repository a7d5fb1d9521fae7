"""The profile form's HTML is reused per form, initial values and language, never for a bound form."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.urls import reverse
from django.utils import translation

from community.forms import ProfileForm
from portal.templatetags import portal_forms


@pytest.fixture(autouse=True)
def _empty():
    portal_forms.rendered.clear()
    yield
    portal_forms.rendered.clear()


def test_the_reused_html_is_crispys_and_follows_values_and_language(member):
    form = ProfileForm.for_member(member)
    first = portal_forms.crispy_cached(form)
    assert first == str(as_crispy_form(ProfileForm.for_member(member)))
    assert portal_forms.crispy_cached(ProfileForm.for_member(member)) == first
    assert len(portal_forms.rendered) == 1

    member.job_title = "Directrice générale"
    assert 'value="Directrice générale"' in portal_forms.crispy_cached(ProfileForm.for_member(member))
    with translation.override("es"):
        spanish = portal_forms.crispy_cached(ProfileForm.for_member(member))
    assert "Nombre" in spanish and spanish != first
    assert len(portal_forms.rendered) == 3


def test_a_bound_form_is_rendered_with_its_errors_and_not_kept(member):
    form = ProfileForm.for_member(member, data={"first_name": "", "last_name": "X", "job_title": "",
                                                "preferred_language": "en", "time_zone": "Europe/Madrid"})
    html = portal_forms.crispy_cached(form)
    assert "is-invalid" in html
    assert len(portal_forms.rendered) == 0


def test_the_cache_stays_bounded(member, monkeypatch):
    monkeypatch.setattr(portal_forms.rendered, "size", 2)
    for title in ["a", "b", "c"]:
        member.job_title = title
        portal_forms.crispy_cached(ProfileForm.for_member(member))
    assert len(portal_forms.rendered) == 2


def test_the_profile_page_shows_what_was_just_saved(login, member):
    client = login(member.user)
    assert 'value="Chief executive"' not in client.get(reverse("community:profile")).content.decode()
    response = client.post(reverse("community:profile"), {
        "first_name": "Ada", "last_name": "Colau", "job_title": "Chief executive",
        "preferred_language": "fr", "time_zone": "Europe/Madrid"}, follow=True)
    page = response.content.decode()
    assert 'value="Chief executive"' in page and 'value="Ada"' in page
    assert '<option selected value="Europe/Madrid">' in page
