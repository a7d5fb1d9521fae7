"""Render an email from one template: its words written once, in Markdown, give both parts.

``mailings/<template>/subject.txt`` is the subject; ``mailings/<template>/body.md`` is the body,
a Django template whose output is Markdown. The text part is that Markdown as it reads; the HTML
part is the same Markdown rendered to HTML inside ``mailings/layout.html``. ``mailings/footer.md``
is the one footer of every email, rendered the same way.

Values from the context never reach the Markdown parser: each string is swapped for an opaque token
before the templates run (the subject's too: templates branch on booleans, never on a string), and
the token is replaced afterwards by the value itself in the text part and by the HTML-escaped value
in the HTML part. So ``**bold**``, ``[link](http://x)`` or ``<script>`` in a name stays those
characters in both parts. A string whose context name ends in ``_url`` becomes a link in HTML.
``{% button url label %}`` and ``{% link url label %}`` (from ``{% load mail %}``) write a link as a
button (or a plain link) in HTML and as "Label: URL" in text; ``{% preformatted value %}`` keeps a
block (a traceback) as it is.
"""

import datetime
import decimal
import functools
import re
import secrets
import threading
import zoneinfo
from dataclasses import dataclass

import markdown
from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import mark_safe

from portal.lru import ProcessLRU

# Markdown's own extensions only: a line break in the template is a line break in both parts.
MARKDOWN_EXTENSIONS = ["nl2br", "sane_lists"]
BUTTON_STYLE = (
    "display:inline-block;background:#0b5c73;color:#ffffff;padding:10px 16px;border-radius:4px;"
    "text-decoration:none;font-weight:bold;"
)
LINK_STYLE = "color:#0b5c73;"
_parsers = threading.local()


@functools.lru_cache(maxsize=512)
def markdown_to_html(source: str) -> str:
    """Markdown to HTML with one parser per thread, reset between documents (building a parser cost
    more than converting an email). Cached: the Markdown holds tokens, not values, and the tokens are
    the same for every rendering of a process, so 10,000 invitations in three languages convert a
    handful of distinct sources."""
    parser = getattr(_parsers, "markdown", None)
    if parser is None:
        parser = _parsers.markdown = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS)
    return parser.reset().convert(source)

PRE_STYLE = "white-space:pre-wrap;font-size:12px;"
_PLAIN = (int, float, decimal.Decimal, datetime.date, datetime.time, datetime.timedelta, bool, type(None))


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Value:
    kind: str  # "text", "url", "button", "link", "pre"
    value: str
    label: str = ""


# Random per process: no template text contains it. The same for every rendering, so that the
# Markdown of two renderings with the same branches is the same string (markdown_to_html's cache).
_NONCE = "mv" + secrets.token_hex(6)
_TOKEN = re.compile(r"mv[0-9a-f]{12}n\d+z")
_BLOCK_TOKEN = re.compile(r"<p>(mv[0-9a-f]{12}n\d+z)</p>")


class MailValues:
    """The values of one rendering, each behind a token that Markdown leaves alone (letters and
    digits only, with a random part that no template text contains)."""

    def __init__(self):
        self._nonce = _NONCE
        self._values: dict[str, _Value] = {}
        # The tags' calls, in order, with their arguments (tokens or the template's own words): a
        # rendering reused from the cache makes them again with its own values (render_message).
        self.tag_calls: list[tuple[str, str, str]] = []

    def token(self, kind: str, value: str, label: str = "") -> str:
        token = f"{self._nonce}n{len(self._values)}z"
        self._values[token] = _Value(kind, value, label)
        return token

    def tag_token(self, kind: str, value, label="") -> str:
        """A tag's token (button, link, preformatted), from its arguments."""
        value, label = "" if value is None else str(value), "" if label is None else str(label)
        self.tag_calls.append((kind, value, label))
        return self.token(kind, self.raw(value), self.raw(label))

    def raw(self, value) -> str:
        """The value behind a token (a tag's argument), or the argument itself."""
        value = str(value) if value is not None else ""
        found = self._values.get(value)
        return found.value if found else value

    def wrap(self, value, name: str = ""):
        """Swap every string in a context (nested in dicts, lists, tuples) for its token."""
        if isinstance(value, str | Promise):
            text = str(value)
            return self.token("url" if name.endswith("_url") else "text", text) if text else ""
        if isinstance(value, dict):
            return {key: self.wrap(item, str(key)) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.wrap(item) for item in value]
        if isinstance(value, _PLAIN):
            return value
        raise TypeError(f"email context value {name!r} must be a plain value, not {type(value).__name__}")

    # One shape for every rendering's tokens, compiled once (a pattern per rendering was compiled
    # for each email); a token of another rendering (never seen in practice) is left as it is.
    def as_text(self, source: str) -> str:
        return _TOKEN.sub(lambda match: self._swap(match.group(), self._text), source)

    def as_html(self, html: str) -> str:
        # A block (button, preformatted) alone in its paragraph replaces the paragraph.
        html = _BLOCK_TOKEN.sub(
            lambda match: self._swap(match.group(1), lambda item: self._html(item, block=True), match.group()),
            html,
        )
        return _TOKEN.sub(lambda match: self._swap(match.group(), lambda item: self._html(item, block=False)), html)

    def _swap(self, token: str, render, original: str | None = None) -> str:
        item = self._values.get(token)
        return render(item) if item is not None else (original if original is not None else token)

    @staticmethod
    def _text(item: _Value) -> str:
        if item.kind in ("button", "link"):
            # French puts a space before the colon: "Confirmer ma place : https://…".
            return translation.gettext("%(label)s: %(url)s") % {"label": item.label, "url": item.value}
        return item.value

    @staticmethod
    def _html(item: _Value, *, block: bool) -> str:
        value, label = escape(item.value), escape(item.label)
        if item.kind == "url":
            return f'<a href="{value}" style="{LINK_STYLE}">{value}</a>'
        if item.kind == "link":
            return f'<a href="{value}" style="{LINK_STYLE}">{label}</a>'
        if item.kind == "button":
            button = f'<a href="{value}" style="{BUTTON_STYLE}">{label}</a>'
            return f'<p style="margin:24px 0;">{button}</p>' if block else button
        if item.kind == "pre":
            return f'<pre style="{PRE_STYLE}">{value}</pre>'
        return value.replace("\n", "<br>\n")


def render_message(*, template: str, context: dict, language: str, time_zone: str = "UTC") -> RenderedMessage:
    """Render ``mailings/<template>/{subject.txt,body.md}`` and the footer, in the recipient's
    language and time zone."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    context = {
        "portal_base_url": settings.PORTAL_BASE_URL,
        "portal_contact_email": settings.PORTAL_CONTACT_EMAIL,
        "time_zone_name": str(zone),
        **context,
    }
    values = MailValues()
    wrapped = values.wrap(context)
    with translation.override(language), timezone.override(zone):
        subject, body, footer, html, tag_calls = _sources(template, language, str(zone), wrapped, values)
        for kind, value, label in tag_calls:  # a reused rendering: the same tokens for this one's values
            values.token(kind, values.raw(value), values.raw(label))
        text = f"{_tidy(values.as_text(_plain(body)))}\n\n-- \n{_tidy(values.as_text(_plain(footer)))}\n"
    return RenderedMessage(subject=one_line(values.as_text(subject)), text=text, html=values.as_html(html))


# The subject, body, footer and HTML layout of a rendering, with tokens in place of the values, by the shape of
# its context: every string is a token numbered in order, so two renderings whose plain values (the
# booleans, numbers and dates the templates branch on) and whose strings' places are the same give
# the same sources. 10,000 invitations then render a few dozen times (language, zone, branches), not
# 10,000 times. In the process: a deploy (new templates, new translations) starts afresh.
sources = ProcessLRU(256)


def _sources(template, language, zone_name, wrapped, values):
    key = (template, language, zone_name, repr(wrapped))
    found = sources.get(key)
    if found is not None:
        return found
    subject = _render(f"mailings/{template}/subject.txt", {**wrapped, "mail_values": values})
    body = _render(f"mailings/{template}/body.md", {**wrapped, "mail_values": values})
    footer = _render("mailings/footer.md", {**wrapped, "mail_values": values})
    html = get_template("mailings/layout.html").render({
        "body": mark_safe(markdown_to_html(body)),  # noqa: S308 - tokens only: the values come in after
        "footer": mark_safe(markdown_to_html(footer)),  # noqa: S308
    })
    # What is returned for the first rendering makes no tag call again (its values already hold them).
    sources.set(key, (subject, body, footer, html, tuple(values.tag_calls)))
    return subject, body, footer, html, ()


def _render(name: str, context: dict) -> str:
    # No HTML escaping: the subject is a header and the body is Markdown (values are tokens there).
    return get_template(name).template.render(Context(context, autoescape=False))


def _plain(markdown: str) -> str:
    """The text part reads as the HTML part does: **bold** without its stars. On the template's own
    words only (the values are still tokens here: what a person typed is never changed)."""
    return re.sub(r"\*\*(\S(?:.*?\S)?)\*\*", r"\1", markdown)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def one_line(subject: str) -> str:
    """A header can hold no line break: a subject is one line, however it was written."""
    return " ".join(subject.split())
