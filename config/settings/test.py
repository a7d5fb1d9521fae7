"""Settings for the test suite.

DATABASE_URL and CELERY_BROKER_URL are honoured (``.ci/run`` points them at the machine's
PostgreSQL and Redis); without them the suite runs on SQLite with tasks in-process.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-only-insecure-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Connections closed after each request: the live server's threads must not keep the test database
# open (it could not be dropped at the end).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the integration tests start a real worker on the broker.
CELERY_TASK_ALWAYS_EAGER = True
# Never the default amqp://localhost (a RabbitMQ may well listen there): a stray publish stays in memory.
CELERY_BROKER_URL = "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests that need PostgreSQL, Redis or a real worker fail instead of skipping when this is set.
PORTAL_REQUIRE_SERVICES = env.bool("PORTAL_REQUIRE_SERVICES", default=False)
# Serve static files from the finders: the suite never runs collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Templates used only by the tests (e.g. an email with a date to render in the recipient's zone).
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]  # noqa: F405
