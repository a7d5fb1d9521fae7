"""Production settings pass Django's deployment checks and refuse to start half-configured.

Each check runs ``manage.py`` in a subprocess with DJANGO_SETTINGS_MODULE=config.settings.production
(settings are loaded once per process, so they cannot be reloaded inside the test process). The
subprocess environment is the parent's minus every variable the settings read, plus a sample
production environment: a DATABASE_URL or DJANGO_SECURE_SSL_REDIRECT exported in the developer's
shell or by CI cannot change the result. ``check`` opens no connection: no PostgreSQL or Redis needed.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def run_manage(*args: str, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run manage.py with the sample production environment, less the variables in ``without``."""
    inherited = settings_variables() | set(SAMPLE_PRODUCTION_ENV) | {"DJANGO_SETTINGS_MODULE"}
    env = {name: value for name, value in os.environ.items() if name not in inherited}
    env.update({name: value for name, value in SAMPLE_PRODUCTION_ENV.items() if name not in without})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


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


@pytest.mark.parametrize("variable", REQUIRED_IN_PRODUCTION)
def test_production_refuses_to_start_without_a_required_variable(variable):
    result = run_manage("check", without=(variable,))
    assert result.returncode != 0, f"production settings started without {variable}:\n{output(result)}"
    assert variable in result.stderr, f"the error does not name the missing {variable}:\n{output(result)}"
