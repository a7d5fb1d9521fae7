"""The portal's URLs plus the in-stack bare view, for the web benchmark only (config.settings.bench).

The bare template view without middleware is answered by config.wsgi_bench, before Django's handler.
"""

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.urls import path

from .urls import urlpatterns as portal_urlpatterns


@login_required
def in_stack(request):
    """The cheapest page a signed-in person can get through the project's own middleware stack
    (session, user, membership, language, CSP): no member page can be faster."""
    return TemplateResponse(request, "bench/bare.html", {})


urlpatterns = [path("bench/in-stack/", in_stack, name="bench_in_stack"), *portal_urlpatterns]
