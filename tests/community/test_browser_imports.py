"""An organisation import as the secretariat does it, in a real browser (issue 8, item 3): a
semicolon CSV with a BOM and human labels, previewed and confirmed, under the admin's CSP."""

import pytest

from community import second_factor
from community.models import Organisation

from ..conftest import STAFF_TOTP_SECRET
from ..factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_second_factor]

CSV = ("\ufeffname;country;region;kind;population;website;status\r\n"
       "Lisboa;Portugal;Europe;City;1.700.000;www.lisboa.pt;Member\r\n"
       "Porto;Portgal;Europe;City;230 000;;Member\r\n").encode()


def test_a_semicolon_csv_with_labels_imports_its_valid_rows_in_the_browser(open_page, tmp_path):  # noqa: F811
    staff = UserFactory(email="import-staff@secretariat.example", is_staff=True, is_superuser=True)
    second_factor.totp_activate(staff, STAFF_TOTP_SECRET)
    page = open_page("/admin/community/organisation/import/", signed_in_as=staff)
    assert page.locator("a[href$='/import/template.xlsx']").is_visible()
    upload = tmp_path / "organisations.csv"
    upload.write_bytes(CSV)
    page.set_input_files("input[type=file]", str(upload))
    page.select_option("select[name=format]", label="csv")
    page.click("input[type=submit]")
    errors = page.locator(".portal-import-errors").inner_text()
    assert "Row 3" in errors and "“Portgal” is not a country we know" in errors
    page.check("input[name=skip_invalid_rows]")
    page.click("input[name=confirm]")
    page.wait_for_url("**/admin/community/organisation/")
    assert "Row 3 was not imported" in page.locator(".messagelist").inner_text()
    lisboa = Organisation.objects.get()
    assert (lisboa.name, lisboa.country.code, lisboa.population, lisboa.website) == (
        "Lisboa", "PT", 1_700_000, "https://www.lisboa.pt")
    assert page.problems == []
