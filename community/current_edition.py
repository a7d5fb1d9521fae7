"""The current edition (``Edition.objects.current()``) kept in the cache: the home page and every
member's dashboard ask for it, and it changes a few times a year.

An entry is stored under the generation it was read in; saving or deleting any edition draws a new
generation (now and again on commit), so no request ever gets an edition older than the last write,
even one that read the table just before the write and stored it just after. The entry comes back
with the generation in one cache round trip on most requests (``Generation.current_and_entry``).
An entry also lives at most ``TIMEOUT`` seconds, and its key names the model's fields, so a deploy that
changes them never reads an older entry.
"""

import zlib

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from portal.generations import Generation

from .models import Edition

GENERATION = Generation("community:edition:generation")
TIMEOUT = 300
NONE = "none"  # no edition at all: cached too (the cache's get gives None for a missing key)

def _key(generation) -> str:
    fields = ",".join(field.attname for field in Edition._meta.concrete_fields)
    return f"community:edition:current:{zlib.crc32(fields.encode()):x}:{generation}"


def current_edition() -> Edition | None:
    generation, entry = GENERATION.current_and_entry(_key)
    if isinstance(entry, Edition):
        return entry
    if entry == NONE:
        return None
    edition = Edition.objects.current()
    cache.set(_key(generation), NONE if edition is None else edition, TIMEOUT)
    return edition


def _edition_written(sender, **kwargs):
    GENERATION.renew()


post_save.connect(_edition_written, sender=Edition, dispatch_uid="community-current-edition-saved")
post_delete.connect(_edition_written, sender=Edition, dispatch_uid="community-current-edition-deleted")
