"""The current edition kept in the cache (community.current_edition): read once, and every write to
an edition shows on the very next read."""

import pytest
from django.urls import reverse
from django.utils import translation

from community.current_edition import current_edition
from community.models import Edition, EditionStatus

from ..factories import EditionFactory

pytestmark = pytest.mark.django_db


def test_read_once_then_from_the_cache(django_assert_num_queries):
    edition = EditionFactory(year=2021)
    with django_assert_num_queries(1):  # the open edition (Edition.objects.current())
        assert current_edition() == edition
    with django_assert_num_queries(0):
        assert current_edition() == edition


def test_no_edition_is_cached_too(django_assert_num_queries):
    assert current_edition() is None
    with django_assert_num_queries(0):
        assert current_edition() is None
    edition = EditionFactory(year=2022)
    assert current_edition() == edition


@pytest.mark.parametrize("write", ["save", "update", "delete", "bulk_create"])
def test_every_write_shows_on_the_next_read(write):
    old = EditionFactory(year=2020)
    assert current_edition() == old
    if write == "save":
        new = EditionFactory(year=2021)
        expected = new
    elif write == "update":
        Edition.objects.filter(pk=old.pk).update(status=EditionStatus.CLOSED, year=2019)
        expected = Edition.objects.get(pk=old.pk)
    elif write == "delete":
        old.delete()
        expected = None
    else:
        Edition.objects.bulk_create([Edition(year=2024, theme_en="Water", status=EditionStatus.OPEN)])
        expected = Edition.objects.get(year=2024)
    current = current_edition()
    assert current == expected
    if expected is not None:
        assert (current.year, current.status) == (expected.year, expected.status)


def test_an_entry_stored_before_a_write_is_never_read_after_it():
    """A request that read the table before a write and stores its result after it: the entry is
    under the generation it read, which the write retired."""
    from django.core.cache import cache

    from community import current_edition as module

    old = EditionFactory(year=2020)
    generation = module.GENERATION.current()
    new = EditionFactory(year=2021)  # the write: a new generation
    cache.set(module._key(generation), old, module.TIMEOUT)  # the late store of what was read before
    assert current_edition() == new


def test_the_cached_edition_speaks_the_readers_language(client, member):
    EditionFactory(year=2020, theme_en="Green infrastructure", theme_fr="Infrastructures vertes",
                   theme_es="Infraestructura verde")
    with translation.override("en"):
        assert current_edition().theme == "Green infrastructure"
    with translation.override("fr"):
        assert current_edition().theme == "Infrastructures vertes"
    client.force_login(member.user)
    member.preferred_language = "es"
    member.save()
    assert "Infraestructura verde" in client.get(reverse("community:dashboard")).content.decode()
