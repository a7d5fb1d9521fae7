"""allauth's account forms with the portal's words: sentence-case labels in the project's own msgids
(allauth's are Title Case in English, and its French and Spanish differ from the portal's)."""

from allauth.account import forms as allauth_forms
from django.utils.translation import gettext_lazy as _

NEW_PASSWORD = _("New password")
NEW_PASSWORD_AGAIN = _("New password (again)")


def _relabel(form, labels):
    for name, label in labels.items():
        if name in form.fields:
            field = form.fields[name]
            field.label = label
            if "placeholder" in field.widget.attrs:
                field.widget.attrs["placeholder"] = label


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"login": _("Email address"), "password": _("Password"), "remember": _("Remember me")})


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"oldpassword": _("Current password"), "password1": NEW_PASSWORD,
                        "password2": NEW_PASSWORD_AGAIN})


class SetPasswordForm(allauth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD_AGAIN})


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": _("Email address")})


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD_AGAIN})


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": _("Email address")})
