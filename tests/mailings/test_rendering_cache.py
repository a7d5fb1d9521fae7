"""mailings.rendering renders a template once per context shape (language, zone, branches) and puts each
recipient's own values in: never another recipient's name or link."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mailings import rendering
from mailings.rendering import render_message

WHEN = datetime(2020, 7, 6, 21, 59, tzinfo=ZoneInfo("UTC"))


def invitation(name, token, **changes):
    return {"first_name": name, "event_title": "Webinar 2020", "event_description": "Green infrastructure.",
            "is_webinar": True, "venue": "", "starts_at": WHEN, "ends_at": WHEN, "updated": False,
            "rsvp_yes_url": f"https://portal.example/rsvp/{token}/?answer=yes",
            "rsvp_no_url": f"https://portal.example/rsvp/{token}/?answer=no",
            "event_url": "https://portal.example/events/1/", **changes}


@pytest.fixture(autouse=True)
def _empty():
    rendering.sources.clear()
    yield
    rendering.sources.clear()


@pytest.fixture
def renders(monkeypatch):
    """The names of the templates rendered by the template engine."""
    seen = []
    original = rendering._render

    def counted(name, context):
        seen.append(name)
        return original(name, context)

    monkeypatch.setattr(rendering, "_render", counted)
    return seen


def test_a_second_recipient_reuses_the_rendering_with_their_own_values(renders):
    ana = render_message(template="event_invitation", context=invitation("Ana", "aaa"), language="en")
    renders.clear()
    bo = render_message(template="event_invitation", context=invitation("Bo <b>", "bbb"), language="en")
    assert renders == []  # subject, body and footer reused
    for part in (bo.text, bo.html):
        assert "rsvp/bbb/?answer=yes" in part and "rsvp/aaa/" not in part and "Ana" not in part
    assert "Bo <b>" in bo.text and "Bo &lt;b&gt;" in bo.html and "Bo <b>" not in bo.html
    # The same email as if it had been rendered on its own.
    rendering.sources.clear()
    assert render_message(template="event_invitation", context=invitation("Bo <b>", "bbb"), language="en") == bo
    assert "rsvp/aaa/?answer=yes" in ana.html


def test_language_zone_and_branches_each_have_their_own_rendering(renders):
    render_message(template="event_invitation", context=invitation("Ana", "a"), language="en")
    french = render_message(template="event_invitation", context=invitation("Ana", "a"), language="fr")
    tokyo = render_message(template="event_invitation", context=invitation("Ana", "a"), language="en",
                           time_zone="Asia/Tokyo")
    updated = render_message(template="event_invitation", context=invitation("Ana", "a", updated=True),
                             language="en")
    no_name = render_message(template="event_invitation", context=invitation("", "a"), language="en")
    assert len(rendering.sources) == 5
    assert "Webinar 2020" in french.text and french.html != tokyo.html != updated.html
    assert "July 7, 2020, 6:59 a.m." in tokyo.text  # 21:59 UTC is the next morning in Tokyo
    assert "Ana" not in no_name.text


def test_the_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(rendering.sources, "size", 2)
    for zone in ["UTC", "Europe/Madrid", "Asia/Tokyo"]:
        render_message(template="event_invitation", context=invitation("Ana", "a"), language="en", time_zone=zone)
    assert len(rendering.sources) == 2
