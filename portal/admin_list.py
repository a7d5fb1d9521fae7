"""The changelist's rows, written with the work of each column done once per page.

Django's ``items_for_result`` resolves every column again for every row (is it a field, an admin
method, a link? which classes, which empty value?), reverses the change URL and merges the preserved
filters into it for every row, and renders a static-file URL for every yes/no icon: about half of a
100-row staff list's time (bench/staff_inprocess.py). ``results`` below decides all that once per
column and per page, then writes each row as one string. The HTML is Django's, byte for byte
(tests/portal/test_admin_list.py compares both on every registered admin); editable lists
(``list_editable``), popups and non-integer keys go through Django's own code.

Used by every changelist: templates/admin/change_list.html calls ``{% portal_result_list cl %}``
(portal/templatetags/portal_admin_list.py) instead of ``{% result_list cl %}``.
"""

import datetime

from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# The values whose cell depends on the value alone (and on the page's language and time zone); not
# Decimal or float: 1.0 and 1.00 are equal and shown differently.
SHOWN_ONCE = {bool, type(None), int, str, datetime.date, datetime.datetime, datetime.time}
PK_MARK = "9182736450918273645"  # stands for each row's key in the change URL reversed once per page


class _Column:
    """What Django's items_for_result works out for a column on each row, worked out once."""

    def __init__(self, cl, index, field_name, first_link):
        admin = cl.model_admin
        self.name = field_name
        self.link = first_link
        self.admin_empty = self.empty = admin.get_empty_value_display()
        classes = [f"field-{admin_list._coerce_field_name(field_name, index)}"]
        self.plain_class_attrib = mark_safe(f' class="{classes[0]}"')
        self.field, self.attr, self.method = None, None, None
        self.resolved = True
        try:
            self.field = admin_utils._get_non_gfk_field(cl.lookup_opts, field_name)
        except (FieldDoesNotExist, admin_utils.FieldIsAForeignKeyColumnName):
            if callable(field_name):
                self.attr = self.method = field_name
            elif hasattr(admin, field_name) and field_name != "__str__":
                self.attr = self.method = getattr(admin, field_name)
            else:
                self.resolved = False  # a model attribute or a lookup path: lookup_field for each row
        f = self.field
        if self.resolved:
            self.empty = getattr(self.attr, "empty_value_display", self.empty)
        self.computed = f is None or f.auto_created
        if self.computed:
            if field_name == "action_checkbox":
                classes = ["action-checkbox"]
            self.boolean = getattr(self.attr, "boolean", False)
            if isinstance(self.attr, property) and hasattr(self.attr, "fget"):
                self.boolean = getattr(self.attr.fget, "boolean", False)
        elif isinstance(f, (models.DateField, models.TimeField, models.ForeignKey)):
            classes.append("nowrap")
        # A foreign key shown as its object's str() (display_for_field has no other case for it).
        self.related = (f is not None and not self.computed and isinstance(f, models.ForeignKey)
                        and not getattr(f, "flatchoices", None))
        self.classes = classes
        self.class_attrib = mark_safe(f' class="{" ".join(classes)}"')
        self.nowrap_class_attrib = mark_safe(f' class="{" ".join([*classes, "nowrap"])}"')
        self.shown = {}

    def cell(self, cl, result):
        """The cell's HTML (escaped) and its class attribute, as items_for_result makes them."""
        attr, empty = self.attr, self.empty
        try:
            if self.method is not None:
                value = self.method(result)
            elif self.resolved:
                value = getattr(result, self.name)
            else:  # the field is None for every row: lookup_field fails alike on one model
                _f, attr, value = admin_utils.lookup_field(self.name, result, cl.model_admin)
                empty = getattr(attr, "empty_value_display", empty)
        except ObjectDoesNotExist:
            return conditional_escape(self.admin_empty), self.plain_class_attrib
        if isinstance(value, str) and value.strip() == "":
            value = ""
        f = self.field
        if self.computed:
            boolean = self.boolean
            if not self.resolved:
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
            nowrap = isinstance(value, (datetime.date, datetime.time))
            class_attrib = self.nowrap_class_attrib if nowrap else self.class_attrib
            if type(value) is SafeString and not boolean:
                return value, class_attrib  # an admin method's HTML: display_for_value and escaping keep it as is
            if type(value) not in SHOWN_ONCE:
                return conditional_escape(admin_utils.display_for_value(value, empty, boolean)), class_attrib
            key = (type(value), value, empty, boolean)
        else:
            if isinstance(f.remote_field, models.ManyToOneRel):
                field_val = getattr(result, f.name)
                return conditional_escape(empty if field_val is None else field_val), self.class_attrib
            class_attrib = self.class_attrib
            if self.related and value is not None and value.pk is not None:
                # A related object met again on the page (the same survey on every row) is shown as the first
                # time: the rows come from one query, so the same key holds the same object.
                key = (type(value), value.pk)
            elif type(value) not in SHOWN_ONCE:
                return conditional_escape(admin_utils.display_for_field(value, f, empty, avoid_link=self.link)), \
                    class_attrib
            else:
                key = (type(value), value)
        # A value met again on the page (a status, a yes/no icon, a date) is shown as the first time:
        # its label translated, its date formatted, its icon's static() URL made once per page.
        if key not in self.shown:
            if self.computed:
                shown = admin_utils.display_for_value(value, empty, boolean)
            else:
                shown = admin_utils.display_for_field(value, f, empty, avoid_link=self.link)
            self.shown[key] = conditional_escape(shown)
        return self.shown[key], class_attrib


def _fast_path(cl):
    return (not cl.formset and not cl.is_popup and type(cl).url_for_result is ChangeList.url_for_result
            and isinstance(cl.lookup_opts.pk, models.AutoField | models.BigAutoField | models.SmallAutoField))


def results(cl):
    """Rows as admin_list.results yields them, each as a one-item list holding the whole row."""
    if not _fast_path(cl):
        yield from admin_list.results(cl)
        return
    display_links = cl.list_display_links
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        link = display_links is not None and ((first and not display_links) or name in display_links)
        if link:
            first = False
        columns.append(_Column(cl, index, name, link))
    try:
        url_pattern = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts},
                                            cl.url_for_result(_Marked(cl.lookup_opts.pk.attname)))
    except NoReverseMatch:
        url_pattern = None  # Django shows the text without a link
    if url_pattern is not None:
        url_head, _mark, url_tail = url_pattern.partition(PK_MARK)  # the first one is the path's
    pk_attname = cl.lookup_opts.pk.attname
    for result in cl.result_list:
        cells, first = [], True
        for column in columns:
            html, class_attrib = column.cell(cl, result)
            if column.link:
                tag = "th" if first else "td"
                first = False
                if url_pattern is not None:
                    url = f"{url_head}{getattr(result, pk_attname)}{url_tail}"
                    html = f'<a href="{conditional_escape(url)}">{html}</a>'
                cells.append(f"<{tag}{class_attrib}>{html}</{tag}>")
            else:
                cells.append(f"<td{class_attrib}>{html}</td>")
        yield admin_list.ResultList(None, [mark_safe("".join(cells))])


class _Marked:
    """A stand-in row for ChangeList.url_for_result: its key is PK_MARK."""

    def __init__(self, attname):
        setattr(self, attname, int(PK_MARK))


def result_list(cl):
    """admin_list.result_list with the rows above."""
    headers = list(admin_list.result_headers(cl))
    rows = list(results(cl))
    fast = _fast_path(cl)
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows,
        # templates/admin/change_list_results.html writes these as its loop would write the rows.
        "rows_html": mark_safe("".join(f"\n\n<tr>{row[0]}</tr>\n" for row in rows)) if fast else None,
    }
