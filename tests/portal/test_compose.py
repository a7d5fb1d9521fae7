"""docker-compose.yml agrees with the settings it feeds.

The compose file is parsed with PyYAML (nothing is started). Its ``${NAME:-default}`` values are
resolved the way ``docker compose`` resolves them in an empty environment (no shell variable, no
.env file): what a fresh checkout runs with. The variables the settings read are collected from
config/settings/*.py with ``ast``, so renaming one there without renaming it here makes a test fail.
"""

import ast
import inspect
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
import yaml
from django.http.request import split_domain_port, validate_host

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETTINGS_DIR = ROOT / "config" / "settings"
PRODUCTION_SETTINGS = SETTINGS_DIR / "production.py"

SERVICES = {"web", "worker", "beat", "postgres", "redis", "mailpit"}
DJANGO_SERVICES = ("web", "worker", "beat")
BACKING_SERVICES = ("postgres", "redis")
# Chosen by Django or the image, not read by the settings.
NOT_A_SETTING = {"DJANGO_SETTINGS_MODULE"}
MAILPIT_DEFAULT_SMTP_PORT = 1025

# ------------------------------------------------------------------------------ compose file

_INTERPOLATION = re.compile(
    r"\$\$"  # escaped dollar
    r"|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value: str, problems: list[str] | None = None) -> str:
    """Resolve compose interpolation as with no variable set: ``${A:-d}`` is d, ``$$`` is $.

    A variable without a default (``${A}``, ``$A``) or a required one (``${A:?message}``) resolves to
    an empty string, as docker compose would run it, and is reported in ``problems``.
    """

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        op, arg = match.group("op"), match.group("arg")
        if op in ("-", ":-"):
            return arg
        if op in ("+", ":+"):
            return ""
        if problems is not None:
            problems.append(match.group(0))
        return ""

    return _INTERPOLATION.sub(replace, value)


def _resolve(node, problems: list[str] | None = None):
    if isinstance(node, dict):
        return {key: _resolve(value, problems) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, problems) for item in node]
    if isinstance(node, str):
        return interpolate(node, problems)
    return node


@pytest.fixture(scope="module")
def compose() -> dict:
    return _resolve(yaml.safe_load(COMPOSE_FILE.read_text()))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose.get("services") or {}


def environment(service: dict) -> dict[str, str]:
    """A service's ``environment`` as a dict, whether written as a mapping or as a list of NAME=value."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
    return {name: None if value is None else str(value) for name, value in raw.items()}


def command_words(service: dict) -> list[str]:
    """The words of a service's command; for ``sh -c "script"`` the words of the script."""
    command = service.get("command") or []
    words = shlex.split(command) if isinstance(command, str) else [str(word) for word in command]
    if len(words) >= 3 and Path(words[0]).name in ("sh", "bash") and words[1] == "-c":
        return shlex.split(words[2])
    return words


def celery_app_option(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if word in ("-A", "--app") and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("--app="):
            return word.split("=", 1)[1]
    return None


def depends_on(service: dict) -> dict[str, str]:
    """``depends_on`` as {service: condition}; the short list form means service_started."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: (options or {}).get("condition", "service_started") for name, options in raw.items()}


def service_using_image(services: dict, image: str) -> str:
    """The name of the one service whose image is ``image`` (any tag)."""
    names = [name for name, service in services.items() if (service.get("image") or "").split(":")[0] == image]
    assert len(names) == 1, f"expected exactly one service running the {image} image, found {names or 'none'}"
    return names[0]


# ------------------------------------------------------------------------------ settings


def _env_method_signature(method: str | None) -> inspect.Signature:
    """Signature of ``env(...)`` (method None) or ``env.<method>(...)`` of django-environ, without self."""
    function = environ.Env.__call__ if method is None else getattr(environ.Env, method, None)
    if function is None:
        raise AssertionError(f"config/settings calls env.{method}(), which django-environ's Env does not have")
    signature = inspect.signature(function)
    return signature.replace(parameters=list(signature.parameters.values())[1:])


def env_reads(path: Path) -> dict[str, bool]:
    """{variable name: has a default} for every environment read in one settings file.

    Reads are ``env("NAME", ...)`` and ``env.<method>("NAME", ...)`` (django-environ), plus
    ``os.environ["NAME"]``, ``os.environ.get("NAME")`` and ``os.getenv("NAME")``. Whether a call has a
    default is decided by binding its arguments to django-environ's own signature, so that a
    positional default (``env.bool("X", False)``) counts as one and ``env("X", str)`` (a cast) does not.
    """
    reads: dict[str, bool] = {}

    def record(name: str, has_default: bool) -> None:
        # A variable read both with and without a default somewhere in the file is required.
        reads[name] = reads.get(name, True) and has_default

    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "env":
                method = None
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env":
                method = func.attr
            elif ast.unparse(func) in ("os.environ.get", "os.getenv"):
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    record(node.args[0].value, True)
                continue
            else:
                continue
            if any(isinstance(arg, ast.Starred) for arg in node.args) or any(kw.arg is None for kw in node.keywords):
                raise AssertionError(f"{path.name}:{node.lineno}: cannot tell which variable *args/**kwargs read")
            bound = _env_method_signature(method).bind(
                *(ast.unparse(arg) for arg in node.args), **{kw.arg: ast.unparse(kw.value) for kw in node.keywords}
            )
            if "var" in bound.arguments:
                first = node.args[0] if node.args else next(kw.value for kw in node.keywords if kw.arg == "var")
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    continue  # a computed name: nothing to compare
                name = first.value
            else:  # env.db() with no name reads DATABASE_URL
                bound.apply_defaults()
                name = bound.arguments.get("var")
                if not isinstance(name, str):
                    continue
            record(name, "default" in bound.arguments)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            record(node.slice.value, False)
    return reads


@pytest.fixture(scope="module")
def settings_variables() -> set[str]:
    names = set()
    for path in sorted(SETTINGS_DIR.glob("*.py")):
        names |= env_reads(path).keys()
    assert names, f"found no environment variable read in {SETTINGS_DIR}: has the way settings read them changed?"
    return names


@pytest.fixture(scope="module")
def production_required() -> set[str]:
    required = {name for name, has_default in env_reads(PRODUCTION_SETTINGS).items() if not has_default}
    assert required, "production.py requires no environment variable: has the way settings read them changed?"
    return required


# ------------------------------------------------------------------------------ tests


def test_every_interpolated_variable_has_a_default():
    problems: list[str] = []
    _resolve(yaml.safe_load(COMPOSE_FILE.read_text()), problems)
    assert not problems, (
        f"docker-compose.yml uses {sorted(set(problems))} without a default: a fresh checkout (no shell variable, "
        "no .env file) would run with an empty value or refuse to start; write ${NAME:-default}"
    )


def test_every_service_is_defined(services):
    missing = SERVICES - services.keys()
    assert not missing, f"docker-compose.yml lacks the service(s) {sorted(missing)} (it defines {sorted(services)})"


def test_web_migrates_then_runs_gunicorn_on_the_wsgi_application(services):
    words = command_words(services["web"])
    text = " ".join(words)
    assert "gunicorn" in words, f"web's command does not run gunicorn: {text!r}"
    gunicorn_args = words[words.index("gunicorn") + 1 :]
    assert any(re.fullmatch(r"config\.wsgi(:application)?", arg) for arg in gunicorn_args), (
        f"web's gunicorn does not serve config.wsgi:application: {text!r}"
    )
    assert re.search(r"manage\.py migrate\b.*--noinput", text), (
        f"web does not run `manage.py migrate --noinput`: {text!r}"
    )
    assert text.index("migrate") < text.index("gunicorn"), f"web must migrate before it starts gunicorn: {text!r}"


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_celery_processes(services, name):
    words = command_words(services[name])
    text = " ".join(words)
    assert words and Path(words[0]).name == "celery", f"{name}'s command does not run celery: {text!r}"
    assert celery_app_option(words) == "config.celery_app", f"{name} must run `celery -A config.celery_app`: {text!r}"
    assert name in words[1:], f"{name} must run the celery `{name}` sub-command: {text!r}"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(services, name):
    healthcheck = services.get(name, {}).get("healthcheck") or {}
    test = healthcheck.get("test")
    assert test and not healthcheck.get("disable") and test != ["NONE"], (
        f"service {name!r} has no healthcheck (healthcheck.test is {test!r})"
    )


def test_web_healthcheck_probes_healthz_with_an_allowed_host(services):
    service = services["web"]
    test = service["healthcheck"]["test"]
    text = " ".join(test) if isinstance(test, list) else test
    assert "127.0.0.1:8000/healthz" in text or "localhost:8000/healthz" in text, (
        f"web's healthcheck does not probe http://127.0.0.1:8000/healthz: {text!r}"
    )
    host = re.search(r"""Host['"]?\s*[:=]\s*['"]?([^'"\s}]+)""", text)
    assert host, f"web's healthcheck sends no Host header (production rejects hosts outside ALLOWED_HOSTS): {text!r}"
    allowed = [item.strip() for item in (environment(service).get("DJANGO_ALLOWED_HOSTS") or "").split(",")]
    assert validate_host(split_domain_port(host.group(1))[0], allowed), (
        f"web's healthcheck sends Host: {host.group(1)}, which DJANGO_ALLOWED_HOSTS={allowed} rejects"
    )


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_django_services_wait_for_healthy_backing_services(services, name):
    conditions = depends_on(services[name])
    for backing in BACKING_SERVICES:
        assert conditions.get(backing) == "service_healthy", (
            f"{name} must depend on {backing} with `condition: service_healthy` (found {conditions.get(backing)!r})"
        )


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_django_services_set_only_variables_the_settings_read(services, settings_variables, name):
    unknown = sorted(environment(services[name]).keys() - settings_variables - NOT_A_SETTING)
    assert not unknown, (
        f"{name} sets {unknown}, which no file of config/settings/ reads (renamed or misspelt?). "
        f"The settings read: {sorted(settings_variables)}"
    )


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_django_services_set_every_variable_production_requires(services, production_required, name):
    env = environment(services[name])
    assert env.get("DJANGO_SETTINGS_MODULE") == "config.settings.production", (
        f"{name} must run with DJANGO_SETTINGS_MODULE=config.settings.production "
        f"(found {env.get('DJANGO_SETTINGS_MODULE')!r})"
    )
    missing = sorted(variable for variable in production_required if not env.get(variable))
    assert not missing, f"{name} does not set {missing}, which config/settings/production.py requires"


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_database_url_points_at_the_postgres_service(services, name):
    postgres_name = service_using_image(services, "postgres")
    postgres_env = environment(services[postgres_name])
    url = environment(services[name]).get("DATABASE_URL") or ""
    database = environ.Env.db_url_config(url)
    assert database["ENGINE"] == "django.db.backends.postgresql", f"{name}: DATABASE_URL={url!r} is not PostgreSQL"
    assert database["HOST"] == postgres_name, (
        f"{name}: DATABASE_URL host is {database['HOST']!r}, not the {postgres_name!r} service"
    )
    assert database["PORT"] in ("", 5432), (
        f"{name}: DATABASE_URL port is {database['PORT']!r}, PostgreSQL listens on 5432"
    )
    # The postgres image's defaults: user postgres, database named after the user.
    user = postgres_env.get("POSTGRES_USER") or "postgres"
    expected = {
        "USER": user,
        "PASSWORD": postgres_env.get("POSTGRES_PASSWORD"),
        "NAME": postgres_env.get("POSTGRES_DB") or user,
    }
    for key, variable in (("USER", "POSTGRES_USER"), ("PASSWORD", "POSTGRES_PASSWORD"), ("NAME", "POSTGRES_DB")):
        assert database[key] == expected[key], (
            f"{name}: DATABASE_URL has {key.lower()} {database[key]!r} but the {postgres_name} service has "
            f"{variable}={expected[key]!r}"
        )


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_celery_broker_and_cache_point_at_the_redis_service(services, name):
    redis_name = service_using_image(services, "redis")
    env = environment(services[name])
    for variable in ("CELERY_BROKER_URL", "REDIS_URL"):
        if variable == "REDIS_URL" and variable not in env:
            continue  # production falls back on CELERY_BROKER_URL
        url = urlsplit(env.get(variable) or "")
        assert url.scheme in ("redis", "rediss"), f"{name}: {variable}={env.get(variable)!r} is not a redis:// URL"
        assert url.hostname == redis_name, (
            f"{name}: {variable} host is {url.hostname!r}, not the {redis_name!r} service"
        )
        assert url.port in (None, 6379), f"{name}: {variable} port is {url.port}, Redis listens on 6379"


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_email_goes_to_the_mail_catcher(services, name):
    mail_name = service_using_image(services, "axllent/mailpit")
    bind = environment(services[mail_name]).get("MP_SMTP_BIND_ADDR")
    smtp_port = int(bind.rsplit(":", 1)[1]) if bind else MAILPIT_DEFAULT_SMTP_PORT
    env = environment(services[name])
    assert env.get("EMAIL_HOST") == mail_name, (
        f"{name}: EMAIL_HOST={env.get('EMAIL_HOST')!r}, not the {mail_name!r} service"
    )
    assert env.get("EMAIL_PORT", "").isdigit() and int(env["EMAIL_PORT"]) == smtp_port, (
        f"{name}: EMAIL_PORT={env.get('EMAIL_PORT')!r}, but {mail_name} takes SMTP on port {smtp_port}"
    )
