"""The selection board's summary (meters, regional balance, decision counts) kept in the cache per
event, with a version that every write of the figures changes (``changed``): ``events.days`` (decide,
grant, budget, send, release, promote) and ``events.applications`` (submit, withdraw).

The version changes twice: at once, so that the rest of the request (the htmx row's meters) reads the
new figures, and again when the transaction commits, so that a summary another request computed from
the old rows in between is never used. Writes that bypass those rules (the Django shell, a data
migration) show after ``TIMEOUT`` at the latest. The board only displays these figures: every rule
that depends on them reads the rows under the budget's lock (``events.days``).
"""

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

TIMEOUT = 300  # seconds: the longest a figure changed outside the rules stays on the board


def _version_key(event_id: int) -> str:
    return f"events:board:{event_id}:version"


def _summary_key(event_id: int) -> str:
    return f"events:board:{event_id}:summary"


def _bump(event_id: int) -> None:
    try:
        cache.set(_version_key(event_id), uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - a decision never fails for the cache; the figures expire (TIMEOUT)
        logger.warning("The selection board's figures of event %s could not be marked changed", event_id,
                       exc_info=True)


def changed(event_id: int) -> None:
    """The event's applications or budget changed: the cached summary is no longer used."""
    _bump(event_id)
    transaction.on_commit(lambda: _bump(event_id))


def get_or_compute(event_id: int, compute):
    """The event's summary: the cached one if its version is the current one, else ``compute()``,
    cached (one cache round trip when it is there). Without the cache (Redis down), computed."""
    try:
        found = cache.get_many([_version_key(event_id), _summary_key(event_id)])
        version, cached = found.get(_version_key(event_id)), found.get(_summary_key(event_id))
        if version is not None and cached is not None and cached[0] == version:
            return cached[1]
        if version is None:
            cache.add(_version_key(event_id), uuid.uuid4().hex, timeout=None)
            version = cache.get(_version_key(event_id))
    except Exception:  # noqa: BLE001 - the board shows the figures without the cache
        logger.warning("The selection board's cache is unavailable", exc_info=True)
        return compute()
    summary = compute()
    if version is not None:
        try:
            cache.set(_summary_key(event_id), (version, summary), timeout=TIMEOUT)
        except Exception:  # noqa: BLE001
            logger.warning("The selection board's figures could not be cached", exc_info=True)
    return summary
