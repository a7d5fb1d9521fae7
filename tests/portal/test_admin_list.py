"""The changelists' rows (portal/admin_list.py) are Django's own, byte for byte, on every admin."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list as django_admin_list
from django.urls import reverse

from community import services
from portal import admin_list

from ..factories import MemberFactory, MembershipInvitationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def rows(results):
    return ["".join(str(cell) for cell in row) for row in results]


def assert_rows_are_djangos(response):
    assert response.status_code == 200
    cl = response.context["cl"]
    ours = rows(admin_list.results(cl))
    assert ours == rows(django_admin_list.results(cl))
    page = response.content.decode()
    for row in ours:  # the page shows these rows (the template calls portal_result_list)
        assert f"<tr>{row}</tr>" in page
    return ours


@pytest.fixture
def some_of_everything(member, pending_member, rejected_member, other_member, staff, edition):
    MemberFactory(organisation=OrganisationFactory(name="A <b>bold</b> & long name " * 4, population=None),
                  user__first_name="", user__last_name="")
    MemberFactory(organisation=member.organisation, job_title=f"Head of {admin_list.PK_MARK}")
    MembershipInvitationFactory(organisation=member.organisation)
    services.members_approve(members=[pending_member], by=staff)  # an audit entry and an outbox row


def test_every_admin_list_shows_djangos_rows(client, superuser, some_of_everything):
    client.force_login(superuser)
    shown = 0
    for model in admin.site._registry:
        opts = model._meta
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        shown += len(assert_rows_are_djangos(response))
    assert shown > 10


@pytest.mark.parametrize("query", [
    {"o": "-2.3"},  # sorted: the headers change, not the rows
    {"status__exact": "approved", "q": "example"},  # preserved in every row's link
    {"q": admin_list.PK_MARK},  # the key's stand-in in the links' query: only the path's is replaced
])
def test_member_list_rows_with_sorting_filters_and_search(client, staff, some_of_everything, query):
    client.force_login(staff)
    response = client.get(reverse("admin:community_member_changelist"), query)
    assert assert_rows_are_djangos(response)
    if "status__exact" in query:
        assert "_changelist_filters=status__exact%3Dapproved%26q%3Dexample" in response.content.decode()


def test_popup_and_editable_lists_are_left_to_django(client, superuser, member, monkeypatch):
    """A popup's links carry data-popup-opener, an editable list's rows hold forms: Django's code."""
    client.force_login(superuser)
    response = client.get(reverse("admin:community_organisation_changelist"), {"_popup": "1", "_to_field": "id"})
    cl = response.context["cl"]
    assert rows(admin_list.results(cl)) == rows(django_admin_list.results(cl))
    assert "data-popup-opener" in response.content.decode()


@pytest.mark.parametrize("url_name", ["admin:community_member_changelist", "admin:community_organisation_changelist",
                                      "admin:mailings_outboxmessage_changelist"])
def test_a_whole_page_is_the_page_of_djangos_own_rows(client, superuser, some_of_everything, monkeypatch, url_name):
    """Rows, their whitespace and everything around them: only the per-request secrets differ."""
    def page():
        html = client.get(reverse(url_name)).content.decode()
        return re.sub(r'(nonce|value)="[A-Za-z0-9+/=_-]{20,}"', r'\1="…"', html)

    client.force_login(superuser)
    ours = page()
    monkeypatch.setattr(admin_list, "_fast_path", lambda cl: False)  # Django's rows, through Django's loop
    djangos = page()
    assert ours == djangos
    assert ours.count("<tr>") > 3


def test_the_admin_site_gives_djangos_context_with_the_app_list_made_when_read(rf, staff):
    from django.contrib.admin import AdminSite

    from portal.admin_site import PortalAdminSite

    assert isinstance(admin.site, PortalAdminSite)
    request = rf.get("/admin/")
    request.user = staff
    ours, djangos = admin.site.each_context(request), AdminSite.each_context(admin.site, request)
    assert ours.keys() == djangos.keys()
    for key in ours.keys() - {"available_apps", "log_entries"}:
        assert ours[key] == djangos[key], key
    assert list(ours["available_apps"]) == djangos["available_apps"]


def test_the_sidebar_follows_the_person_their_permissions_the_language_and_the_page(client, staff, member):
    from django.contrib.auth.models import Permission

    client.force_login(staff)
    members, organisations = (reverse("admin:community_member_changelist"),
                              reverse("admin:community_organisation_changelist"))

    def sidebar(url, **headers):
        html = client.get(url, **headers).content.decode()
        return html[html.index('<nav class="sticky" id="nav-sidebar"'):html.index("</nav>", html.index("nav-sidebar"))]

    first = sidebar(members)
    assert sidebar(members) == first  # kept
    assert 'class="model-member current-model"' in first
    assert 'class="model-organisation current-model"' in sidebar(organisations)  # the page's own model
    client.cookies["django_language"] = "fr"
    assert sidebar(members, HTTP_ACCEPT_LANGUAGE="fr") != first
    client.cookies["django_language"] = "en"
    staff.user_permissions.add(Permission.objects.get(codename="add_edition"))  # already the group's: no change
    assert sidebar(members) == first
    staff.groups.clear()  # no longer the Secretariat: only what the person may still see
    staff.user_permissions.set([Permission.objects.get(codename="view_member")])
    narrow = sidebar(members)
    assert "Organisations" not in narrow and "Members" in narrow


def test_related_objects_met_again_on_the_page_are_djangos(client, superuser, member, other_member):
    """The portraits' list shows each portrait's survey and organisation (a foreign key, written once per
    object and page): the same rows as Django's, with several rows per survey and per organisation."""
    from surveys.models import Portrait
    from tests.surveys.conftest import make_survey

    from ..factories import EditionFactory

    first, second = make_survey(EditionFactory(year=2031)), make_survey(EditionFactory(year=2032))
    for survey in (first, second):
        for organisation in (member.organisation, other_member.organisation):
            Portrait.objects.create(survey=survey, organisation=organisation)
    client.force_login(superuser)
    ours = assert_rows_are_djangos(client.get(reverse("admin:surveys_portrait_changelist")))
    assert len(ours) == 4
