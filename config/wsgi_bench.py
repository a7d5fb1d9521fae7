"""WSGI entry of the web benchmark (gunicorn config.wsgi_bench:application, bench/web.py).

`/bench/bare/` renders a template with no middleware and no database: the ceiling of Django on
this machine. Everything else is the portal, with config.settings.bench, wrapped as config/wsgi.py
wraps it. ``application_in_shared_chunks`` is the same without that wrapper (portal/wsgi.py), for
bench/wsgi_faults.py to compare.
"""

import os

from django.core.wsgi import get_wsgi_application

from portal.wsgi import OwnFrameChunk

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

BARE_PATH = "/bench/bare/"


def _with_bare_page(portal):
    def application(environ, start_response):
        if environ.get("PATH_INFO") == BARE_PATH:
            from django.template.loader import render_to_string

            body = render_to_string("bench/bare.html").encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        return portal(environ, start_response)

    return application


handler = get_wsgi_application()
application = _with_bare_page(OwnFrameChunk(handler))
application_in_shared_chunks = _with_bare_page(handler)
