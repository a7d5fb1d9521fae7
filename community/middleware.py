import zoneinfo

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Member


def page_language_chosen(request) -> bool:
    """Whether this browser picked a page language with the switcher."""
    return request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES)


class MemberPreferencesMiddleware:
    """Load the signed-in person's membership once per request and apply their language and zone.

    Runs after LocaleMiddleware. The pages speak the language picked with the switcher (its cookie)
    when there is one, else the member's own language (which wins over the browser's). The switcher
    never changes the member's language: that one is for their emails (see views.set_language).
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
            try:
                timezone.activate(zoneinfo.ZoneInfo(member.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RejectNullBytesMiddleware:
    """A NUL byte in a query string is never meaningful here, and PostgreSQL refuses it in a query
    (the admin's search and filters would answer 500): say 400 instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                _("The address contains a character that is not allowed."), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
