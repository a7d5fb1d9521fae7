"""Security issue #6, item 8: production refuses the public local development key."""

import importlib
import subprocess

import pytest

from config.settings.base import LOCAL_DEVELOPMENT_SECRET_KEY
from tests.portal.test_deploy import SAMPLE_PRODUCTION_ENV, output, run_manage


@pytest.mark.parametrize(
    "key", [LOCAL_DEVELOPMENT_SECRET_KEY, "django-insecure-" + "x" * 40], ids=["local.py's key", "startproject's"]
)
def test_production_refuses_to_start_with_a_public_key(monkeypatch, key):
    monkeypatch.setitem(SAMPLE_PRODUCTION_ENV, "DJANGO_SECRET_KEY", key)
    result: subprocess.CompletedProcess = run_manage("check")
    assert result.returncode != 0, f"production started with a public key:\n{output(result)}"
    assert "DJANGO_SECRET_KEY" in result.stderr and "public" in result.stderr, output(result)


def test_local_settings_run_with_that_key_by_default(monkeypatch):
    # What production refuses is exactly what a laptop runs with: the two cannot drift apart.
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    from config.settings import local

    assert importlib.reload(local).SECRET_KEY == LOCAL_DEVELOPMENT_SECRET_KEY
