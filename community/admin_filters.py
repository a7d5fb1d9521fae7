"""The community admin's own list filters (the generic ones are in config/admin_filters.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class InvitationStateFilter(admin.SimpleListFilter):
    """"Pending / Accepted", not Django's "Empty / Not empty". It keeps the parameter of the empty-field
    filter it replaces (``accepted_at__isempty=1``: the to-do page links to it)."""

    title = _("state")
    parameter_name = "accepted_at__isempty"

    def lookups(self, request, model_admin):
        return [("1", _("Pending (not used yet)")), ("0", _("Accepted"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(accepted_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(accepted_at__isnull=False)
        return queryset
