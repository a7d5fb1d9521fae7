"""Embedded default for a laptop: SQLite, tasks in-process, mail to the console and to files."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# `make run PORT=8001` serves on that port; the links in emails and the demo logins follow it.
PORT = env.int("PORT", default=8000)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
