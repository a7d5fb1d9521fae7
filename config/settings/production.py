"""Production: PostgreSQL, Redis (broker and cache), SMTP, HTTPS behind a proxy.

DATABASE_URL, CELERY_BROKER_URL, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS are required here:
a missing one stops the process at start instead of running on a silent default.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_OPTIONS, LOCAL_DEVELOPMENT_SECRET_KEY, caches_for, env

DEBUG = False
# Turns on the production-only system checks (e.g. staff two-factor authentication cannot be off).
PORTAL_PRODUCTION = True
SECRET_KEY = env("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a long random value (32 characters or more).")
# A published key (local.py's, or Django's startproject placeholder) lets anyone forge sessions,
# password-reset and invitation links: as bad as no key.
if SECRET_KEY == LOCAL_DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the public local development key: set a long random value of your own."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Links in emails: the public address, required so that no email points at a laptop.
PORTAL_BASE_URL = env("PORTAL_BASE_URL").rstrip("/")

# ------------------------------------------------------------------------------ databases
DATABASES = {"default": {**env.db("DATABASE_URL"), **DATABASE_OPTIONS}}

# ------------------------------------------------------------------------------ celery and cache
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False
REDIS_URL = env("REDIS_URL", default=CELERY_BROKER_URL)
CACHES = caches_for(REDIS_URL)

# ------------------------------------------------------------------------------ email
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# ------------------------------------------------------------------------------ static files
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ------------------------------------------------------------------------------ security
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The health check is probed over plain HTTP inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Off only for a local stack served over plain HTTP (docker-compose).
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="https")
# allauth's per-IP rate limits must see the client, not the proxy: the number of proxies in front.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=1)
