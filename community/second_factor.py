"""Two-factor authentication rules (allauth.mfa): who must use a second factor and whether this
session has passed it. The middleware, the setup view, the receivers and the demo commands call these."""

import time

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

SETUP = "setup"
VERIFY = "verify"
# Where the staff member was going when they were sent to set up their authenticator.
NEXT_SESSION_KEY = "portal_second_factor_next"


def second_factor_enabled(user) -> bool:
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def session_passed_second_factor(request) -> bool:
    """allauth records each authentication step of this session for this user; a session opened
    some other way (force_login, a session from before 2FA was turned on) has no "mfa" step."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def staff_second_factor_step(request) -> str | None:
    """What a signed-in staff member must do before an admin page opens: SETUP, VERIFY or nothing."""
    user = request.user
    if not settings.PORTAL_STAFF_REQUIRE_2FA or not (user.is_authenticated and user.is_staff):
        return None
    if not second_factor_enabled(user):
        return SETUP
    if not session_passed_second_factor(request):
        return VERIFY
    return None


def staff_second_factor_redirect(request) -> HttpResponseRedirect | None:
    """For staff who have not passed the second factor: the page that sets it up or asks for the code,
    coming back here after; else None."""
    step = staff_second_factor_step(request)
    if step is None:
        return None
    target = "community:second_factor_setup" if step == SETUP else "mfa_reauthenticate"
    return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def record_second_factor_activated(request) -> None:
    """Activating an authenticator app needs a valid code from it: the session has just passed the
    second factor (recorded as allauth records a code entered at login)."""
    authenticator = Authenticator.objects.get(user_id=request.user.pk, type=Authenticator.Type.TOTP)
    record_authentication(request, request.user, "mfa", id=authenticator.pk, type=authenticator.type)


def totp_activate(user, secret: str) -> Authenticator:
    """Give the user an authenticator app with a known secret (the demo account; tests)."""
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    return TOTP.activate(user, secret).instance


def totp_current_code(secret: str) -> str:
    """The code an authenticator app shows now for this secret (allauth's own computation)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def session_passed_second_factor_data(user) -> dict:
    """Session entries that say this session passed the user's second factor, as allauth writes them
    at login: for sessions made outside a request (tests' force_login, the benchmark's sessions).
    Empty when the user has no authenticator app."""
    from allauth.account.internal.flows import login as login_flow
    from allauth.account.internal.userkit import user_id_to_str

    authenticator = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return {}
    return {
        login_flow.AUTHENTICATION_METHODS_SESSION_KEY: [
            {"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": authenticator.type}
        ],
        login_flow._AUTHENTICATION_METHODS_USER_SESSION_KEY: user_id_to_str(user),
    }
