"""Production settings pass Django's deployment checks and refuse to start half-configured.

Each check runs in a subprocess (settings are loaded once per process, so they cannot be reloaded inside
the test process): ``manage.py check --deploy`` with DJANGO_SETTINGS_MODULE=config.settings.production,
and the refusals, which stop the settings module itself, by importing it under each environment in one
process (tests/settings_probe.py). The subprocess environment is the parent's minus every variable the
settings read, plus a sample production environment: a DATABASE_URL or DJANGO_SECURE_SSL_REDIRECT
exported in the developer's shell or by CI cannot change the result. ``check`` opens no connection: no
PostgreSQL or Redis needed.
"""

import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ..settings_probe import Reading, read_settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "config" / "settings"

SAMPLE_PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "t7#Qv2mZ!r9Lw4xK$e8Bn1Yc6Hd0Jp3Sg5Fa_Uo-Ri+Wk=Xz&Mq*Nb^Vs%Ty@Ce",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "PORTAL_BASE_URL": "https://portal.example.org",
    "DATABASE_URL": "postgres://portal:s3cret@db.internal:5432/portal",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
}
REQUIRED_IN_PRODUCTION = (
    "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "PORTAL_BASE_URL"
)


def settings_variables() -> set[str]:
    """Every variable name read by config/settings/*.py (``env("X")``, ``env.bool("X")``, ``os.environ``...)."""
    pattern = re.compile(r"""\b(?:env(?:\.\w+)?\(|os\.getenv\(|os\.environ(?:\.get\(|\[))\s*["']([A-Za-z_]\w*)["']""")
    names = set()
    for path in SETTINGS_DIR.glob("*.py"):
        names.update(pattern.findall(path.read_text()))
    return names


def production_env(*, without: tuple[str, ...] = (), **overrides: str) -> dict[str, str]:
    """The parent's environment less every variable the settings read, plus the sample production
    environment less the variables in ``without``."""
    inherited = settings_variables() | set(SAMPLE_PRODUCTION_ENV) | {"DJANGO_SETTINGS_MODULE"}
    env = {name: value for name, value in os.environ.items() if name not in inherited}
    env.update({name: value for name, value in SAMPLE_PRODUCTION_ENV.items() if name not in without})
    env.update(overrides)
    return env


def run_manage(*args: str, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run manage.py with the sample production environment, less the variables in ``without``."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(without=without),
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_readings(environments: dict[str, dict[str, str]]) -> dict[str, Reading]:
    """config.settings.production read under each environment (one process for all, tests/settings_probe.py),
    the complete sample first (as ``"complete"``): a refusal means something only if that one loads."""
    cases = {"complete": production_env(), **environments}
    readings = read_settings([("config.settings.production", ("DEBUG",), env) for env in cases.values()])
    return dict(zip(cases, readings, strict=True))


def output(result: subprocess.CompletedProcess) -> str:
    return f"exit status {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def test_settings_variables_are_found():
    names = settings_variables()
    assert set(REQUIRED_IN_PRODUCTION) <= names, (
        f"the settings no longer read {sorted(set(REQUIRED_IN_PRODUCTION) - names)}: update this test's sample"
    )


def test_production_passes_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, (
        f"`manage.py check --deploy` reports problems in production settings:\n{output(result)}"
    )


@functools.cache
def refusals_without_each_required_variable() -> dict[str, Reading]:
    return production_readings({name: production_env(without=(name,)) for name in REQUIRED_IN_PRODUCTION})


def test_the_complete_sample_loads():
    reading = refusals_without_each_required_variable()["complete"]
    assert reading.error == "" and reading.values == {"DEBUG": "False"}, reading


@pytest.mark.parametrize("variable", REQUIRED_IN_PRODUCTION)
def test_production_refuses_to_start_without_a_required_variable(variable):
    error = refusals_without_each_required_variable()[variable].error
    assert error.startswith("ImproperlyConfigured"), f"production settings loaded without {variable}: {error!r}"
    assert variable in error, f"the error does not name the missing {variable}: {error}"
