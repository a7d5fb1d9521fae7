"""The admin runs under the site's strict Content Security Policy, plus exactly what its pages need."""

import base64
import hashlib

from csp.constants import NONCE, UNSAFE_HASHES
from django.urls import reverse


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Added to the policy of /admin/ pages only:
# - Django's one inline <style> (a changelist with no action bar) carries the request's nonce
#   (templates/admin/change_list.html);
# - django-import-export's export page has two style attributes and one inline event handler; they
#   are allowed by their exact hashes ('unsafe-hashes' covers attributes and handlers, nothing else).
ADMIN_POLICY_ADDITIONS = {
    "style-src": [NONCE, UNSAFE_HASHES, _sha256("padding: 0;"), _sha256("font-weight: bold;")],
    "script-src": [UNSAFE_HASHES, _sha256("onSelectToggleChange(event)")],
}


class AdminPolicyMiddleware:
    """Listed after csp.middleware.CSPMiddleware, so that its additions are in place when that one
    writes the header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(reverse("admin:index")):
            response._csp_update = {**ADMIN_POLICY_ADDITIONS, **(getattr(response, "_csp_update", None) or {})}
        return response
