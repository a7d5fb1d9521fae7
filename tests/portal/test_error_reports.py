"""Errors reach the secretariat: a 500 queues one outbox email to ADMINS, rate-limited, never crashing."""

import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from community.views import HomeView
from mailings.error_reports import OutboxErrorHandler
from mailings.models import OutboxMessage

pytestmark = pytest.mark.django_db

ADMINS = [("Ops", "ops@secretariat.example"), ("Lead", "lead@secretariat.example")]


@pytest.fixture
def broken_home(monkeypatch):
    def boom(self, **kwargs):
        raise RuntimeError("the home page is broken")

    monkeypatch.setattr(HomeView, "get_context_data", boom)


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


def reports():
    return OutboxMessage.objects.filter(template="error_report").order_by("recipient")


def test_a_500_queues_one_email_per_admin(settings, broken_home, browser, django_capture_on_commit_callbacks):
    settings.ADMINS = ADMINS
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.get(reverse("home"))
    assert response.status_code == 500
    assert "The secretariat has been told" in response.content.decode()
    rows = list(reports())
    assert [row.recipient for row in rows] == ["lead@secretariat.example", "ops@secretariat.example"]
    assert "Internal Server Error: /" in rows[0].subject
    assert rows[0].sensitive  # a traceback is for ADMINS, not every staff member's preview
    # Delivered (tasks run in-process here) with the traceback; the outbox then keeps no copy of it.
    sent = [m for m in mail.outbox if m.to == ["lead@secretariat.example"]]
    assert len(sent) == 1
    assert "RuntimeError: the home page is broken" in sent[0].body
    assert "GET /" in sent[0].body
    assert rows[0].status == "sent" and rows[0].body_text == ""


def test_the_same_error_again_within_the_window_is_not_emailed(settings, broken_home, browser):
    settings.ADMINS = ADMINS[:1]
    browser.get(reverse("home"))
    browser.get(reverse("home"))
    browser.get(reverse("home") + "?page=2")
    assert reports().count() == 1


def test_a_different_error_is_emailed(settings, broken_home, browser, monkeypatch):
    settings.ADMINS = ADMINS[:1]
    browser.get(reverse("home"))

    def other(self, **kwargs):
        raise KeyError("another")

    monkeypatch.setattr(HomeView, "get_context_data", other)
    browser.get(reverse("home"))
    assert reports().count() == 2


def test_the_same_error_after_the_window_is_emailed_again(settings, broken_home, browser, monkeypatch):
    from django.core.cache import cache

    settings.ADMINS = ADMINS[:1]
    settings.ERROR_REPORT_WINDOW = 1
    browser.get(reverse("home"))
    cache.clear()  # the window passed (the cache key expired)
    # A new window also gives a new dedupe key (time-bucketed): the next bucket.
    import time
    from types import SimpleNamespace

    import mailings.error_reports as error_reports

    later = time.time() + 5
    monkeypatch.setattr(error_reports, "time", SimpleNamespace(time=lambda: later))
    browser.get(reverse("home"))
    assert reports().count() == 2


def test_no_admins_no_email_and_no_crash(settings, broken_home, browser):
    settings.ADMINS = []
    assert browser.get(reverse("home")).status_code == 500
    assert not reports().exists()


def test_a_failing_report_never_raises_nor_recurses(settings, monkeypatch, capsys):
    settings.ADMINS = ADMINS[:1]
    import mailings.services

    calls = []

    def broken_queue(**kwargs):
        calls.append(kwargs)
        logging.getLogger("community").error("logged while reporting")  # would recurse
        raise RuntimeError("database is down")

    monkeypatch.setattr(mailings.services, "mail_queue", broken_queue)
    handler = OutboxErrorHandler()
    logger = logging.getLogger("tests.error_reports")
    logger.addHandler(handler)
    try:
        logger.error("something failed")  # must not raise
    finally:
        logger.removeHandler(handler)
    assert len(calls) == 1  # the error logged inside the report did not start a second report
    assert "database is down" in capsys.readouterr().err  # said on stderr, not swallowed silently
    assert not reports().exists()


def test_mailings_own_errors_are_not_emailed(settings):
    settings.ADMINS = ADMINS[:1]
    handler = OutboxErrorHandler()
    logger = logging.getLogger("mailings.delivery")
    logger.addHandler(handler)
    try:
        logger.error("outbox 1: failed after 8 attempts")
    finally:
        logger.removeHandler(handler)
    assert not reports().exists()


def test_admins_are_read_from_portal_admins():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PORTAL_ADMINS": "Ana García <ana@secretariat.example>, ops@secretariat.example"}
    code = "import config.settings.local as s; print(s.ADMINS)"
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[('Ana García', 'ana@secretariat.example'), ('', 'ops@secretariat.example')]"


def test_djangos_direct_mail_admins_handler_is_off():
    assert not [h for h in logging.getLogger("django").handlers if h.__class__.__name__ == "AdminEmailHandler"]
    assert any(isinstance(h, OutboxErrorHandler) for h in logging.getLogger().handlers)
