import os

from django.core.wsgi import get_wsgi_application

from portal.wsgi import OwnFrameChunk

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
# Each request in a frame-stack chunk of its own: CPython without the fix of gh-142183 maps a chunk again
# each time a page's calls cross a chunk boundary (portal/wsgi.py).
application = OwnFrameChunk(get_wsgi_application())
