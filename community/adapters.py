import uuid

from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from mailings.services import mail_queue_rendered

from .models import Member


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Account emails (verification, password reset) go through the outbox, in the member's language."""
        member = Member.objects.filter(user__email__iexact=email).only("preferred_language").first()
        language = member.preferred_language if member else (translation.get_language() or "en")
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
