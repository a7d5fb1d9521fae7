"""``{% portal_result_list cl %}``: Django's ``{% result_list cl %}`` with the rows of
portal/admin_list.py (the same HTML, the same overridable change_list_results.html template)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from portal import admin_list

register = template.Library()


@register.tag(name="portal_result_list")
def portal_result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=admin_list.result_list, template_name="change_list_results.html",
                              takes_context=False)
