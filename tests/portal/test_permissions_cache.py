"""portal.permissions: a staff request reads its permissions from the cache, and a change of group,
grant or membership takes effect on the very next request."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import SECRETARIAT_GROUP, User

pytestmark = pytest.mark.django_db

MEMBERS = "admin:community_member_changelist"


def permission_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    return status, [q["sql"] for q in queries if "auth_permission" in q["sql"]]


def fresh(user):
    return User.objects.get(pk=user.pk)  # a new request's user: nothing kept on the object


def test_a_second_staff_request_reads_no_permission(client, staff):
    client.force_login(staff)
    url = reverse(MEMBERS)
    assert permission_queries(client, url)[0] == 200
    assert permission_queries(client, url) == (200, [])
    assert fresh(staff).has_perm("community.view_member")


def test_leaving_the_group_takes_effect_on_the_next_request(client, staff):
    client.force_login(staff)
    url = reverse(MEMBERS)
    assert client.get(url).status_code == 200
    staff.groups.remove(Group.objects.get(name=SECRETARIAT_GROUP))
    assert client.get(url).status_code == 403
    assert not fresh(staff).has_perm("community.view_member")


def test_a_permission_taken_from_the_group_or_given_to_the_user_takes_effect_at_once(staff):
    group = Group.objects.get(name=SECRETARIAT_GROUP)
    view_member = Permission.objects.get(codename="view_member", content_type__app_label="community")
    assert fresh(staff).has_perm("community.view_member")
    group.permissions.remove(view_member)
    assert not fresh(staff).has_perm("community.view_member")
    staff.user_permissions.add(view_member)
    assert fresh(staff).has_perm("community.view_member")
    staff.user_permissions.clear()
    assert not fresh(staff).has_perm("community.view_member")


def test_superuser_and_inactive_users(staff):
    assert not fresh(staff).has_perm("auth.delete_group")
    User.objects.filter(pk=staff.pk).update(is_superuser=True)  # no signal: the key holds the flag
    assert fresh(staff).has_perm("auth.delete_group")
    User.objects.filter(pk=staff.pk).update(is_active=False, is_superuser=False)
    assert fresh(staff).get_all_permissions() == set()


def test_the_permissions_come_in_one_round_trip_with_their_generation(staff, monkeypatch):
    """The generation this process read last is asked for with the generation: one cache read, and a
    change (a new generation) is still seen at once, with a second read."""
    from django.core.cache import cache

    from portal import permissions

    reads, inside = [], []

    def counted(name, real):
        def read(*args, **kwargs):
            if not inside:  # LocMemCache's get_many calls get for each key: one round trip on Redis
                reads.append(name)
            inside.append(name)
            try:
                return real(*args, **kwargs)
            finally:
                inside.pop()
        return read

    for name in ("get", "get_many"):
        monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    assert fresh(staff).has_perm("community.view_member")  # fills the entry
    reads.clear()
    assert fresh(staff).has_perm("community.view_member")
    assert reads == ["get_many"]
    permissions.permissions_changed()
    Group.objects.get(name=SECRETARIAT_GROUP).permissions.clear()
    assert not fresh(staff).has_perm("community.view_member")
