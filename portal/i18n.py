from django.conf import settings


def page_language_chosen(request) -> bool:
    """Whether this browser picked a page language with the switcher."""
    return request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES)
