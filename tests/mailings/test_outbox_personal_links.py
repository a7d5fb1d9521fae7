"""Issue 6, finding 1 (second half): a personal link is not kept once it went out."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from community import services as community_services
from mailings import delivery, services
from mailings.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_connection():
    delivery.mail_connection.close()
    yield
    delivery.mail_connection.close()


def test_a_sent_password_reset_keeps_only_what_shows_it_went_out(
    client, staff, superuser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": superuser.email})
    assert "/accounts/password/reset/key/" in mail.outbox[0].body  # the person got the link
    row = OutboxMessage.objects.get(recipient=superuser.email)
    assert (row.status, row.sensitive, row.body_text, row.body_html) == (OutboxStatus.SENT, True, "", "")
    assert row.subject and row.template == "account/password_reset_key" and row.sent_at
    client.force_login(staff)
    page = client.get(reverse("admin:mailings_outboxmessage_change", args=[row.pk])).content.decode()
    assert "Content removed after sending (it contained a personal link)." in page
    assert row.subject in page


def test_an_invitation_body_is_removed_once_sent(staff, organisation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        community_services.membership_invite(email="guest@example.org", organisation=organisation, by=staff)
    assert "/join/" in mail.outbox[0].body
    row = OutboxMessage.objects.get(recipient="guest@example.org")
    assert row.status == OutboxStatus.SENT and row.body_text == "" and row.body_html == ""


def test_an_ordinary_email_keeps_its_body(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = services.mail_queue(
            to="ana@amb.example", template="membership_approved", dedupe_key="ordinary",
            context={"first_name": "Ana", "organisation_name": "AMB", "dashboard_url": "http://x/dashboard/"},
        )
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and "Ana" in row.body_text and row.body_html


def _sensitive_row(key="reset:1"):
    return services.mail_queue_rendered(
        to="ana@amb.example", subject="Reset", body_text="http://x/accounts/password/reset/key/abc/",
        body_html="<a href='http://x/accounts/password/reset/key/abc/'>x</a>", dedupe_key=key, language="en",
        template="account/password_reset_key",
    )


def test_a_failed_attempt_keeps_the_body_for_the_next_one():
    row = _sensitive_row()
    connection = mock.MagicMock()
    connection.send_messages.side_effect = smtplib.SMTPResponseException(451, b"try later")
    with mock.patch("mailings.delivery.get_connection", return_value=connection):
        delivery.outbox_deliver(message_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutboxStatus.QUEUED and "/reset/key/abc/" in row.body_text


def test_the_database_refuses_a_sent_personal_link_with_its_body():
    row = _sensitive_row()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxStatus.SENT, sent_at=row.created_at)


def test_resending_a_sent_personal_link_is_refused_with_a_clear_message(
    client, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = _sensitive_row("reset:sent")
        failed = _sensitive_row("reset:failed")
        OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxStatus.CANCELLED)  # before delivery
    sent.refresh_from_db()
    assert sent.status == OutboxStatus.SENT and len(mail.outbox) == 1
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:mailings_outboxmessage_changelist"),
            {"action": "resend", "_selected_action": [sent.pk, failed.pk]},
            follow=True,
        )
    page = response.content.decode()
    assert "1 email queued again." in page
    assert "carried a personal link and was sent: its content was removed" in page
    assert "asks for a new link" in page
    sent.refresh_from_db()
    failed.refresh_from_db()
    assert sent.status == OutboxStatus.SENT and sent.body_text == ""
    assert failed.status == OutboxStatus.SENT  # the one that still had its body went out
    assert len(mail.outbox) == 2 and "/reset/key/abc/" in mail.outbox[1].body


@pytest.mark.django_db(transaction=True)
def test_the_migration_blanks_personal_links_sent_before_it():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before, after = [("mailings", "0002_outbox_sensitive")], [("mailings", "0003_outbox_sent_personal_link_removed")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("mailings", "OutboxMessage")
    now = timezone.now()
    common = {"recipient": "a@example.org", "language": "en", "template": "t", "subject": "s",
              "body_html": "<a>/key/abc</a>", "status": "sent", "sent_at": now}
    old.objects.create(dedupe_key="personal", body_text="/key/abc", sensitive=True, **common)
    old.objects.create(dedupe_key="ordinary", body_text="hello", sensitive=False, **common)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        rows = {row.dedupe_key: row for row in OutboxMessage.objects.all()}
    finally:
        # Back to the latest state of every app (later migrations may depend on this one).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert (rows["personal"].body_text, rows["personal"].body_html, rows["personal"].subject) == ("", "", "s")
    assert rows["ordinary"].body_text == "hello"


# The HTTP attack of 2026-11-29: a reminder's page in the admin showed its recipient's preference and
# unsubscribe links (header and body), which work without signing in; the Secretariat is not trusted
# with them (the preference admin hides the same secret).
def test_staff_read_a_reminder_without_its_preference_and_unsubscribe_links(client, staff):
    from datetime import UTC, datetime

    row = services.mail_queue(to="ana@amb.example", template="test_event", dedupe_key="reminder", essential=False,
                              context={"title": "Green infrastructure", "starts_at": datetime(2020, 7, 16, tzinfo=UTC)})
    secret = services.preferences_token("ana@amb.example")
    assert secret in row.body_text and secret in row.body_html and secret in row.headers["List-Unsubscribe"]
    client.force_login(staff)
    page = client.get(reverse("admin:mailings_outboxmessage_change", args=[row.pk])).content.decode()
    assert secret not in page
    assert "Green infrastructure" in page  # the preview is still there
    assert "/mail/preferences/…/" in page and "List-Unsubscribe: &lt;http://" in page and "/mail/unsubscribe/…/" in page


def test_personal_links_masked_cuts_only_the_links_secrets():
    text = ("Turn reminders off: https://portal.example/mail/preferences/Ab-c_9/ "
            "<a href=\"https://portal.example/mail/unsubscribe/Zz_1-\">x</a> /events/7/ /mail/other/keep/")
    assert services.personal_links_masked(text) == (
        "Turn reminders off: https://portal.example/mail/preferences/…/ "
        "<a href=\"https://portal.example/mail/unsubscribe/…/\">x</a> /events/7/ /mail/other/keep/")
