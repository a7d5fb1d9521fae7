"""Texts staff type, in EN/FR/ES with English as the fallback (community/translated.py)."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from community import services
from community.models import Edition
from community.translated import missing_languages

from ..factories import EditionFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # A request through the test client leaves the member's language active in this thread.
    with translation.override("en"):
        yield

FULL = {
    "theme_en": "Green infrastructure", "theme_fr": "Infrastructures vertes", "theme_es": "Infraestructura verde",
    "description_en": "Parks and trees.", "description_fr": "Parcs et arbres.", "description_es": "Parques y árboles.",
}


def test_the_active_language_picks_the_text():
    edition = EditionFactory(**FULL)
    for language, theme in (("en", "Green infrastructure"), ("fr", "Infrastructures vertes"),
                            ("es", "Infraestructura verde")):
        with translation.override(language):
            assert edition.theme == theme
    with translation.override("fr"):
        assert edition.description == "Parcs et arbres."


def test_a_missing_translation_falls_back_to_english():
    edition = EditionFactory(theme_en="Water", theme_fr="Eau", description_en="Rivers.")
    with translation.override("es"):
        assert edition.theme == "Water"
    with translation.override("fr"):
        assert edition.theme == "Eau"
        assert edition.description == "Rivers."


def test_code_that_writes_the_plain_field_writes_english():
    with translation.override("fr"):
        edition = Edition.objects.create(year=2031, theme="Mobility")
    edition.refresh_from_db()
    assert edition.theme_en == "Mobility"
    with translation.override("es"):
        assert edition.theme == "Mobility"


def test_the_database_refuses_an_edition_without_an_english_theme():
    with pytest.raises(IntegrityError):
        Edition.objects.create(year=2032, theme_en="", theme_fr="Seulement en français")


@pytest.mark.parametrize(
    ("language", "theme", "description"),
    [("fr", "Infrastructures vertes", "Parcs et arbres."), ("es", "Water", "Rivers.")],
)
def test_the_members_language_picks_the_theme_on_the_dashboard(client, language, theme, description):
    EditionFactory(theme_en="Water", theme_fr="Infrastructures vertes", description_en="Rivers.",
                   description_fr="Parcs et arbres.", status="open")
    member = MemberFactory(preferred_language=language)
    client.force_login(member.user)
    body = client.get(reverse("community:dashboard")).content.decode()
    assert theme in body  # Spanish is missing: the English text, not an empty heading
    assert client.get(reverse("home")).content.decode().count(description) == 1


def test_the_home_page_follows_the_visitors_language(client):
    EditionFactory(**FULL, status="open")
    body = client.get(reverse("home"), headers={"accept-language": "fr"}).content.decode()
    assert "Infrastructures vertes" in body
    assert "Green infrastructure" not in body


def test_missing_languages_lists_what_english_has_and_another_language_lacks():
    assert missing_languages(EditionFactory.build(**FULL)) == []
    assert missing_languages(EditionFactory.build(theme_en="Water", theme_fr="Eau", description_en="")) == ["es"]
    # A description left blank in English needs no translation; one written in English does.
    assert missing_languages(EditionFactory.build(theme_en="W", theme_fr="E", theme_es="A", description_en="D",
                                                  description_es="D")) == ["fr"]


def test_staff_see_which_translations_are_missing_and_can_filter_on_them(client, staff):
    EditionFactory(year=2020, **FULL)
    EditionFactory(year=2021, theme_en="Water", theme_fr="Eau", description_en="")
    EditionFactory(year=2022, theme_en="Heat", description_en="")
    client.force_login(staff)
    url = reverse("admin:community_edition_changelist")
    body = client.get(url).content.decode()
    assert body.count("ES missing") == 2
    assert body.count("FR missing") == 1

    response = client.get(url, {"missing_translation": "fr"})
    assert [edition.year for edition in response.context["cl"].result_list] == [2022]
    response = client.get(url, {"missing_translation": "es"})
    assert sorted(edition.year for edition in response.context["cl"].result_list) == [2021, 2022]


def test_the_change_form_groups_each_text_by_language_and_requires_only_english(client, staff):
    client.force_login(staff)
    body = client.get(reverse("admin:community_edition_add")).content.decode()
    for name in ("theme_en", "theme_fr", "theme_es", "description_en", "description_fr", "description_es"):
        assert f'name="{name}"' in body
    assert "<script src=\"http" not in body  # no tabs from a CDN

    response = client.post(reverse("admin:community_edition_add"),
                           {"year": "2030", "theme_fr": "Eau", "status": "draft"})
    assert "theme_en" in response.context["adminform"].form.errors
    response = client.post(reverse("admin:community_edition_add"),
                           {"year": "2030", "theme_en": "Water", "status": "draft"})
    assert response.status_code == 302
    assert Edition.objects.get(year=2030).theme_en == "Water"


def test_staff_search_finds_an_edition_by_its_text_in_any_language(client, staff):
    EditionFactory(year=2020, **FULL)
    EditionFactory(year=2021, theme_en="Water")
    client.force_login(staff)
    response = client.get(reverse("admin:community_edition_changelist"), {"q": "árboles"})
    assert [edition.year for edition in response.context["cl"].result_list] == [2020]


def test_a_copied_edition_keeps_every_language():
    source = EditionFactory(**FULL)
    with translation.override("fr"):  # the language staff happen to use must not matter
        copy = services.edition_copy(source=source)
    copy.refresh_from_db()
    for column, value in FULL.items():
        assert getattr(copy, column) == value, column


def test_the_edition_list_costs_the_same_queries_at_any_size(client, staff):
    client.force_login(staff)
    url = reverse("admin:community_edition_changelist")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    EditionFactory(year=2020, **FULL)
    queries()  # warm: the staff member's permissions are then read from the cache
    small = queries()
    for year in range(2021, 2041):
        EditionFactory(year=year, theme_en=f"Theme {year}", theme_fr=f"Thème {year}")
    assert queries() == small


def test_the_migration_moves_the_existing_texts_to_english():
    """Migration 0006's data step, on the table as it is (the untranslated columns are still there): a
    theme and description written before are English, the other languages stay empty; backwards, the
    English texts go back to the untranslated columns. (Migrating the whole project back to 0006 to
    run it took 7-12 s.)"""
    import importlib

    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("community.migrations.0006_edition_translations")
    apps = MigrationLoader(connection).project_state().apps  # no modeltranslation on these models
    editions = apps.get_model("community", "Edition").objects
    editions.create(year=2019, theme="Circular economy", description="Less waste.", status="closed",
                    theme_en="(not yet moved)")
    migration.texts_to_english(apps, None)
    row = editions.values("theme_en", "description_en", "theme_fr", "theme_es").get(year=2019)
    assert row == {"theme_en": "Circular economy", "description_en": "Less waste.", "theme_fr": None,
                   "theme_es": None}
    editions.filter(year=2019).update(theme_en="Economía circular", description_en="Menos residuos.")
    migration.texts_from_english(apps, None)
    assert editions.values("theme", "description").get(year=2019) == {
        "theme": "Economía circular", "description": "Menos residuos."}
