"""The admin signs in through the site's login (allauth), never through its own form.

Django's admin login has no rate limit and no second factor; allauth's has both (ACCOUNT_RATE_LIMITS,
the MFA stage). Every way into /admin/login/ (the form, a POST with credentials, the admin's own
redirect of a signed-out visitor) lands on /accounts/login/?next=<the admin page>.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def admin_login(request, extra_context=None):
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(next_url)
        # Signed in, but not staff: the site's login would send them straight back here (a loop).
        raise PermissionDenied
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
