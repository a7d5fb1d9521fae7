"""List filters for the staff admin that list only the values in use, under their labels.

Each is a proper ``FieldListFilter``: its parameters are declared (``expected_parameters``), so
``portal.admin_tools.DeclaredLookupsChangeList`` lets them through, and the links they emit stay the
ones Django's own filters emit (``status__exact``, ``template``…), so existing links keep working.
Each costs one ``SELECT DISTINCT`` on the filtered column, whatever the number of rows shown.
"""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChoicesInUseFilter(admin.ChoicesFieldListFilter):
    """A choice field's filter listing only the choices some row has (country: ~250 choices, a
    handful in use), sorted by label. Same parameter as Django's (``<field>__exact``)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        in_use = set(
            model_admin.get_queryset(request).order_by().values_list(field_path, flat=True).distinct()
        )
        self.in_use = sorted(
            ((value, label) for value, label in field.flatchoices if value in in_use),
            key=lambda choice: str(choice[1]).casefold(),
        )

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{i}__c": models.Count(pk_attname, filter=models.Q((self.lookup_kwarg, value)))
            for i, (value, _label) in enumerate(self.in_use)
        }

    def choices(self, changelist):
        facet_counts = self.get_facet_queryset(changelist) if changelist.add_facets else None
        yield {
            "selected": self.lookup_val is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg, self.lookup_kwarg_isnull]),
            "display": _("All"),
        }
        for i, (value, label) in enumerate(self.in_use):
            if facet_counts is not None:
                label = f"{label} ({facet_counts[f'{i}__c']})"
            yield {
                "selected": self.lookup_val is not None and str(value) in self.lookup_val,
                "query_string": changelist.get_query_string(
                    {self.lookup_kwarg: value}, [self.lookup_kwarg_isnull]
                ),
                "display": label,
            }


class LabelledValuesFilter(admin.AllValuesFieldListFilter):
    """Django's "all values" filter (only the values in use, parameter ``<field>``) showing a
    label instead of the stored code. Subclasses define ``label(value)``."""

    def label(self, value):
        return value

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        head, rest = choices[:1], choices[1:]
        for choice in rest:
            if choice["display"] != self.empty_value_display:
                code, _sep, facet = str(choice["display"]).partition(" (")
                choice["display"] = f"{self.label(code)} ({facet}" if facet else self.label(code)
        return head + sorted(rest, key=lambda choice: str(choice["display"]).casefold())


class LanguageFilter(LabelledValuesFilter):
    """"English / French / Spanish", not "en / es / fr"."""

    def label(self, value):
        from django.conf import settings

        return dict(settings.LANGUAGES).get(value, value)
