"""The list cells written without format_html (portal/admin_display.py) are format_html's, byte for byte."""

import pytest
from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, override

from community.admin import MemberAdmin, OrganisationAdmin
from community.models import Member, Organisation
from portal.admin_display import escaped, truncated

TRICKY = ['plain', '<b>bold</b> & "quoted" \'single\'', mark_safe("<i>already safe</i>"), gettext_lazy("name"), 42, ""]


@pytest.mark.parametrize("value", TRICKY)
def test_escaped_is_format_htmls_escaping(value):
    assert escaped(value) == format_html("{}", value)


@pytest.mark.parametrize("value", TRICKY[:-1])
@pytest.mark.parametrize("css_class", ["", "portal-quiet"])
def test_truncated_is_the_format_html_it_replaced(value, css_class):
    expected = format_html('<span class="portal-truncate {}" title="{}">{}</span>', css_class, value, value)
    assert truncated(value, css_class=css_class) == expected
    assert hasattr(truncated(value, css_class=css_class), "__html__")  # safe: the template does not escape it


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_selection_checkbox_is_the_format_html_it_replaced(member, language):
    member.user.first_name = 'Zoé <script>"'
    organisation = Organisation(pk=7, name="A & B <c>", country="FR")
    for model, model_admin, obj in ((Member, MemberAdmin, member), (Organisation, OrganisationAdmin, organisation)):
        with override(language):
            label = format_html(gettext("Select this object for an action - {}"), str(obj))
            expected = format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                                   admin.helpers.ACTION_CHECKBOX_NAME, obj.pk, label)
            assert model_admin(model, admin.site).action_checkbox(obj) == expected


@pytest.mark.django_db
def test_the_member_and_organisation_cells_are_the_format_html_they_replaced(member):
    from django.urls import reverse

    member.user.first_name, member.user.email = 'Zoé <script>"', "a&b@example.org"
    expected = format_html("{}<br>{}", truncated(member.full_name),
                           truncated(member.user.email, css_class="portal-quiet"))
    assert MemberAdmin(Member, admin.site).full_name(member) == expected
    organisation = Organisation(pk=7, name="A & B")
    organisation.member_count = 12
    expected = format_html('<a href="{}?organisation__id__exact={}">{}</a>',
                           reverse("admin:community_member_changelist"), 7, 12)
    assert OrganisationAdmin(Organisation, admin.site).member_count(organisation) == expected
