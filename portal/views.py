import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .signals import page_language_switched

logger = logging.getLogger(__name__)


@require_POST
def set_language(request):
    """Switch the language of the pages (a cookie), never that of a member's emails.

    Someone may look at the portal in another language without wanting their emails to change: the
    emails' language is the member's own setting on the profile page. A note says so when they differ
    (community's receiver of page_language_switched).
    """
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    allowed_hosts = {request.get_host()}
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts=allowed_hosts, require_https=request.is_secure()
    ):
        next_url = "/"
    # A path, never a view name: redirect() would try to reverse whatever was posted.
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    page_language_switched.send(sender=set_language, request=request, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@never_cache
@transaction.non_atomic_requests  # a dead database must give 503, not fail opening the transaction
def healthz(request):
    """200 when the database (and the broker, when one is configured) answer; 503 otherwise.

    Anyone may call it, so a failure says only "error"; what failed and why goes to the log."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure is a failed check
        logger.exception("Health check: the database does not answer.")
        checks["database"] = "error"
    if settings.CELERY_BROKER_URL:
        from config.celery_app import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception:  # noqa: BLE001
            logger.exception("Health check: the broker does not answer.")
            checks["broker"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
