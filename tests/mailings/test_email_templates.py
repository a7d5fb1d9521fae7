"""Each email written once (issue #7, item 7): one Markdown template gives the text and the HTML
part, values cannot inject markup, one footer, one button style, every email in EN/FR/ES."""

import re
from collections import Counter
from datetime import datetime
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.html import strip_tags

from mailings.rendering import BUTTON_STYLE, render_message

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates" / "mailings"
# Every email: a folder with a subject and a Markdown body (account emails under account/).
EMAILS = sorted(str(p.parent.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("body.md"))
WHEN = datetime(2020, 7, 6, 21, 59, tzinfo=ZoneInfo("UTC"))

# One context holding every name any email uses.
CONTEXT = {
    "first_name": "Ana", "organisation_name": "Área Metropolitana de Barcelona", "email": "ana@amb.example",
    "site_name": "City Managers Community", "dashboard_url": "https://portal.example/dashboard/",
    "accept_url": "https://portal.example/join/abc/", "valid_days": 14, "reason": "Not a city manager.",
    "summary": "ZeroDivisionError", "logger": "django.request", "request_line": "GET /dashboard/", "user_id": 7,
    "when": WHEN, "details": "Traceback (most recent call last):\n  ZeroDivisionError", "survey_title": "Portrait 2020",
    "submitted_at": WHEN, "closes_at": WHEN, "portrait_url": "https://portal.example/portrait/1/",
    "sections": [{"title": "Mobility", "items": [{"question": "Main challenge?", "answer": "Congestion"}]}],
    "activate_url": "https://portal.example/confirm/k/", "password_reset_url": "https://portal.example/reset/k/",
    "signup_url": "https://portal.example/signup/", "code": "", "from_email": "a@x.example",
    "to_email": "b@x.example", "deleted_email": "c@x.example", "ip": "192.0.2.1", "user_agent": "Firefox",
    "timestamp": WHEN, "days": 7, "started": True,
    "event_title": "Webinar 2020", "event_description": "Green infrastructure.", "is_webinar": True, "venue": "",
    "starts_at": WHEN, "ends_at": WHEN, "updated": False, "rsvp_yes_url": "https://portal.example/rsvp/t/?answer=yes",
    "rsvp_no_url": "https://portal.example/rsvp/t/?answer=no", "event_url": "https://portal.example/events/1/",
    "is_selected": True, "is_waitlisted": False, "confirm_by": WHEN, "pass_granted": True, "nights_granted": 2,
    "euros_granted": "450.00",
    "application_url": "https://portal.example/events/2/application/",
}
NASTY = '<script>alert(1)</script> **bold** [link](http://x) <b>b</b> _it_'


def html_words(html: str) -> Counter:
    """The words a reader sees in the body and the footer (not the header bar or the title)."""
    cells = re.findall(r'<td style="padding:(?:24px|16px 24px);[^"]*">(.*?)</td>', html, re.S)
    return words(unescape(strip_tags("\n".join(cells))))


def strings(value):
    """Every string in a context, however nested."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [text for item in value for text in strings(item)] if isinstance(value, list) else []


def words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", re.sub(r"https?://\S+", " ", text)))


def test_every_email_is_tested():
    assert "membership_approved" in EMAILS and "account/password_reset_key" in EMAILS
    assert len(EMAILS) >= 20
    assert not list(TEMPLATES_DIR.rglob("body.html")) and not list(TEMPLATES_DIR.rglob("body.txt"))


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("template", EMAILS)
def test_every_email_renders_in_each_language(template, language):
    rendered = render_message(template=template, context=CONTEXT, language=language)
    english = render_message(template=template, context=CONTEXT, language="en")
    assert rendered.subject and "\n" not in rendered.subject
    for part in (rendered.text, rendered.html):
        assert "{{" not in part and "{%" not in part
        assert not re.search(r"mv[0-9a-f]{12}n\d+z", part), "a value token was left in"
    assert f'lang="{language}"' in rendered.html
    if language != "en":
        assert rendered.subject != english.subject, f"{template}: subject not translated to {language}"
        # No English sentence left (lines made of the context's own values aside).
        values = [line for value in strings(CONTEXT) for line in value.splitlines() if line.strip()]
        untranslated = [
            line for line in english.text.splitlines()
            if len(re.findall(r"[A-Za-z]{2,}", line)) >= 2 and not any(v in line for v in values)
            and line in rendered.text.splitlines()
        ]
        assert not untranslated, f"{template} in {language}: {untranslated}"


@pytest.mark.parametrize("template", EMAILS)
def test_one_template_gives_text_and_html_with_the_same_words(template):
    rendered = render_message(template=template, context=CONTEXT, language="fr")
    assert words(rendered.text) == html_words(rendered.html)
    assert words(rendered.text)["secrétariat"] >= 1


def test_values_cannot_inject_markdown_or_html_in_either_part():
    context = {
        **CONTEXT, "first_name": NASTY, "reason": NASTY,
        "sections": [{"title": NASTY, "items": [{"question": NASTY, "answer": NASTY}]}],
        "dashboard_url": 'https://portal.example/d/?a=1&b="><script>x</script>',
    }
    for template in ("membership_approved", "membership_rejected", "portrait_submitted"):
        rendered = render_message(template=template, context=context, language="en")
        assert NASTY in rendered.text  # plain text: the characters themselves, nothing added
        html = rendered.html
        assert "<script>" not in html and "<b>" not in html
        assert "<strong>bold</strong>" not in html and "<em>it</em>" not in html
        assert 'href="http://x"' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold** [link](http://x) &lt;b&gt;b&lt;/b&gt; _it_" in html
    approved = render_message(template="membership_approved", context=context, language="en").html
    assert 'href="https://portal.example/d/?a=1&amp;b=&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in approved


def test_footer_and_button_appear_once_in_each_part():
    rendered = render_message(template="membership_approved", context=CONTEXT, language="en")
    for part in (rendered.text, rendered.html):
        assert part.count("City Managers Community — secretariat") == 1
        assert part.count("Questions? Write to the secretariat at") == 1
    assert rendered.text.count("See your next steps this year: https://portal.example/dashboard/") == 1
    assert rendered.html.count(BUTTON_STYLE) == 1
    assert re.search(r'<a href="https://portal.example/dashboard/" style="[^"]*">See your next steps this year</a>',
                     rendered.html)
    assert "\n-- \n" in rendered.text  # the signature separator mail clients fold away


def test_reminders_footer_links_to_the_preferences_in_both_parts():
    url = "https://portal.example/email-preferences/secret/"
    rendered = render_message(template="membership_approved", context={**CONTEXT, "preferences_url": url},
                              language="es")
    with translation.override("es"):
        label = translation.gettext("Turn reminders off")
    assert f"{label}: {url}" in rendered.text
    assert f'<a href="{url}" style="color:#0b5c73;">{label}</a>' in rendered.html


def test_a_context_value_that_is_not_plain_is_refused():
    with pytest.raises(TypeError):
        render_message(template="membership_approved", context={**CONTEXT, "first_name": object()}, language="en")


def test_no_email_body_or_subject_compares_a_value_with_a_string():
    """In a body or a subject every string value is a token (mailings.rendering.MailValues): ``{% if
    decision == "selected" %}`` never matches there. Branch on booleans the caller computes instead."""
    comparing = re.compile(r"{%\s*(?:el)?if\b[^%]*(?:==|!=|\bin\b)[^%]*%}")
    offenders = [str(path.relative_to(TEMPLATES_DIR)) for path in [*TEMPLATES_DIR.rglob("*.md"),
                                                                   *TEMPLATES_DIR.rglob("subject.txt")]
                 if comparing.search(path.read_text())]
    assert offenders == []


def test_the_text_part_shows_no_markdown_stars_of_its_own():
    """The walk of 2026-11-29: "**City Managers Days 2020**" stood with its stars in the plain text."""
    rendered = render_message(template="days_application_received", language="fr", context={
        "first_name": "Ana **Bold**", "event_title": "City Managers Days 2020", "application_url": "https://x/a/",
        "changeable_until": None})
    assert "**City Managers Days 2020**" not in rendered.text and "City Managers Days 2020" in rendered.text
    assert "Ana **Bold**" in rendered.text  # a value stays as typed
    assert "<strong>City Managers Days 2020</strong>" in rendered.html


def test_a_buttons_text_in_french_has_a_space_before_its_colon():
    rendered = render_message(template="membership_approved", context=CONTEXT, language="fr")
    assert re.search(r"\S : https?://", rendered.text) and not re.search(r"\S: https?://", rendered.text)
