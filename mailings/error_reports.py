"""Errors reach the secretariat: a logging handler that queues an outbox email to ``ADMINS``.

The 500 page says "the secretariat has been told": this is what tells them. Configured on the root
logger in ``config/settings/base.py`` (LOGGING), in place of Django's own ``mail_admins``, which
would send over SMTP directly, past the outbox, its retries and its record.

Rules, because a handler runs in the middle of a failure:

- at most one email per distinct error (same exception type raised at the same line, or the same
  message logged at the same place) per ``ERROR_REPORT_WINDOW`` seconds, counted in the cache
  (shared in production), and by a dedupe key per window should the cache be down;
- it never raises and never recurses: an error while reporting (database down, template error) is
  written to stderr by ``logging`` and dropped, and a report logged while a report is being queued
  is ignored; records of the ``mailings`` loggers are left out (reporting an email failure by
  email would feed itself);
- no ``ADMINS``, no email.
"""

import hashlib
import logging
import threading
import time
import traceback

from django.conf import settings

_reporting = threading.local()


def error_signature(record: logging.LogRecord) -> str:
    """The same error twice gives the same signature: where it was raised, not what it said."""
    if record.exc_info and record.exc_info[0] is not None:
        exc_type, _exc, tb = record.exc_info
        frames = traceback.extract_tb(tb)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        parts = [exc_type.__module__, exc_type.__qualname__, where]
    else:
        parts = [record.name, str(record.msg), f"{record.pathname}:{record.lineno}"]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


class OutboxErrorHandler(logging.Handler):
    def __init__(self, level=logging.ERROR, exclude=("mailings",)):
        super().__init__(level)
        self.exclude = tuple(exclude)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(_reporting, "active", False):
            return  # logged while a report is being queued: never recurse
        if any(record.name == name or record.name.startswith(name + ".") for name in self.exclude):
            return
        _reporting.active = True
        try:
            self.report(record)
        except Exception:  # noqa: BLE001 - a broken report must not break the request that failed
            self.handleError(record)  # stderr only; never raises, never logs
        finally:
            _reporting.active = False

    def report(self, record: logging.LogRecord) -> None:
        admins = [address for _name, address in settings.ADMINS if address]
        if not admins:
            return
        window = settings.ERROR_REPORT_WINDOW
        signature = error_signature(record)
        if not _first_in_window(signature, window):
            return
        from django.db import transaction
        from django.utils import timezone

        from .services import mail_queue

        request = getattr(record, "request", None)
        context = {
            "summary": record.getMessage()[:200],
            "logger": record.name,
            "request_line": f"{request.method} {request.path}" if hasattr(request, "path") else "",
            "user_id": getattr(getattr(request, "user", None), "pk", None),
            "when": timezone.now(),
            "details": self.format_details(record),
        }
        bucket = int(time.time() // window)
        # Its own (nested) transaction: a report is written now or not at all, never half.
        with transaction.atomic():
            for address in admins:
                mail_queue(
                    to=address,
                    template="error_report",
                    context=context,
                    dedupe_key=f"error-report:{signature}:{bucket}:{address.lower()}",
                    cause=f"error report {signature[:12]}",
                    # Tracebacks may quote personal data: only ADMINS read them, not every staff member.
                    sensitive=True,
                )

    def format_details(self, record: logging.LogRecord) -> str:
        if record.exc_info:
            return "".join(traceback.format_exception(*record.exc_info))[-20000:]
        return ""


def _first_in_window(signature: str, window: int) -> bool:
    from django.core.cache import cache

    try:
        return cache.add(f"error-report:{signature}", 1, timeout=window)
    except Exception:  # noqa: BLE001 - no cache: the outbox's dedupe key per window still limits it
        return True
