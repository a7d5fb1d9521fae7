"""The organisations awaiting confirmation, as the members list's organisation filter lists them
(``admin.OrganisationFilter``), kept in the cache: every page of the members list asked the database
for them, and they change only when an organisation is proposed, confirmed, renamed, merged or deleted.

An entry is stored under the generation it was read in; any write to an organisation draws a new
generation, now and again on commit: saves and deletes through the signals below, bulk writes through
``OrganisationQuerySet.bulk_written``. An entry also lives at most ``TIMEOUT`` seconds.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from portal.generations import Generation

from .models import Organisation

GENERATION = Generation("community:organisations:generation")
TIMEOUT = 300
LIMIT = 50  # the filter's links: an organisation further down is reached from the organisations' list


def _key(generation) -> str:
    return f"community:organisations:proposed:{generation}"


def proposed_organisation_choices() -> list[tuple[str, str]]:
    """(pk, label) of the first ``LIMIT`` proposed organisations by name."""
    generation, entry = GENERATION.current_and_entry(_key)
    if entry is not None:
        return entry
    organisations = Organisation.objects.proposed().only("name", "country").order_by("name")[:LIMIT]
    choices = [(str(o.pk), str(o)) for o in organisations]  # str() shows the name and country code
    cache.set(_key(generation), choices, TIMEOUT)
    return choices


def _organisation_written(sender, **kwargs):
    GENERATION.renew()


post_save.connect(_organisation_written, sender=Organisation, dispatch_uid="community-organisation-saved")
post_delete.connect(_organisation_written, sender=Organisation, dispatch_uid="community-organisation-deleted")
