"""Staff choose the pages' language on the staff pages and in the admin too (the walk of 2026-11-29:
only the public site had the switcher, so staff went there and came back)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["admin:index", "community:staff_todo"])
def test_staff_switch_the_language_where_they_are(client, staff, page):
    client.force_login(staff)
    url = reverse(page)
    body = client.get(url).content.decode()
    assert f'action="{reverse("set_language")}"' in body
    assert 'name="language" value="fr"' in body and 'name="language" value="es"' in body
    response = client.post(reverse("set_language"), {"language": "es", "next": url})
    assert response["Location"] == url
    assert '<html lang="es"' in client.get(url).content.decode()
