"""Admin helpers shared by every app.

Every ModelAdmin of the portal (third-party ones included: see community/admin.py) uses
``SafeChangelistMixin``, and every one that imports uses ``portal.imports.SafeImportMixin``; a system
check (``portal.E001``/``E002``) and tests/portal/test_admin_lookups.py fail when one does not.
"""

from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR, ChangeList
from django.core.checks import Error, Tags, register
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_display import escaped


class DeclaredLookupsChangeList(ChangeList):
    """A changelist that filters only by what the admin declares.

    Django lets any lookup on a model's own fields through the query string
    (``?body_text__regex=...``): a yes/no oracle on every column, personal links included. Here a
    query-string parameter must be consumed by one of the admin's list filters (their own
    parameters: ``__exact``, ``__isnull``, date ranges, related ids, a SimpleListFilter's name) or
    be the date hierarchy's ``__year/__month/__day``, or a raw-id popup's ``limit_choices_to``;
    anything else is refused as Django refuses a disallowed lookup (400), before any filtered query.
    Search (``q``), ordering, paging, ``_to_field`` and ``_popup`` are not lookups (IGNORED_PARAMS).
    """

    def get_filters(self, request):
        submitted = self.get_filters_params()
        # The list filters take their own parameters out of `remaining`; what is left was not declared.
        filter_specs, has_filters, remaining, may_have_duplicates, has_active_filters = super().get_filters(request)
        hierarchy = self.date_hierarchy
        for key in remaining:
            if hierarchy and f"{hierarchy}__year" in submitted and key in (f"{hierarchy}__gte", f"{hierarchy}__lt"):
                continue  # what the date hierarchy made of __year/__month/__day
            if all(self._popup_lookup(key, value) for value in submitted.get(key, [None])):
                continue
            raise DisallowedModelAdminLookup(f"Filtering by {key} not allowed")
        return filter_specs, has_filters, remaining, may_have_duplicates, has_active_filters

    def _popup_lookup(self, key, value):
        """A raw-id widget's popup filters by the foreign key's limit_choices_to (as Django allows)."""
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (key, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        return False


class SafeChangelistMixin:
    """Used by every ModelAdmin of the project.

    - Filters only by declared lookups (``DeclaredLookupsChangeList``, also used by import-export's
      export, which builds its queryset through ``get_changelist``).
    - Django's changelist answers 500 to a hand-made selection or date filter that is not a number
      (`_selected_action=abc`, `joined_at__year=99999999999999999999`); answer with a message.
    """

    def get_changelist(self, request, **kwargs):
        return DeclaredLookupsChangeList

    def changelist_view(self, request, extra_context=None):
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        dates = [value for key, value in request.GET.items() if key.endswith(("__year", "__month", "__day"))]
        if any(not value.isdigit() or len(value) > 18 for value in selected) or any(
            not value.isdigit() or len(value) > 4 for value in dates
        ):
            self.message_user(request, _("That selection or date is not valid."), messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().changelist_view(request, extra_context)


@register(Tags.admin)
def every_admin_is_guarded(app_configs, **kwargs):
    """A ModelAdmin without SafeChangelistMixin would filter by any lookup, one that imports without
    SafeImportMixin would confirm any file name the browser sends (issue 6, findings 1 and 4)."""
    from import_export.admin import ImportMixin

    from portal.imports import SafeImportMixin

    errors = []
    for model, model_admin in admin.site._registry.items():
        name = f"The admin of {model._meta.label} ({type(model_admin).__qualname__})"
        if not isinstance(model_admin, SafeChangelistMixin):
            errors.append(Error(
                f"{name} does not use SafeChangelistMixin.",
                hint="Register (or re-register, for a third-party admin) a subclass that uses it.",
                obj=type(model_admin), id="portal.E001",
            ))
        if isinstance(model_admin, ImportMixin) and not isinstance(model_admin, SafeImportMixin):
            errors.append(Error(
                f"{name} imports without portal.imports.SafeImportMixin.", obj=type(model_admin), id="portal.E002"
            ))
    return errors


class PageWithCountPaginator(Paginator):
    """The page a list shows and the number of rows in one query (``COUNT(*) OVER ()``), instead of a
    count and then the page.

    For searched lists only (``SearchPageWithCountMixin``): there the database finds every match to
    order them anyway, and counting them again cost a second search (the member search's count was a
    third of its database time). On a whole table a count reads an index, and the window would read
    every row; an empty page (past the last) is counted the usual way."""

    def __init__(self, object_list, per_page, *, page_number, orphans=0, allow_empty_first_page=True):
        super().__init__(object_list, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page)
        self._page_number = page_number
        self.rows = None  # the planned page's rows, once counted

    @cached_property
    def count(self):
        bottom = (self._page_number - 1) * self.per_page
        # A page number from the query string may be anything: past 2**31 rows (and past what a database
        # takes as an OFFSET) it is counted the usual way, then refused as Paginator refuses it.
        if self.orphans or not 0 <= bottom < 2**31:
            return super().count
        rows = list(self.object_list.annotate(rows_in_all_pages=Window(Count("*")))[bottom:bottom + self.per_page])
        if not rows:
            return super().count
        self.rows = rows
        return rows[0].rows_in_all_pages

    def page(self, number):
        number = self.validate_number(number)
        if self.rows is not None and number == self._page_number:
            return self._get_page(self.rows, number, self)
        return super().page(number)


class SearchPageWithCountMixin:
    """A ModelAdmin whose searched lists read their page and its count in one query
    (``PageWithCountPaginator``)."""

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if not request.GET.get(SEARCH_VAR):
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        try:
            page_number = int(request.GET.get(PAGE_VAR, 1))
        except ValueError:
            page_number = 1  # as the ChangeList reads it
        paginator = PageWithCountPaginator(queryset, per_page, page_number=page_number, orphans=orphans,
                                           allow_empty_first_page=allow_empty_first_page)
        request.searched_list_paginator = paginator
        return paginator

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # A list that fits on one page is read by Django's ChangeList again, whole: the paginator's rows
        # are that list already (the only page with rows is the first).
        paginator = getattr(request, "searched_list_paginator", None)
        if paginator is not None and paginator.rows is not None and not changelist.multi_page:
            changelist.result_list = paginator.rows
        return changelist


class CheapActionCheckboxMixin:
    """The changelist's selection checkbox written directly: Django renders a widget template for each
    row (100 template renders per page, a fifth of a 20,000-member list's time). Same HTML."""

    def action_checkbox(self, obj):
        # format_html's output, written with escaped() (one per row: format_html's lazy escaping cost more).
        label = gettext("Select this object for an action - {}").format(escaped(str(obj)))
        return SafeString(f'<input type="checkbox" name="{escaped(admin.helpers.ACTION_CHECKBOX_NAME)}" '
                          f'value="{escaped(obj.pk)}" class="action-select" aria-label="{label}">')


class StreamedExportMixin:
    """An admin's "export" view: the changelist as it is filtered and searched, streamed as CSV or
    XLSX (``portal.exports``). Set ``export_name`` (the file's stem) and define
    ``export_csv(queryset)`` / ``export_xlsx(queryset)``; the URL is ``admin:<app>_<model>_export``."""

    export_name = "export"

    def get_urls(self):
        from django.urls import path

        opts = self.model._meta
        export = path("export/", self.admin_site.admin_view(self.export_view),
                      name=f"{opts.app_label}_{opts.model_name}_export")
        return [export, *super().get_urls()]

    def export_view(self, request):
        from django.contrib import messages
        from django.contrib.admin.options import IncorrectLookupParameters
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponseRedirect
        from django.urls import reverse
        from django.utils import timezone
        from django.utils.translation import gettext as _

        from .exports import FORMATS, export_response

        if not self.has_view_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        changelist_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        fmt = request.GET.get("format")
        if fmt not in FORMATS:
            self.message_user(request, _("Choose CSV or XLSX to export."), messages.ERROR)
            return HttpResponseRedirect(changelist_url)
        request.GET = request.GET.copy()
        del request.GET["format"]  # the rest is the changelist's own filters and search
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            self.message_user(request, _("That selection or date is not valid."), messages.ERROR)
            return HttpResponseRedirect(changelist_url)
        return export_response(fmt, filename=f"{self.export_name}-{timezone.localdate():%Y-%m-%d}.{fmt}",
                               csv=lambda: self.export_csv(queryset), xlsx=lambda: self.export_xlsx(queryset))
