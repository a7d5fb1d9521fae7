"""`make run PORT=8001`: the port reaches the server, the settings and the links; the admin's favicon."""

import os
import subprocess
from pathlib import Path

import pytest

from ..settings_probe import read_settings

ROOT = Path(__file__).resolve().parents[2]


def test_local_base_url_follows_port():
    environ = {k: v for k, v in os.environ.items() if k not in {"PORT", "PORTAL_BASE_URL", "DJANGO_SETTINGS_MODULE"}}
    readings = read_settings([
        ("config.settings.local", ("PORTAL_BASE_URL",), {**environ, **env}) for env in (
            {"PORT": "8001"},
            {},
            {"PORT": "8001", "PORTAL_BASE_URL": "http://portal.test/"},  # an explicit address still wins
        )
    ])
    assert [reading.values.get("PORTAL_BASE_URL") for reading in readings] == [
        "'http://127.0.0.1:8001'", "'http://127.0.0.1:8000'", "'http://portal.test'"
    ], readings


def test_make_run_serves_and_exports_the_port():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "runserver 127.0.0.1:8001" in dry_run
    makefile = (ROOT / "Makefile").read_text()
    # Exported, so that seed_demo and runserver (the settings) see the same port as make.
    assert "export PORT" in makefile and "PORT ?= 8000" in makefile


def test_readme_points_at_nothing_outside_the_project():
    readme = (ROOT / "README.md").read_text()
    assert "../" not in readme
    assert (ROOT / "docs" / "DOMAIN.md").is_file()


@pytest.mark.django_db
def test_admin_pages_carry_the_favicon(client, staff):
    client.force_login(staff)
    for url in ("/admin/", "/admin/login/"):
        if url == "/admin/login/":
            client.logout()
        html = client.get(url, follow=True).content.decode()  # /admin/login/ leads to the site's login
        assert 'rel="icon"' in html and "favicon.svg" in html, url
