"""Issue 6, findings 4 and 5: the import's confirm step and the size of what it reads."""

import io
import os
import re
import tempfile
import zipfile

import openpyxl
import pytest
from django.core.cache import cache

from community import second_factor
from community.models import Organisation
from tests.conftest import STAFF_TOTP_SECRET

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/community/organisation/import/"
CONFIRM = "/admin/community/organisation/process_import/"
CSV = (
    b"name,country,region,kind,population,website,status\n"
    b"Lagos,NG,africa,city,15000000,https://lagosstate.gov.ng,member\n"
)
CSV_FORMAT, XLSX_FORMAT = "0", "1"


def _upload(client, content, filename="orgs.csv", fmt=CSV_FORMAT):
    upload = io.BytesIO(content)
    upload.name = filename
    return client.post(URL, {"import_file": upload, "format": fmt, "resource": "0"})


def _confirm_data(response):
    confirm = response.context.get("confirm_form")
    assert confirm is not None, response.content.decode()[:3000]
    return dict(confirm.initial)


@pytest.fixture
def other_staff(staff):
    user = UserFactory(email="other@secretariat.example", is_staff=True)
    user.groups.set(staff.groups.all())
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)  # the admin opens only after the second factor
    return user


def test_the_preview_shows_no_server_path_and_a_random_name(client, staff):
    client.force_login(staff)
    response = _upload(client, CSV)
    page = response.content.decode()
    name = _confirm_data(response)["import_file_name"]
    assert re.fullmatch(r"[0-9a-f]{32}", name)
    assert tempfile.gettempdir() not in page and "/tmp/" not in page
    assert f'value="{name}"' in page


def test_another_session_cannot_confirm_an_upload(client, staff, other_staff):
    from django.test import Client

    client.force_login(staff)
    data = _confirm_data(_upload(client, CSV))
    intruder = Client()
    intruder.force_login(other_staff)
    response = intruder.post(CONFIRM, data, follow=True)
    assert response.status_code == 200
    assert "it was not uploaded in this session" in response.content.decode()
    assert not Organisation.objects.filter(name="Lagos").exists()
    # The owner's upload was neither used nor lost.
    client.post(CONFIRM, data, follow=True)
    assert Organisation.objects.filter(name="Lagos", country="NG").exists()


def test_a_file_of_the_server_temp_folder_is_refused_and_left_alone(client, staff):
    client.force_login(staff)
    _confirm_data(_upload(client, CSV))  # the session has an upload of its own
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as planted:
        planted.write(CSV)
    try:
        for name in (os.path.basename(planted.name), planted.name, "../../etc/passwd", "/etc/passwd"):
            response = client.post(
                CONFIRM, {"import_file_name": name, "original_file_name": "x.csv", "format": CSV_FORMAT,
                          "resource": "0"}, follow=True,
            )
            assert response.status_code == 200, name
            assert "it was not uploaded in this session" in response.content.decode(), name
        assert os.path.exists(planted.name)  # not read, not deleted
        assert not Organisation.objects.filter(name="Lagos").exists()
    finally:
        os.remove(planted.name)


def test_an_unknown_or_expired_name_or_a_bad_format_gets_a_message_not_a_500(client, staff):
    client.raise_request_exception = True
    client.force_login(staff)
    data = _confirm_data(_upload(client, CSV))
    for tampered in ({"import_file_name": "0" * 32}, {"format": "99"}, {"format": "x"}, {"import_file_name": ""}):
        response = client.post(CONFIRM, {**data, **tampered}, follow=True)
        assert response.status_code == 200, tampered
        assert "Upload the file again." in response.content.decode(), tampered
    cache.clear()  # the upload expired
    response = client.post(CONFIRM, data, follow=True)
    assert "Upload the file again." in response.content.decode()
    assert not Organisation.objects.filter(name="Lagos").exists()


def test_a_file_above_the_size_limit_is_refused_before_reading(client, staff, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(staff)
    response = _upload(client, CSV + b"Abuja,NG,africa,city,3000000,,member\n" * 3)
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert "an import takes at most 0.0 MB" in response.content.decode()


def _xlsx(rows=None, last_row=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "country", "region", "kind", "population", "website", "status"])
    for row in rows or []:
        sheet.append(row)
    if last_row:
        sheet.cell(row=last_row, column=1, value="x")  # a sheet declaring that many rows
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_declaring_twenty_thousand_rows_is_refused_from_its_dimension(client, staff):
    content = _xlsx(last_row=20_000)
    assert len(content) < 10_000  # small on the wire
    client.force_login(staff)
    response = _upload(client, content, "orgs.xlsx", XLSX_FORMAT)
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert "more than 5,000 rows" in response.content.decode()


def _lying_dimension(content: bytes) -> bytes:
    """The same workbook with its sheet claiming to be one cell."""
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:A1"/>', data)
                assert count == 1
            out.writestr(item, data)
    return target.getvalue()


def test_an_xlsx_whose_dimension_lies_is_counted_as_it_streams(client, staff, settings):
    settings.IMPORT_MAX_ROWS = 10
    row = ["Lagos", "NG", "africa", "city", 15000000, "", "member"]
    client.force_login(staff)
    response = _upload(client, _lying_dimension(_xlsx(rows=[row] * 11)), "orgs.xlsx", XLSX_FORMAT)
    assert "more than 10 rows" in response.content.decode()
    response = _upload(client, _xlsx(rows=[row] * 10), "orgs.xlsx", XLSX_FORMAT)
    assert response.context.get("confirm_form") is not None  # at the limit: accepted


def test_a_csv_above_the_row_limit_is_refused(client, staff, settings):
    settings.IMPORT_MAX_ROWS = 3
    line = b"Abuja,NG,africa,city,3000000,,member\n"
    client.force_login(staff)
    response = _upload(client, CSV.splitlines(keepends=True)[0] + line * 4)
    assert "more than 3 rows" in response.content.decode()
    assert response.context.get("confirm_form") is None
    response = _upload(client, CSV.splitlines(keepends=True)[0] + line * 3)
    assert response.context.get("confirm_form") is not None


def test_a_broken_xlsx_gets_a_clear_message(client, staff):
    client.raise_request_exception = True
    client.force_login(staff)
    response = _upload(client, b"PK\x03\x04 not really a zip", "orgs.xlsx", XLSX_FORMAT)
    assert response.status_code == 200
    assert "This is not a valid XLSX file." in response.content.decode()
