"""The outbox: rendering, dedupe, transactions, retries, the sweeper, preferences and the admin."""

import smtplib
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from mailings import delivery, services
from mailings.models import MailPreference, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

WEBINAR = datetime(2020, 7, 16, 14, 0, tzinfo=ZoneInfo("UTC"))


def queue(key="test:1", to="ana@amb.example", template="test_event", essential=True, **kwargs):
    context = kwargs.pop("context", {"title": "Green infrastructure", "starts_at": WEBINAR})
    return services.mail_queue(
        to=to, template=template, context=context, dedupe_key=key, essential=essential, **kwargs
    )


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run what was queued on commit (the send task, in-process)."""

    def _send(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _send


# ------------------------------------------------------------------------------ rendering
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_rendering_in_each_language(send, language):
    send(
        services.mail_queue,
        to="ana@amb.example",
        template="membership_approved",
        context={"first_name": "Ana", "organisation_name": "AMB", "dashboard_url": "http://x/dashboard/"},
        dedupe_key=f"lang:{language}",
        language=language,
    )
    (message,) = mail.outbox
    with translation.override(language):
        expected_subject = gettext("Your membership of the City Managers Community is approved")
    assert message.subject == expected_subject
    row = OutboxMessage.objects.get()
    assert row.language == language
    assert f'lang="{language}"' in row.body_html
    if language != "en":
        assert expected_subject != "Your membership of the City Managers Community is approved", (
            f"no {language} translation compiled"
        )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Madrid", "16 July 2020 16:00 (Europe/Madrid)"),
        ("America/Mexico_City", "16 July 2020 09:00 (America/Mexico_City)"),
        ("Asia/Seoul", "16 July 2020 23:00 (Asia/Seoul)"),
    ],
)
def test_times_in_recipient_zone_with_zone_named(zone, expected):
    row = queue(key=f"tz:{zone}", time_zone=zone)
    assert expected in row.body_text
    assert expected in row.body_html


def test_unknown_time_zone_falls_back_to_utc_named():
    row = queue(time_zone="Mars/Base")
    assert "16 July 2020 14:00 (UTC)" in row.body_text


def test_user_values_escaped_in_html_not_in_text():
    row = queue(context={"title": '<script>alert("x")</script>', "starts_at": WEBINAR})
    assert "<script>" not in row.body_html
    assert "&lt;script&gt;" in row.body_html
    assert '<script>alert("x")</script>' in row.body_text


def test_subject_is_one_line_even_with_newlines_in_values():
    row = queue(context={"title": "a\nBcc: evil@example.org", "starts_at": WEBINAR})
    assert "\n" not in row.subject


# ------------------------------------------------------------------------------ outbox rules
def test_dedupe_key_adds_nothing_the_second_time(send):
    first = send(queue, key="webinar-invite:7")
    second = send(queue, key="webinar-invite:7", context={"title": "Other", "starts_at": WEBINAR})
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["X-Portal-Dedupe-Key"] == "webinar-invite:7"


def test_rolled_back_transaction_writes_and_sends_nothing(send):
    def work():
        with transaction.atomic():
            queue(key="rolled-back")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        send(work)
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_row_is_written_in_the_callers_transaction_and_sent_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = queue()
    assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.QUEUED
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert row.sent_at is not None
    assert row.attempts == 1
    assert len(mail.outbox) == 1


def test_attachments_are_sent(send):
    calendar = services.Attachment("webinar.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    send(queue, attachments=[calendar])
    (message,) = mail.outbox
    assert message.attachments[0][0] == "webinar.ics"
    assert message.attachments[0][2].startswith("text/calendar")


def test_scheduled_email_waits_until_due(send):
    later = timezone.now() + timedelta(hours=1)
    row = send(queue, send_at=later)
    row.refresh_from_db()
    assert row.status == OutboxStatus.QUEUED
    assert mail.outbox == []


# ------------------------------------------------------------------------------ reminders and preferences
def test_reminder_carries_unsubscribe_header_and_link(send):
    send(queue, essential=False)
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/mail/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/mail/preferences/" in message.body


def test_essential_email_has_no_unsubscribe(send):
    send(queue, essential=True)
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert "/mail/preferences/" not in mail.outbox[0].body


def test_reminders_turned_off_are_recorded_not_sent_but_essential_still_goes(send):
    services.preferences_set(email="ANA@amb.example", reminders=False)
    reminder = send(queue, key="reminder", essential=False)
    decision = send(queue, key="decision", essential=True)
    reminder.refresh_from_db()
    decision.refresh_from_db()
    assert reminder.status == OutboxStatus.CANCELLED
    assert "turned these emails off" in reminder.last_error
    assert decision.status == OutboxStatus.SENT
    assert [m.extra_headers["X-Portal-Dedupe-Key"] for m in mail.outbox] == ["decision"]


def test_preferences_page_turns_reminders_off_and_on(client):
    url = services.preferences_url("ana@amb.example").removeprefix(settings.PORTAL_BASE_URL)
    response = client.get(url)
    assert response.status_code == 200
    assert "ana@amb.example" in response.content.decode()
    client.post(url, {})
    assert not services.reminders_enabled("ana@amb.example")
    client.post(url, {"reminders": "on"})
    assert services.reminders_enabled("ana@amb.example")


def test_one_click_unsubscribe_without_csrf_token(client):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    url = services.unsubscribe_url("ana@amb.example").removeprefix(settings.PORTAL_BASE_URL)
    response = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert MailPreference.objects.get(email="ana@amb.example").reminders is False


def test_preferences_form_needs_csrf(client):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    url = services.preferences_url("ana@amb.example").removeprefix(settings.PORTAL_BASE_URL)
    assert csrf_client.post(url, {}).status_code == 403
    assert services.reminders_enabled("ana@amb.example")


@pytest.mark.parametrize("path", ["/mail/preferences/forged/", "/mail/unsubscribe/forged/"])
def test_tampered_preferences_link(client, path):
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert not MailPreference.objects.exists()


# ------------------------------------------------------------------------------ failures and retries
def failing_backend(error):
    connection = mock.MagicMock()
    connection.send_messages.side_effect = error
    return mock.patch("mailings.delivery.get_connection", return_value=connection)


@pytest.fixture(autouse=True)
def _fresh_connection():
    delivery.mail_connection.close()
    yield
    delivery.mail_connection.close()


def test_temporary_error_schedules_a_retry_with_backoff():
    row = queue()
    with failing_backend(smtplib.SMTPResponseException(451, b"try later")):
        result = delivery.outbox_deliver(message_id=row.pk)
    row.refresh_from_db()
    assert result.outcome == "retry"
    assert row.status == OutboxStatus.QUEUED
    assert row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert 0 < result.retry_in <= settings.OUTBOX_RETRY_BASE_SECONDS


def test_connection_refused_is_temporary():
    row = queue()
    with failing_backend(ConnectionRefusedError(111, "Connection refused")):
        assert delivery.outbox_deliver(message_id=row.pk).outcome == "retry"


def test_permanent_error_fails_at_once():
    row = queue()
    with failing_backend(smtplib.SMTPRecipientsRefused({"ana@amb.example": (550, b"no such user")})):
        result = delivery.outbox_deliver(message_id=row.pk)
    row.refresh_from_db()
    assert result.outcome == "failed"
    assert row.status == OutboxStatus.FAILED
    assert "550" in row.last_error


def test_fails_after_the_last_attempt(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    row = queue()
    outcomes = []
    with failing_backend(smtplib.SMTPServerDisconnected("gone")):
        for _ in range(3):
            OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
            outcomes.append(delivery.outbox_deliver(message_id=row.pk).outcome)
    row.refresh_from_db()
    assert outcomes == ["retry", "retry", "failed"]
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 3


def test_not_due_or_already_sent_rows_are_skipped(send):
    row = queue(send_at=timezone.now() + timedelta(minutes=5))
    assert delivery.outbox_deliver(message_id=row.pk).outcome == "skipped"
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.outbox_deliver(message_id=row.pk).outcome == "sent"
    assert delivery.outbox_deliver(message_id=row.pk).outcome == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("attempt", range(1, 20))
def test_every_retry_delay_stays_below_the_visibility_timeout(attempt):
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert 0 < delivery.retry_delay(attempt) <= settings.OUTBOX_MAX_COUNTDOWN < visibility


def test_retry_delays_grow_and_are_jittered():
    firsts = {round(delivery.retry_delay(1), 3) for _ in range(20)}
    assert len(firsts) > 1  # jitter
    assert max(delivery.retry_delay(1) for _ in range(50)) <= settings.OUTBOX_RETRY_BASE_SECONDS
    assert min(delivery.retry_delay(5) for _ in range(50)) >= settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** 4 / 2


# ------------------------------------------------------------------------------ sweeper
def test_sweeper_takes_up_rows_left_sending_by_a_dead_worker(send):
    row = queue()
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENDING, attempts=1,
        sending_started_at=timezone.now() - timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT + 1),
    )
    result = send(delivery.outbox_sweep)
    row.refresh_from_db()
    assert result["revived"] == 1
    assert row.status == OutboxStatus.SENT
    assert row.attempts == 2
    assert len(mail.outbox) == 1


def test_sweeper_leaves_recent_sending_rows_alone(send):
    row = queue()
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxStatus.SENDING, sending_started_at=timezone.now())
    assert send(delivery.outbox_sweep)["revived"] == 0
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENDING
    assert mail.outbox == []


def test_sweeper_requeues_due_rows_whose_task_was_lost(send):
    row = queue()  # its on-commit task never ran: lost
    OutboxMessage.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE + 1)
    )
    assert send(delivery.outbox_sweep)["queued"] == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT


def test_beat_schedule_defines_the_sweeper():
    from config.celery_app import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "mailings.tasks.sweep_outbox" in tasks
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


# ------------------------------------------------------------------------------ admin
@pytest.fixture
def outbox_rows(send):
    sent = send(queue, key="sent")
    failed = queue(key="failed")
    OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxStatus.FAILED, last_error="550 no")
    sending = queue(key="sending", to="bob@example.org")
    OutboxMessage.objects.filter(pk=sending.pk).update(status=OutboxStatus.SENDING, sending_started_at=timezone.now())
    return {"sent": sent, "failed": failed, "sending": sending}


def test_admin_lists_filters_and_searches(client, staff, outbox_rows):
    client.force_login(staff)
    url = reverse("admin:mailings_outboxmessage_changelist")
    assert [r.dedupe_key for r in client.get(url, {"status__exact": "failed"}).context["cl"].result_list] == [
        "failed"
    ]
    assert [r.dedupe_key for r in client.get(url, {"status__exact": "sending"}).context["cl"].result_list] == [
        "sending"
    ]
    assert [r.dedupe_key for r in client.get(url, {"q": "bob@"}).context["cl"].result_list] == ["sending"]
    queue(key="other-template", template="membership_approved",
          context={"first_name": "A", "organisation_name": "B", "dashboard_url": "http://x/"})
    # The template filter's own parameter (as its sidebar link has it); template__exact is not declared.
    by_template = client.get(url, {"template": "membership_approved"}).context["cl"].result_list
    assert [r.dedupe_key for r in by_template] == ["other-template"]


def test_admin_preview_and_index_failed_count(client, staff, outbox_rows):
    client.force_login(staff)
    response = client.get(reverse("admin:mailings_outboxmessage_change", args=[outbox_rows["sent"].pk]))
    assert response.status_code == 200
    assert "srcdoc=" in response.content.decode()
    index = client.get("/admin/").content.decode()
    assert "1 email could not be sent." in index


def test_admin_resend_and_cancel(client, staff, outbox_rows, django_capture_on_commit_callbacks):
    client.force_login(staff)
    url = reverse("admin:mailings_outboxmessage_changelist")
    failed = outbox_rows["failed"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "resend", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.SENT
    assert failed.dedupe_key == "failed"
    assert OutboxMessage.objects.filter(dedupe_key="failed").count() == 1

    queued = queue(key="to-cancel")
    client.post(url, {"action": "cancel", "_selected_action": [queued.pk, outbox_rows["sent"].pk]})
    queued.refresh_from_db()
    assert queued.status == OutboxStatus.CANCELLED
    outbox_rows["sent"].refresh_from_db()
    assert outbox_rows["sent"].status == OutboxStatus.SENT


def test_outbox_is_staff_only(client, member, outbox_rows):
    client.force_login(member.user)
    response = client.get(reverse("admin:mailings_outboxmessage_changelist"))
    assert response.status_code == 302


def test_staff_cannot_delete_outbox_rows(client, staff, outbox_rows):
    client.force_login(staff)
    pk = outbox_rows["sent"].pk
    assert client.post(reverse("admin:mailings_outboxmessage_delete", args=[pk]), {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("size", [3, 30])
def test_outbox_changelist_query_count_is_constant(client, staff, size, django_assert_max_num_queries):
    for i in range(size):
        queue(key=f"bulk:{i}")
    client.force_login(staff)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("admin:mailings_outboxmessage_changelist")).status_code == 200


# ------------------------------------------------------------------------------ the batch path
def requests_for(n, prefix="many", essential=True):
    return [
        services.MailRequest(
            to=f"p{i}@example.org", template="test_event", context={"title": "T", "starts_at": WEBINAR},
            dedupe_key=f"{prefix}:{i}", essential=essential,
        )
        for i in range(n)
    ]


def test_mail_queue_many_writes_rows_and_sends_in_batches(send, settings):
    settings.OUTBOX_BATCH_SIZE = 4
    added = send(services.mail_queue_many, requests_for(10))
    assert added == 10
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 10
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"p{i}@example.org" for i in range(10))


def test_mail_queue_many_honours_dedupe_keys_and_duplicates_in_the_list(send):
    send(queue, key="many:0", to="p0@example.org")
    requests = requests_for(3) + requests_for(3)  # every key twice
    assert send(services.mail_queue_many, requests) == 2
    assert OutboxMessage.objects.count() == 3
    assert len(mail.outbox) == 3


def test_mail_queue_many_records_opted_out_reminders_as_cancelled(send):
    services.preferences_set(email="P1@example.org", reminders=False)
    send(services.mail_queue_many, requests_for(3, essential=False))
    assert OutboxMessage.objects.get(recipient="p1@example.org").status == OutboxStatus.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@example.org", "p2@example.org"]


def test_mail_queue_many_rolled_back_sends_nothing(send):
    def work():
        with transaction.atomic():
            services.mail_queue_many(requests_for(5))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        send(work)
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_batch_returns_untried_rows_to_the_queue_when_the_server_is_down():
    with transaction.atomic():
        services.mail_queue_many(requests_for(5))  # no on-commit run: nothing sent yet
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    with failing_backend(ConnectionRefusedError(111, "Connection refused")) as get_connection:
        outcomes = delivery.outbox_deliver_batch(message_ids=ids)
    assert outcomes == {"sent": 0, "retry": 5, "failed": 0, "skipped": 0}
    # One connection attempt, not five time-outs; the untried rows keep their attempt count.
    assert get_connection.call_count == 1
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert [r.status for r in rows] == [OutboxStatus.QUEUED] * 5
    assert [r.attempts for r in rows] == [1, 0, 0, 0, 0]


def test_batch_skips_rows_taken_by_someone_else(send):
    with transaction.atomic():
        services.mail_queue_many(requests_for(3))
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk=ids[0]).update(status=OutboxStatus.SENDING, sending_started_at=timezone.now())
    outcomes = delivery.outbox_deliver_batch(message_ids=ids)
    assert outcomes["sent"] == 2 and outcomes["skipped"] == 1
    assert len(mail.outbox) == 2


def test_member_reaches_email_preferences_from_profile(client, member):
    client.force_login(member.user)
    body = client.get(reverse("community:profile")).content.decode()
    url = services.preferences_url(member.user.email).removeprefix(settings.PORTAL_BASE_URL)
    assert url in body
    assert client.get(url).status_code == 200


# ------------------------------------------------------------------------------ faults found in review
def test_broker_outage_does_not_fail_the_change_that_caused_the_email(
    client, staff, pending_member, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from mailings.tasks import send_message

    client.force_login(staff)
    with mock.patch.object(send_message, "apply_async", side_effect=OperationalError("broker down")), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:community_member_changelist"),
            {"action": "approve", "_selected_action": [pending_member.pk]},
        )
    assert response.status_code == 302
    pending_member.refresh_from_db()
    assert pending_member.status == "approved"
    # The email waits in the outbox for the sweeper.
    assert OutboxMessage.objects.get(recipient=pending_member.user.email).status == OutboxStatus.QUEUED


def test_soft_time_limit_puts_the_rest_of_a_batch_back():
    from celery.exceptions import SoftTimeLimitExceeded

    with transaction.atomic():
        services.mail_queue_many(requests_for(4))
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    calls = {"n": 0}

    def slow(message):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SoftTimeLimitExceeded()

    with mock.patch("mailings.delivery.mail_connection.send", side_effect=slow):
        outcomes = delivery.outbox_deliver_batch(message_ids=ids)
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert outcomes["sent"] == 1 and outcomes["retry"] == 3
    assert [r.status for r in rows] == [OutboxStatus.SENT] + [OutboxStatus.QUEUED] * 3
    assert [r.attempts for r in rows] == [1, 1, 0, 0]
    assert "ran out of time" in rows[1].last_error


def test_a_reused_connection_dropped_by_the_server_is_reopened_once():
    first, second = mock.MagicMock(), mock.MagicMock()
    first.send_messages.side_effect = [1, smtplib.SMTPServerDisconnected("idle timeout")]
    second.send_messages.return_value = 1
    rows = [queue(key=f"idle:{i}") for i in range(2)]
    with mock.patch("mailings.delivery.get_connection", side_effect=[first, second]):
        results = [delivery.outbox_deliver(message_id=row.pk).outcome for row in rows]
    assert results == ["sent", "sent"]
    assert OutboxMessage.objects.get(pk=rows[1].pk).attempts == 1
    assert second.send_messages.call_count == 1


def test_a_fresh_connection_that_fails_is_a_failed_attempt():
    connection = mock.MagicMock()
    connection.send_messages.side_effect = smtplib.SMTPServerDisconnected("closed")
    row = queue()
    with mock.patch("mailings.delivery.get_connection", return_value=connection) as get_connection:
        assert delivery.outbox_deliver(message_id=row.pk).outcome == "retry"
    assert get_connection.call_count == 1


def test_system_check_refuses_a_sending_timeout_shorter_than_the_task_limit(settings):
    from mailings.checks import outbox_timeouts

    assert outbox_timeouts(None) == []
    settings.OUTBOX_SENDING_TIMEOUT = settings.CELERY_TASK_TIME_LIMIT
    assert [e.id for e in outbox_timeouts(None)] == ["mailings.E001"]


def test_preferences_token_is_stable_and_bound_to_the_address(db):
    token = services.preferences_token("Ana@AMB.example")
    assert token == services.preferences_token("ana@amb.example")
    assert services.preferences_email_from_token(token) == "ana@amb.example"
    # A random secret per address (tests/mailings/test_preference_links.py): no other token opens it.
    assert services.preferences_token("bob@amb.example") != token
    assert services.preferences_email_from_token(token[:-1]) is None
    assert services.preferences_email_from_token("") is None
