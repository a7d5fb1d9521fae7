from django import template

from community.staff import staff_pages, staff_pages_for_changelist

register = template.Library()


@register.simple_tag
def staff_pages_for(user, changelist=None):
    """The staff pages this user may see; with ``changelist`` ("app_label.model_name"), only those
    that relate to that list."""
    if changelist:
        return staff_pages_for_changelist(user, changelist)
    return staff_pages.visible_to(user)
