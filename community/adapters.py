import datetime
import uuid
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mailings.rendering import render_message
from mailings.services import mail_queue_rendered

from .addresses import normalize_email
from .models import Member, MemberStatus
from .staff import staff_landing_url

_EMAIL_VALUE_TYPES = (str, Promise, int, datetime.datetime, datetime.date)


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """Staff without a membership land on their to-do page (or the admin, without its permission);
        members land on their year."""
        user = request.user
        if user.is_staff and not Member.objects.filter(user_id=user.pk).exists():
            return staff_landing_url(user)
        return super().get_login_redirect_url(request)

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        """No "You are logged in" for a rejected member: the page they land on says the membership was
        not approved, and a success message above it would contradict it."""
        if message_template == "account/messages/logged_in.txt" and request.user.is_authenticated and (
            Member.objects.filter(user_id=request.user.pk, status=MemberStatus.REJECTED).exists()
        ):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def clean_email(self, email):
        """Sign-up, add-email and password reset: one canonical form, so that an address with an
        invisible character or a Unicode domain is not a second account next to the real one."""
        return normalize_email(super().clean_email(email))

    # Links in account emails start with PORTAL_BASE_URL, never with the request's Host header: a
    # forged Host would otherwise put an attacker's site in front of a real confirmation or reset key.
    def get_email_confirmation_url(self, request, emailconfirmation):
        return settings.PORTAL_BASE_URL + reverse("account_confirm_email", args=[emailconfirmation.key])

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.PORTAL_BASE_URL + path.replace("UID-KEY", quote(key))

    @staticmethod
    def _on_portal(value):
        """Any other absolute link allauth built from the request (sign-up and reset links in the
        "account already exists" and "unknown account" emails) is moved onto PORTAL_BASE_URL."""
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            parts = urlsplit(value)
            return settings.PORTAL_BASE_URL + parts.path + (f"?{parts.query}" if parts.query else "")
        return value

    def send_mail(self, template_prefix, email, context):
        """Account emails (verification, password reset) go through the outbox, in the member's language,
        written once in ``templates/mailings/account/<name>/`` like every other email."""
        member = Member.objects.filter(user__email__iexact=email).only("preferred_language").first()
        language = member.preferred_language if member else (translation.get_language() or "en")
        app, _folder, name = template_prefix.split("/")  # "account/email/password_reset_key", "mfa/email/…"
        template = f"account/{name}" if app == "account" else f"account/{app}_{name}"
        # Only plain values reach an email (allauth also passes the request, the user, the key object).
        context = {
            key: self._on_portal(value) for key, value in context.items()
            if isinstance(value, _EMAIL_VALUE_TYPES) and key not in ("key", "uid")
        }
        context = {"email": email, "site_name": _("City Managers Community"), **context}
        rendered = render_message(template=template, context=context, language=language)
        mail_queue_rendered(
            to=email,
            subject=self.format_email_subject(rendered.subject),
            body_text=rendered.text,
            body_html=rendered.html,
            language=language,
            template=template,
            # Each request (a new link, a resend) is a new email on purpose.
            dedupe_key=f"account:{name}:{uuid.uuid4()}",
            cause=f"account: {name}",
        )
