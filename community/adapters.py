from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from .models import Member


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Account emails (verification, password reset) go out in the member's own language."""
        member = Member.objects.filter(user__email__iexact=email).only("preferred_language").first()
        language = member.preferred_language if member else translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)
