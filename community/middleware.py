import zoneinfo

from django.http import HttpResponseBadRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Member


class MemberPreferencesMiddleware:
    """Load the signed-in person's membership once per request and apply their language and zone.

    Runs after LocaleMiddleware, so a member's saved preference wins over the browser's.
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
