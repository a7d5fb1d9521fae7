"""Security issue #6, item 8: production refuses the public local development key."""

import functools
import importlib

import pytest

from config.settings.base import LOCAL_DEVELOPMENT_SECRET_KEY
from tests.portal.test_deploy import production_env, production_readings

PUBLIC_KEYS = {"local.py's": LOCAL_DEVELOPMENT_SECRET_KEY, "startproject's": "django-insecure-" + "x" * 40}


@functools.cache
def readings_with_public_keys():
    return production_readings({name: production_env(DJANGO_SECRET_KEY=key) for name, key in PUBLIC_KEYS.items()})


@pytest.mark.parametrize("name", PUBLIC_KEYS)
def test_production_refuses_to_start_with_a_public_key(name):
    readings = readings_with_public_keys()
    assert readings["complete"].error == "", readings["complete"]  # the sample's own key is accepted
    error = readings[name].error
    assert error.startswith("ImproperlyConfigured"), f"production started with {name} public key: {error!r}"
    assert "DJANGO_SECRET_KEY" in error and "public" in error, error


def test_local_settings_run_with_that_key_by_default(monkeypatch):
    # What production refuses is exactly what a laptop runs with: the two cannot drift apart.
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    from config.settings import local

    assert importlib.reload(local).SECRET_KEY == LOCAL_DEVELOPMENT_SECRET_KEY
