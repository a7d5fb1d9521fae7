"""A *generation*: a value in the cache that is drawn afresh whenever what it stands for changes, so
that every entry stored with an older one is retired at once, without finding and deleting it.

The dashboard steps' states (community.steps), the staff's permissions (portal.permissions), the
current edition (community.current_edition) and the survey's cached reads (surveys.caching) each keep
one. A fresh value is random, never an increment: a generation evicted and counted again from 1 could
meet entries from before.
"""

import uuid

from django.core.cache import cache
from django.db import transaction


def now_and_on_commit(action) -> None:
    """Run ``action`` now (this transaction reads its own change afterwards) and again once the
    transaction commits (another request may have stored the state from before the change meanwhile)."""
    action()
    transaction.on_commit(action)


class Generation:
    def __init__(self, key: str, timeout=None):
        self.key = key
        self.timeout = timeout  # None: kept until evicted
        self._last = None  # the value this process read last

    def current(self, found: dict | None = None) -> str:
        """The current value; ``found``: what a ``cache.get_many`` that asked for ``key`` brought back,
        so that an entry and its generation are read in one round trip."""
        value = found.get(self.key) if found is not None else cache.get(self.key)
        if value is None:  # first use, or evicted: a fresh one, so that no older entry matches
            cache.add(self.key, uuid.uuid4().hex, self.timeout)
            value = cache.get(self.key)
        return value

    def renew(self) -> None:
        """What it stands for changed: a fresh value now and again on commit."""
        now_and_on_commit(lambda: cache.set(self.key, uuid.uuid4().hex, self.timeout))

    def current_and_entry(self, key_for) -> tuple[str, object]:
        """The current value and the entry stored under ``key_for(value)`` (None when absent), usually in
        one round trip: the entry of the value this process read last is asked for with the value itself
        (a stale guess only costs the second round trip it would have saved)."""
        guess = self._last
        found = cache.get_many([self.key, key_for(guess)] if guess else [self.key])
        value = self.current(found)
        self._last = value
        entry = found.get(key_for(value)) if value == guess else cache.get(key_for(value))
        return value, entry
