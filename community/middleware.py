
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone, translation

from portal.i18n import page_language_chosen
from portal.urlcache import cached_reverse

from . import second_factor, timezones
from .models import Member


class MemberPreferencesMiddleware:
    """Load the signed-in person's membership once per request and apply their language and zone.

    Runs after LocaleMiddleware. The pages speak the language picked with the switcher (its cookie)
    when there is one, else the member's own language (which wins over the browser's). The switcher
    never changes the member's language: that one is for their emails (see community.receivers).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.member = None
        if request.user.is_authenticated:
            request.member = (
                Member.objects.select_related("organisation", "user").filter(user_id=request.user.pk).first()
            )
        member = request.member
        if member is not None:
            if not page_language_chosen(request):
                translation.activate(member.preferred_language)
                request.LANGUAGE_CODE = member.preferred_language
            zone = timezones.zone(member.time_zone, None)
            if zone is None:
                timezone.deactivate()
            else:
                timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class StaffSecondFactorMiddleware:
    """No admin or staff page opens for staff before the second factor: a staff member without an
    authenticator goes to the first-time setup page, one whose session has not passed it (signed in
    before 2FA, or by any path but allauth's login) is asked for a code; both come back after."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The admin and the staff pages (to-do, later results and the selection board) alike.
        guarded = (cached_reverse("admin:index"), cached_reverse("community:staff_todo"))
        if request.path.startswith(guarded) and request.path != cached_reverse("admin:logout"):
            redirect = second_factor.staff_second_factor_redirect(request)
            if redirect is not None:
                return redirect
        return self.get_response(request)


class SiteNotFoundPageMiddleware:
    """With DEBUG on (``make run``), Django answers a missing page with its technical 404, the list of
    every URL pattern; ``PORTAL_SITE_404_IN_DEBUG`` (on in local settings) shows the site's own
    404 page instead, as production does. Off, or with DEBUG off, it changes nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _enabled():
        return settings.DEBUG and getattr(settings, "PORTAL_SITE_404_IN_DEBUG", False)

    def __call__(self, request):
        response = self.get_response(request)
        # No view matched the path: the 404 is the resolver's, which DEBUG renders as the URL list.
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None and self._enabled():
            return render(request, "404.html", status=404)
        return response

    def process_exception(self, request, exception):
        # A view raised Http404 (another member's page, an unknown id).
        if isinstance(exception, Http404) and self._enabled():
            return render(request, "404.html", status=404)
        return None
