from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from .middleware import page_language_chosen
from .models import Member


@receiver(user_logged_in)
def apply_member_language_on_login(sender, request, user, **kwargs):
    """From the login request on (its "signed in" message included), speak the member's language,
    unless this browser picked a page language with the switcher."""
    if request is not None and page_language_chosen(request):
        return
    language = Member.objects.filter(user_id=user.pk).values_list("preferred_language", flat=True).first()
    if language and request is not None:
        translation.activate(language)
        request.LANGUAGE_CODE = language
