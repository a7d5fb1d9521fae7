"""Embedded default for a laptop: SQLite, tasks in-process, mail to the console and to files."""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, LOCAL_DEVELOPMENT_SECRET_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=LOCAL_DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# No broker on a laptop: tasks run in-process, right after the commit. Give CELERY_BROKER_URL (and
# run `make worker`) for the real path.
if not CELERY_BROKER_URL:
    CELERY_TASK_ALWAYS_EAGER = True
# `make run PORT=8001` serves on that port; the links in emails and the demo logins follow it.
PORT = env.int("PORT", default=8000)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
# A missing page shows the site's 404 page, not Django's list of URL patterns (DEBUG's technical 404);
# PORTAL_SITE_404_IN_DEBUG=0 brings Django's page back.
PORTAL_SITE_404_IN_DEBUG = env.bool("PORTAL_SITE_404_IN_DEBUG", default=True)
