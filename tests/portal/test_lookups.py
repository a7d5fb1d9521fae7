"""portal.lookups.InArray: the same rows as ``__in`` a subquery, written for an index scan on PostgreSQL."""

import pytest
from django.db import connection
from django.db.models import Q

from community.models import Member, User
from portal.lookups import InArray

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_in_array_finds_what_in_finds_and_is_written_for_the_database():
    wanted, also, other = MemberFactory(job_title="x"), MemberFactory(job_title="y"), MemberFactory(job_title="z")
    people = User.objects.filter(pk__in=[wanted.user_id, also.user_id])  # User's default ordering kept
    matching = Member.objects.filter(Q(InArray("user_id", people)) | Q(job_title="z"))
    assert set(matching) == set(Member.objects.filter(Q(user_id__in=people) | Q(job_title="z"))) \
        == {wanted, also, other}
    assert set(Member.objects.filter(InArray("user_id", people.filter(pk=wanted.user_id)))) == {wanted}

    sql = str(matching.query)
    if connection.vendor == "postgresql":
        assert '"community_member"."user_id" = ANY(ARRAY(SELECT' in sql
    else:
        assert '"community_member"."user_id" IN (SELECT' in sql
    assert "ORDER BY" not in sql.partition("ARRAY")[2].partition(")) OR")[0]
    assert "ORDER BY" not in sql.partition(" IN (SELECT")[2].partition(") OR")[0]
