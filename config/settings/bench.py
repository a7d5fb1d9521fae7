"""The web benchmark's settings (bench/web.py): production, plus the two bare views that measure
the limits of the machine. Never used to serve the portal: production routes no bench view."""

from .production import *  # noqa: F403

ROOT_URLCONF = "config.urls_bench"
WSGI_APPLICATION = "config.wsgi_bench.application"
