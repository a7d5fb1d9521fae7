"""``{% portal_result_list cl %}``: Django's ``{% result_list cl %}`` with the rows of
portal/admin_list.py (the same HTML, the same overridable change_list_results.html template); and
``{% portal_sidebar_cache %}``, the admin sidebar kept per process (templates/admin/nav_sidebar.html)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.utils.translation import get_language

from portal import admin_list

register = template.Library()


@register.tag(name="portal_result_list")
def portal_result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=admin_list.result_list, template_name="change_list_results.html",
                              takes_context=False)


# ------------------------------------------------------------------------------ the sidebar
SIDEBARS_KEPT = 512
_sidebars: dict = {}


def _sidebar_key(context):
    """What the sidebar shows depends on: the person and what they may do (their permissions, read from
    the cache the page's own checks filled), the language, and the page (its model is highlighted)."""
    request = context["request"]
    user = request.user
    rights = "superuser" if user.is_superuser else frozenset(user.get_all_permissions())
    return (user.pk, user.is_active, user.is_staff, rights, get_language(), request.path)


class SidebarCacheNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        key = _sidebar_key(context)
        html = _sidebars.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(_sidebars) >= SIDEBARS_KEPT:
                _sidebars.clear()  # a rare reset: each entry is cheap to make again
            _sidebars[key] = html
        return html


@register.tag(name="portal_sidebar_cache")
def portal_sidebar_cache_tag(parser, token):
    """``{% portal_sidebar_cache %}…{% end_portal_sidebar_cache %}``: the admin sidebar (every app and
    model the person may see, ~5 ms of each admin page) made once per person, permissions, language
    and page, and kept in this process (a deploy or restart starts afresh)."""
    nodelist = parser.parse(("end_portal_sidebar_cache",))
    parser.delete_first_token()
    return SidebarCacheNode(nodelist)
