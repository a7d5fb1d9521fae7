from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        from . import checks, current_edition, proposed_organisations, receivers, steps  # noqa: F401 - receivers and checks register on import
        from .staff import register_community_entries

        # The dashboard's own steps; surveys and events register theirs in their ready().
        steps.register(steps.ProfileStep())
        register_community_entries()
        register_template_labels()


def register_template_labels():
    from mailings import template_labels

    # The names staff see in the outbox's template filter (allauth's account emails and ours).
    template_labels.register({
        "account/email_confirmation_signup": _("Email confirmation (sign-up)"),
        "account/email_confirmation": _("Email confirmation"),
        "account/password_reset_key": _("Password reset"),
        "account/password_reset": _("Password reset"),
        "account/password_reset_code": _("Password reset code"),
        "account/password_changed": _("Password changed"),
        "account/password_set": _("Password set"),
        "account/account_already_exists": _("Account already exists"),
        "account/unknown_account": _("Unknown account"),
        "account/email_changed": _("Email address changed"),
        "account/email_confirm": _("Email address confirmed"),
        "account/email_deleted": _("Email address removed"),
        "account/login_code": _("Login code"),
        "membership_invitation": _("Membership invitation"),
        "membership_approved": _("Membership approved"),
        "membership_rejected": _("Membership rejected"),
    })
