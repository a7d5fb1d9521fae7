"""{% url %} and {% static %} from the per-process cache (portal/urlcache.py) give Django's own output."""

import pytest
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.templatetags.static import static
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils.translation import override

from portal import urlcache

TEMPLATES = [
    "{% url 'home' %}",
    "{% url 'community:organisation_detail' 12 %}",
    "{% url 'community:organisation_detail' pk=12 %}",
    "{% url 'community:organisation_detail' pk %}",
    "{% url 'admin:index' %}|{% url 'admin:community_member_changelist' %}",
    "{% url 'django-admindocs-docroot' as docsroot %}[{{ docsroot }}]",
    "{% url name %}",
    "{% load static portal_static %}{% static 'css/portal.css' %}|{% static 'css/portal.css' as css %}{{ css }}",
]


def render(source, **context):
    return Template(source).render(Context({"pk": 7, "name": "home", **context}))


@pytest.mark.parametrize("source", TEMPLATES)
def test_the_tags_give_djangos_output(source):
    # Django's own tags, from an engine without the portal's builtins and libraries.
    engine = Engine(app_dirs=True, libraries={"static": "django.templatetags.static"})
    djangos = engine.from_string(source.replace(" portal_static", "")).render(Context({"pk": 7, "name": "home"}))
    assert render(source) == djangos
    assert render(source) == djangos  # from the cache


def test_the_url_tag_is_the_cached_one_everywhere_and_static_where_loaded():
    from portal.templatetags.portal_static import CachedStaticNode
    from portal.templatetags.portal_urls import CachedURLNode

    nodes = Template("{% load static portal_static %}{% url 'home' %}{% static 'favicon.svg' %}").nodelist
    assert [type(node) for node in nodes[1:]] == [CachedURLNode, CachedStaticNode]


def test_a_page_reverses_each_url_once(monkeypatch):
    """The template's literals (safe strings) and a context's numbers are keys: the second render
    reverses nothing."""
    calls = []
    real = urlcache.reverse
    monkeypatch.setattr(urlcache, "reverse", lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
    urlcache._reversed.cache_clear()
    source = "{% url 'home' %}{% url 'community:organisation_detail' pk %}{% url name %}"
    first = render(source)
    assert len(calls) == 2  # 'home' (as a literal and from the context: equal keys) and the organisation
    assert render(source) == first
    assert len(calls) == 2


def test_a_name_that_does_not_reverse_still_raises_djangos_error():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")  # remembered as missing, the error is Django's again


def test_the_key_holds_the_script_prefix_and_the_language():
    assert urlcache.cached_reverse("community:dashboard") == reverse("community:dashboard")
    set_script_prefix("/portal/")
    try:
        assert urlcache.cached_reverse("community:dashboard") == "/portal/dashboard/" == reverse("community:dashboard")
    finally:
        set_script_prefix("/")
    with override("fr"):
        assert urlcache.cached_reverse("community:dashboard") == reverse("community:dashboard")
    assert urlcache.cached_reverse("community:dashboard") == "/dashboard/"


def test_other_arguments_are_reversed_as_django_does_and_not_kept():
    class Named:  # a URL that follows the object's __str__ (as a model instance's would) is never kept
        def __init__(self, name):
            self.name = name

        def __str__(self):
            return self.name

    urlcache._reversed.cache_clear()
    assert urlcache.cached_reverse("account_confirm_email", args=[Named("abc")]) == reverse(
        "account_confirm_email", args=["abc"])
    assert urlcache.cached_reverse("account_confirm_email", kwargs={"key": Named("xyz")}).endswith("/xyz/")
    assert urlcache._reversed.cache_info().currsize == 0


def test_a_change_of_settings_empties_the_caches(settings):
    source = "{% load static portal_static %}{% static 'css/portal.css' %}"
    assert render(source) == static("css/portal.css")
    settings.STATIC_URL = "/elsewhere/"
    assert render(source) == static("css/portal.css")
    assert render(source).startswith("/elsewhere/")
    urlcache.cached_reverse("community:dashboard")
    assert urlcache._reversed.cache_info().currsize > 0
    settings.ROOT_URLCONF = "tests.portal.admin_widgets_urls"
    assert urlcache._reversed.cache_info().currsize == 0


def test_the_namespace_of_the_page_is_part_of_the_key(rf: RequestFactory):
    request = rf.get("/")
    request.current_app = "admin"
    source = "{% url 'admin:index' %}"
    assert Template(source).render(Context({"request": request})) == reverse("admin:index", current_app="admin")


def test_a_bad_tag_is_refused_as_django_refuses_it():
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")
