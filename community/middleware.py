import zoneinfo

from django.utils import timezone, translation

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
