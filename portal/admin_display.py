"""How the staff lists show long text and dates: on one line, so the key columns fit at 1280 px
(tests/community/test_browser_admin_lists.py). The full value stays on the detail page."""

import functools
import html

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import get_language


def escaped(value) -> str:
    """``conditional_escape(value)`` without its lazy wrappers, for the cells written on every row of a
    list (hundreds a page): Django's ``escape`` is ``html.escape(str(value))``, and a safe string is
    kept as it is. ``format_html`` of these is an f-string of them (tests/portal/test_admin_display.py)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def truncated(text, *, css_class=""):
    """Long text in a list cell: one line cut with an ellipsis by static/css/admin.css, the full text
    in the title (shown on hover) and on the detail page."""
    if not text:
        return "—"
    text = escaped(text)
    return SafeString(f'<span class="portal-truncate {escaped(css_class)}" title="{text}">{text}</span>')


def short_date(value, *, with_time=False):
    """"28/11/2026" (or "11/28/2026 12:33 p.m.") in the page's language, not "Nov. 28, 2026, 12:33 p.m."."""
    if value is None:
        return "—"
    value = timezone.localtime(value)
    if with_time:
        return date_format(value, "SHORT_DATETIME_FORMAT")
    # A list's rows share few days (100 members joined over a week): each is formatted once.
    return _short_date(value.date(), get_language())


@functools.lru_cache(maxsize=512)
def _short_date(day, language):
    return date_format(day, "SHORT_DATE_FORMAT")
