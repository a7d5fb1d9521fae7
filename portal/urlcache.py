"""URLs worked out once per process: ``{% url %}`` and ``{% static %}`` for every template.

Each page reverses 10 to 20 URLs (the menu, the footer, the admin's header and breadcrumbs) and makes
5 to 10 static-file URLs, every one the same on every request: about 25 µs a reversal and 11 µs a
static URL, 0.3–0.5 ms of a page that costs 4 ms. Here they are kept in a bounded per-process cache.

A URL depends on the view's name, its arguments, the namespace the page runs in, the URL
configuration, the script prefix and the language (``i18n_patterns``): the key holds them all.
Only plain arguments are kept (``str``, a template's literal and ``int``; a model instance's URL would follow its
``__str__``); anything else is reversed as Django does. A name that does not reverse is remembered as
such, and reversed again (to raise Django's own error) when it is not a ``{% url … as var %}``. A
static URL depends on its path and the storage's settings. A change of settings (tests) empties both;
a deploy starts new processes.

``portal.templatetags.portal_urls`` is a template builtin (``TEMPLATES["OPTIONS"]``): its ``url``
replaces Django's in every template. ``{% load static portal_static %}`` gives the cached ``static``.
"""

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language

PLAIN = (str, SafeString, int)  # a template's string literal is a SafeString (its str() is itself)
SIZE = 4096  # distinct URLs kept per process (an organisation's page, for instance, is one per organisation)


@functools.lru_cache(maxsize=SIZE)
def _reversed(view_name, args, kwargs, current_app, urlconf, root_urlconf, prefix, language):
    try:
        return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)
    except NoReverseMatch:
        return None


def cached_reverse(view_name, args=(), kwargs=None, current_app=None) -> str:
    """``reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)``, from the cache."""
    kwargs = kwargs or {}
    if (type(view_name) not in PLAIN or any(type(arg) not in PLAIN for arg in args)
            or any(type(value) not in PLAIN for value in kwargs.values())):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    url = _reversed(view_name, tuple(args), tuple(sorted(kwargs.items())), current_app, get_urlconf(),
                    settings.ROOT_URLCONF, get_script_prefix(), get_language())
    if url is None:
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)  # raises Django's error
    return url




@functools.lru_cache(maxsize=1024)
def static_url(path: str) -> str:
    """``{% static path %}``: the storage's URL of a static file (with ManifestStaticFilesStorage, the
    hashed name read from the manifest loaded at start)."""
    return StaticNode.handle_simple(path)


@receiver(setting_changed, dispatch_uid="portal-urlcache-settings")
def _settings_changed(**kwargs):
    _reversed.cache_clear()
    static_url.cache_clear()
