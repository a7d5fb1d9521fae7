"""Render an email from one template set, in the recipient's language and time zone."""

import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def render_message(*, template: str, context: dict, language: str, time_zone: str = "UTC") -> RenderedMessage:
    """Render ``mailings/<template>/{subject.txt,body.txt,body.html}``.

    Values in ``context`` are escaped in the HTML part; the text part is plain text.
    """
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    context = {"portal_base_url": settings.PORTAL_BASE_URL, "time_zone_name": str(zone), **context}
    with translation.override(language), timezone.override(zone):
        subject = render_to_string(f"mailings/{template}/subject.txt", context)
        text = render_to_string(f"mailings/{template}/body.txt", context)
        html = render_to_string(f"mailings/{template}/body.html", context)
    return RenderedMessage(subject=one_line(subject), text=text, html=html)


def one_line(subject: str) -> str:
    """A header can hold no line break: a subject is one line, however it was written."""
    return " ".join(subject.split())
