"""Admin helpers shared by every app."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SafeChangelistMixin:
    """Django's changelist answers 500 to a hand-made selection or date filter that is not a number
    (`_selected_action=abc`, `joined_at__year=99999999999999999999`); answer with a message."""

    def changelist_view(self, request, extra_context=None):
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        dates = [value for key, value in request.GET.items() if key.endswith(("__year", "__month", "__day"))]
        if any(not value.isdigit() or len(value) > 18 for value in selected) or any(
            not value.isdigit() or len(value) > 4 for value in dates
        ):
            self.message_user(request, _("That selection or date is not valid."), messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().changelist_view(request, extra_context)


class CheapActionCheckboxMixin:
    """The changelist's selection checkbox written directly: Django renders a widget template for each
    row (100 template renders per page, a fifth of a 20,000-member list's time). Same HTML."""

    def action_checkbox(self, obj):
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           admin.helpers.ACTION_CHECKBOX_NAME, obj.pk, label)
