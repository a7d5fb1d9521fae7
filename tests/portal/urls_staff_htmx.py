"""The portal's URLs plus a staff page that answers an htmx POST (tests/portal/test_browser.py)."""

from django.http import HttpResponse
from django.urls import path
from django.views.generic import TemplateView

from community.staff import StaffPermissionRequiredMixin
from config.urls import urlpatterns as portal_urlpatterns


class HtmxPostPage(StaffPermissionRequiredMixin, TemplateView):
    permission_required = "community.view_member"
    template_name = "staff_htmx_post.html"

    def post(self, request):
        # Reached only past Django's CSRF check; request.htmx comes from django-htmx's middleware.
        return HttpResponse('<p id="answer">{}</p>'.format("posted with htmx" if request.htmx else "posted"))


urlpatterns = [path("staff/htmx-post/", HtmxPostPage.as_view()), *portal_urlpatterns]
