"""A searched admin list reads its page and its count in one query (portal.admin_tools.PageWithCountPaginator)."""

import pytest
from django.core.paginator import EmptyPage
from django.urls import reverse

from community.admin import MemberAdmin
from community.models import Member
from portal.admin_tools import PageWithCountPaginator

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(db):
    return [MemberFactory(user__last_name="Okafor") for _ in range(5)]


def test_the_planned_page_and_the_count_come_in_one_query(five, django_assert_num_queries):
    paginator = PageWithCountPaginator(Member.objects.order_by("pk"), 2, page_number=2)
    with django_assert_num_queries(1):
        assert paginator.count == 5
        assert list(paginator.page(2).object_list) == five[2:4]
    assert paginator.num_pages == 3
    # Another page is read as Paginator reads it.
    with django_assert_num_queries(1):
        assert list(paginator.page(3).object_list) == five[4:]


@pytest.mark.parametrize("page_number", [0, -1, 4, 99, 10**22])
def test_a_page_outside_the_list_is_counted_the_usual_way(five, page_number):
    paginator = PageWithCountPaginator(Member.objects.order_by("pk"), 2, page_number=page_number)
    assert paginator.count == 5
    with pytest.raises(EmptyPage):
        paginator.page(page_number)


def test_an_empty_search_counts_nothing(db):
    paginator = PageWithCountPaginator(Member.objects.order_by("pk"), 2, page_number=1)
    assert paginator.count == 0
    assert list(paginator.page(1).object_list) == []


def test_searched_member_list_pages_with_their_count(client, staff, five, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(MemberAdmin, "list_per_page", 2)
    client.force_login(staff)
    url = reverse("admin:community_member_changelist")
    newest_first = sorted(five, key=lambda member: (member.joined_at, member.pk), reverse=True)
    pages = []
    for page in (1, 2, 3):
        cl = client.get(url, {"q": "okafor", "p": page}).context["cl"]
        assert cl.result_count == 5 and cl.multi_page
        pages.append(list(cl.result_list))
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    for past_the_last in (4, 10**22):  # as Django answers
        assert client.get(url, {"q": "okafor", "p": past_the_last}).status_code == 302
    # The whole list (no search) is counted as Django counts it: a window would read every row.
    assert client.get(url, {"p": 1}).context["cl"].result_count == Member.objects.count()


def test_a_search_that_fits_on_one_page_is_read_once(client, staff, five):
    """Django's ChangeList reads a one-page list again, whole; the paginator's rows are that list."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        cl = client.get(reverse("admin:community_member_changelist"), {"q": "okafor"}).context["cl"]
    assert cl.result_count == 5 and not cl.multi_page
    assert sorted(member.pk for member in cl.result_list) == sorted(member.pk for member in five)
    searches = [q["sql"] for q in queries.captured_queries if "OKAFOR" in q["sql"].upper()]
    assert len(searches) == 1, searches
