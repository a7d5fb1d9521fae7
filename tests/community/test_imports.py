"""Imports a non-developer can use (issue 8, item 3): spreadsheets as people write them, errors in
plain words row by row, the valid rows imported on request, a template to start from."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from community.models import MembershipInvitation, Organisation

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db

URL = "/admin/community/organisation/import/"
CONFIRM = "/admin/community/organisation/process_import/"
CSV_FORMAT = "0"
HEADER = "name;country;region;kind;population;website;status\r\n"


def _upload(client, content: bytes, url=URL, filename="organisations.csv", fmt=CSV_FORMAT, **extra):
    upload = io.BytesIO(content)
    upload.name = filename
    return client.post(url, {"import_file": upload, "format": fmt, "resource": "0"}, **extra)


def _confirm(client, response, url=CONFIRM, **extra):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in ("import_file_name", "original_file_name", "format",
                                                          "resource")}
    return client.post(url, {**data, **extra}, follow=True)


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_semicolon_csv_with_a_bom_and_human_labels_imports(client, staff):
    # What a French or Spanish spreadsheet writes: ";" between cells, a BOM, names instead of codes.
    content = ("\ufeff" + HEADER
               + "Lisboa;Portugal;Europe;City;1,700,000;www.lisboa.pt;Member\r\n"
               + "Bogotá;Colombie;Amérique latine et Caraïbes;Ville;1.700.000;bogota.gov.co;Membre\r\n"
               + "Dakar;sn;África;Área metropolitana;1 700 000;https://dakar.sn;Miembro\r\n").encode()
    client.force_login(staff)
    preview = _upload(client, content)
    page = _text(preview)
    assert preview.context.get("confirm_form") is not None, page[-3000:]
    assert "Portugal" in page and "1,700,000" in page  # the preview shows what a person wrote, grouped
    _confirm(client, preview)
    lisboa = Organisation.objects.get(name="Lisboa")
    assert (lisboa.country.code, lisboa.region, lisboa.kind, lisboa.population, lisboa.website, lisboa.status) == (
        "PT", "europe", "city", 1_700_000, "https://www.lisboa.pt", "member")
    bogota = Organisation.objects.get(name="Bogotá")
    assert (bogota.country.code, bogota.region, bogota.kind, bogota.population) == (
        "CO", "latin_america", "city", 1_700_000)
    dakar = Organisation.objects.get(name="Dakar")
    assert (dakar.country.code, dakar.region, dakar.kind, dakar.population) == (
        "SN", "africa", "metropolitan_area", 1_700_000)


def test_a_csv_saved_by_excel_on_windows_is_read(client, staff):
    content = (HEADER + "São Paulo;Brésil;Amérique latine et Caraïbes;Ville;12 300 000;;Membre\r\n").encode("cp1252")
    client.force_login(staff)
    _confirm(client, _upload(client, content))
    assert Organisation.objects.get(name="São Paulo").country.code == "BR"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_csv_saved_as_unicode_text_is_read(client, staff, encoding):
    """Excel's "Unicode text" and Teams write UTF-16 (with a BOM, or without one)."""
    content = (HEADER + "São Paulo;Brésil;Amérique latine et Caraïbes;Ville;12 300 000;;Membre\r\n").encode(encoding)
    client.force_login(staff)
    _confirm(client, _upload(client, content))
    assert Organisation.objects.get(name="São Paulo").country.code == "BR"


def test_errors_are_said_in_words_row_by_row(client, staff):
    content = (HEADER
               + "Lisboa;Portugal;Europe;City;1,700,000;www.lisboa.pt;Member\r\n"
               + "Porto;Portgal;Europe;City;230000;;Member\r\n"
               + "Braga;Portugal;Europa;Village;lots;not a site;Member\r\n").encode()
    client.force_login(staff)
    page = _text(_upload(client, content))
    assert "<strong>Row 3</strong>: “Portgal” is not a country we know" in page
    assert "Row 4" in page
    assert "kind: “Village” is not one of: City, Metropolitan area, Regional government, Other." in page
    assert "population: “lots” is not a whole number" in page
    assert "website: “not a site” is not a website address" in page
    for developer_words in ("Traceback", "ValueError", "ValidationError", "DoesNotExist", "Non field specific",
                            "validation-error-count"):
        assert developer_words not in page
    assert not Organisation.objects.exists()


def test_the_valid_rows_are_imported_only_when_asked_and_the_others_reported(client, staff):
    content = (HEADER
               + "Lisboa;Portugal;Europe;City;1,700,000;www.lisboa.pt;Member\r\n"
               + "Porto;Portgal;Europe;City;230000;;Member\r\n").encode()
    client.force_login(staff)
    preview = _upload(client, content)
    assert "Import the valid rows and skip the others" in _text(preview)
    # Confirmed without ticking the box: nothing is imported, and the page says why.
    refused = _confirm(client, preview)
    assert not Organisation.objects.exists()
    assert "Nothing was imported: some rows have errors (3)" in _text(refused)
    # Ticked: the valid row is imported, the other reported in words.
    done = _confirm(client, _upload(client, content), skip_invalid_rows="on")
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Lisboa"]
    assert "Row 3 was not imported: “Portgal” is not a country we know" in _text(done)


def test_the_template_downloads_and_imports_as_it_is(client, staff):
    client.force_login(staff)
    csv_file = client.get(reverse("admin:community_organisation_import_template", args=["csv"]))
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    rows = csv_file.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "name,country,region,kind,population,website,status"
    assert rows[1] == 'Lisboa,Portugal,Europe,City,"2,870,000",www.lisboa.pt,Member'
    # In French, the separator French spreadsheets expect, and the French labels.
    french = client.get(reverse("admin:community_organisation_import_template", args=["csv"]),
                        HTTP_ACCEPT_LANGUAGE="fr")
    assert french.content.startswith("\ufeff".encode())
    french_row = french.content.decode("utf-8-sig").splitlines()[1]
    assert french_row == "Lisboa;Portugal;Europe;Ville;2\xa0870\xa0000;www.lisboa.pt;Membre"
    xlsx = client.get(reverse("admin:community_organisation_import_template", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [cell.value for cell in sheet[1]] == ["name", "country", "region", "kind", "population", "website",
                                                 "status"]
    # The page links to both, and the template as downloaded imports without an error.
    page = client.get(URL).content.decode()
    assert reverse("admin:community_organisation_import_template", args=["xlsx"]) in page
    _confirm(client, _upload(client, french.content))
    assert Organisation.objects.get(name="Lisboa").population == 2_870_000


def test_the_template_needs_the_import_permission(client, member):
    client.force_login(member.user)
    response = client.get(reverse("admin:community_organisation_import_template", args=["csv"]))
    assert response.status_code in (302, 403)


def test_invitations_import_with_names_of_organisations_and_languages(client, staff, mailoutbox):
    OrganisationFactory(name="Área Metropolitana de Lisboa")
    content = ("\ufeffemail;first_name;last_name;organisation;language\r\n"
               "ana@lisboa.example;Ana;Silva;area metropolitana de lisboa;Français\r\n"
               "rui@lisboa.example;Rui;Costa;Lisbonne;Spanish\r\n").encode()
    client.force_login(staff)
    url = "/admin/community/membershipinvitation/import/"
    preview = _upload(client, content, url=url)
    page = _text(preview)
    assert "Row 3" in page and "No organisation is called “Lisbonne”" in page
    _confirm(client, preview, url="/admin/community/membershipinvitation/process_import/", skip_invalid_rows="on")
    invitation = MembershipInvitation.objects.get()
    assert (invitation.email, invitation.language, invitation.organisation.name) == (
        "ana@lisboa.example", "fr", "Área Metropolitana de Lisboa")


@pytest.mark.parametrize(("language", "expected"), [("en", "3,300,000"), ("fr", "3\xa0300\xa0000"),
                                                    ("es", "3.300.000")])
def test_the_import_preview_groups_numbers_the_languages_way(client, staff, language, expected):
    content = (HEADER + "Lisboa;PT;europe;city;3300000;;member\r\n").encode()
    client.force_login(staff)
    page = _upload(client, content, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<ins>{expected}</ins>" in page


def test_a_decimal_population_is_refused_not_multiplied():
    """The staff walk of 2026-11-29: "12,5" was imported as 125 and "1.700.000,5" as 17,000,005."""
    from community.import_formats import GroupedIntegerWidget

    widget = GroupedIntegerWidget()
    for written, whole in (("1700000", 1_700_000), ("1,700,000", 1_700_000), ("1.700.000", 1_700_000),
                           ("1 700 000", 1_700_000), ("1\u202f700\u202f000", 1_700_000), (3_300_000, 3_300_000)):
        assert widget.clean(written) == whole, written
    from django.utils import translation

    for decimal in ("12,5", "3,3", "1.700.000,5", "1,700.000", "1 7000"):
        with translation.override("en"), pytest.raises(ValueError, match="is not a whole number"):
            widget.clean(decimal)


def test_a_file_without_the_key_columns_says_which_in_the_pages_language(client, staff):
    """The staff walk of 2026-11-29: a file headed "foo,bar" got django-import-export's English message
    about "import_id_fields"."""
    client.force_login(staff)
    client.cookies["django_language"] = "fr"
    page = _text(_upload(client, b"foo;bar\r\nLisboa;Portugal\r\n"))
    assert "import_id_fields" not in page
    assert "Le fichier n&#x27;a pas de colonne “name”, “country” : sa première ligne doit nommer" in page
    assert not Organisation.objects.exists()
