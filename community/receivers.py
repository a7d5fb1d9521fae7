from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.i18n import page_language_chosen
from portal.signals import page_language_switched

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


EMAILS_STAY_IN = {
    "en": gettext_lazy("Your emails stay in English."),
    "fr": gettext_lazy("Your emails stay in French."),
    "es": gettext_lazy("Your emails stay in Spanish."),
}


@receiver(page_language_switched)
def note_that_emails_stay_in_the_member_language(sender, request, language, **kwargs):
    """The switch changes the pages only: a member whose emails speak another language is told so."""
    member = getattr(request, "member", None)
    if member is not None and member.preferred_language != language:
        with translation.override(language):
            # In the page's new language; one sentence per language, as each reads its own way.
            note = str(EMAILS_STAY_IN[member.preferred_language])
            if member.is_approved:
                note = format_html(
                    "{} " + _('You can change this on <a href="{url}">your profile</a>.'),
                    note,
                    url=reverse("community:profile"),
                )
            messages.info(request, note)
