"""``{% static %}`` from portal.urlcache: each static file's URL made once per process. Loaded after
Django's library (``{% load static portal_static %}``), its tag takes the place of Django's in that
template (base.html and the admin's pages the portal overrides); the rest of Django's library is kept."""

from django import template
from django.templatetags import static as django_static

from portal.urlcache import static_url

register = template.Library()
register.tags.update(django_static.register.tags)
register.filters.update(django_static.register.filters)


class CachedStaticNode(django_static.StaticNode):
    @classmethod
    def handle_simple(cls, path):
        return static_url(path)


@register.tag("static")
def do_static(parser, token):
    return CachedStaticNode.handle_token(parser, token)
