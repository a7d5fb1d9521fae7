"""The proposed organisations kept in the cache for the members list's organisation filter
(community.proposed_organisations): read once, and every write to an organisation shows on the very
next read."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from community import proposed_organisations as module
from community.models import Organisation, OrganisationStatus
from community.proposed_organisations import proposed_organisation_choices

from ..factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def labels():
    return [label for _pk, label in proposed_organisation_choices()]


def test_read_once_then_from_the_cache(django_assert_num_queries):
    OrganisationFactory(name="Proposed Town", country="PT", status=OrganisationStatus.PROPOSED)
    OrganisationFactory(name="Member City", status=OrganisationStatus.MEMBER)
    with django_assert_num_queries(1):
        assert labels() == ["Proposed Town (PT)"]
    with django_assert_num_queries(0):
        assert labels() == ["Proposed Town (PT)"]


@pytest.mark.parametrize("write", ["save", "rename", "update", "delete", "bulk_create"])
def test_every_write_shows_on_the_next_read(write):
    town = OrganisationFactory(name="Proposed Town", country="PT", status=OrganisationStatus.PROPOSED)
    assert labels() == ["Proposed Town (PT)"]
    if write == "save":
        OrganisationFactory(name="Another Town", country="PT", status=OrganisationStatus.PROPOSED)
        expected = ["Another Town (PT)", "Proposed Town (PT)"]
    elif write == "rename":
        town.name = "Renamed Town"
        town.save()
        expected = ["Renamed Town (PT)"]
    elif write == "update":  # confirmed in bulk: no signal, the queryset's hook
        Organisation.objects.filter(pk=town.pk).update(status=OrganisationStatus.MEMBER)
        expected = []
    elif write == "delete":
        town.delete()
        expected = []
    else:
        Organisation.objects.bulk_create([Organisation(name="Bulk Town", country="PT", region="europe", kind="city",
                                                       status=OrganisationStatus.PROPOSED)])
        expected = ["Bulk Town (PT)", "Proposed Town (PT)"]
    assert labels() == expected


def test_an_entry_stored_before_a_write_is_never_read_after_it():
    """A request that read the table before a write and stores its result after it: the entry is
    under the generation it read, which the write retired."""
    town = OrganisationFactory(name="Proposed Town", country="PT", status=OrganisationStatus.PROPOSED)
    before = proposed_organisation_choices()
    generation = module.GENERATION.current()
    Organisation.objects.filter(pk=town.pk).update(status=OrganisationStatus.MEMBER)  # the write
    cache.set(module._key(generation), before, module.TIMEOUT)  # the late store of what was read before
    assert proposed_organisation_choices() == []


def test_the_members_list_reads_them_from_the_cache(client, staff, django_assert_max_num_queries):
    """The filter still lists the proposed organisations (where staff act), one query fewer on each
    page after the first; a newly proposed one shows on the next page."""
    OrganisationFactory(name="Proposed Town", country="PT", status=OrganisationStatus.PROPOSED)
    MemberFactory()
    client.force_login(staff)
    url = reverse("admin:community_member_changelist")
    client.get(url)
    with django_assert_max_num_queries(10) as first:
        body = client.get(url).content.decode()
    assert "Proposed Town (PT)" in body
    assert not any("community_organisation" in query["sql"] and "ORDER BY" in query["sql"]
                   and '"status" = ' in query["sql"] for query in first.captured_queries)
    OrganisationFactory(name="Newer Town", country="ES", status=OrganisationStatus.PROPOSED)
    assert "Newer Town (ES)" in client.get(url).content.decode()
