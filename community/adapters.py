import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mailings.services import mail_queue_rendered

from .models import Member


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """Staff without a membership work in the admin; members land on their year."""
        user = request.user
        if user.is_staff and not Member.objects.filter(user_id=user.pk).exists():
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        """Account emails (verification, password reset) go through the outbox, in the member's language."""
        member = Member.objects.filter(user__email__iexact=email).only("preferred_language").first()
        language = member.preferred_language if member else (translation.get_language() or "en")
        # What allauth's own send_mail() would add (its templates name the site), with the portal's name.
        site = SimpleNamespace(name=_("City Managers Community"), domain=urlsplit(settings.PORTAL_BASE_URL).netloc)
        context = {"email": email, "current_site": site, "portal_base_url": settings.PORTAL_BASE_URL,
                   "portal_contact_email": settings.PORTAL_CONTACT_EMAIL, **context}
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        alternatives = getattr(message, "alternatives", [])
        html = next((content for content, mimetype in alternatives if mimetype == "text/html"), "")
        name = template_prefix.rsplit("/", 1)[-1]
        mail_queue_rendered(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            language=language,
            template=f"account/{name}",
            # Each request (a new link, a resend) is a new email on purpose.
            dedupe_key=f"account:{name}:{uuid.uuid4()}",
            cause=f"account: {name}",
        )
