"""Queueing and delivery apart (issue #7, item 8): cancel by dedupe-key prefix, outcomes as an
enum, the SMTP connection kept in one object."""

import smtplib
from unittest import mock

import pytest

from mailings import delivery, services
from mailings.delivery import DeliveryOutcome
from mailings.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def queue(key, **kwargs):
    return services.mail_queue(
        to="ana@amb.example", template="membership_approved", dedupe_key=key,
        context={"first_name": "Ana", "organisation_name": "AMB", "dashboard_url": "http://x/d/"}, **kwargs
    )


def statuses():
    return dict(OutboxMessage.objects.values_list("dedupe_key", "status"))


def test_cancel_prefix_withdraws_only_the_queued_rows_under_the_prefix():
    queue("webinar-reminder:42:day")
    queue("webinar-reminder:42:hour")
    queue("webinar-reminder:420:day")  # another webinar whose id starts with 42
    queue("webinar-reminder:43:day")
    sent = queue("webinar-reminder:42:invite")
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT, sent_at=sent.created_at)

    assert services.outbox_cancel_prefix("webinar-reminder:42:") == 2

    assert statuses() == {
        "webinar-reminder:42:day": OutboxStatus.CANCELLED,
        "webinar-reminder:42:hour": OutboxStatus.CANCELLED,
        "webinar-reminder:420:day": OutboxStatus.QUEUED,
        "webinar-reminder:43:day": OutboxStatus.QUEUED,
        "webinar-reminder:42:invite": OutboxStatus.SENT,
    }


def test_a_withdrawn_reminder_is_not_delivered(mailoutbox):
    row = queue("webinar-reminder:7:day")
    services.outbox_cancel_prefix("webinar-reminder:7:")
    assert delivery.outbox_deliver(message_id=row.pk).outcome == DeliveryOutcome.SKIPPED
    assert mailoutbox == []


def test_cancel_prefix_takes_like_wildcards_literally():
    queue("a_b:1")
    queue("axb:1")
    queue("a%b:1")
    assert services.outbox_cancel_prefix("a_b:") == 1
    assert services.outbox_cancel_prefix("a%") == 1
    assert statuses()["axb:1"] == OutboxStatus.QUEUED


def test_cancel_prefix_refuses_an_empty_prefix():
    queue("x:1")
    with pytest.raises(ValueError):
        services.outbox_cancel_prefix("")
    assert statuses() == {"x:1": OutboxStatus.QUEUED}


def test_outcomes_are_an_enum_and_tasks_return_plain_strings():
    from mailings.tasks import send_batch, send_message

    first, second = queue("o:1"), queue("o:2")
    result = delivery.outbox_deliver(message_id=first.pk)
    assert result.outcome is DeliveryOutcome.SENT
    assert send_message.run(first.pk) == "skipped" and type(send_message.run(first.pk)) is str
    assert send_batch.run([first.pk, second.pk]) == {"sent": 1, "retry": 0, "failed": 0, "skipped": 1}


def test_the_connection_is_one_object_reopened_once_when_a_reused_one_was_dropped():
    first, second = mock.MagicMock(), mock.MagicMock()
    first.send_messages.side_effect = [1, smtplib.SMTPServerDisconnected("idle")]
    connection = delivery.MailConnection()
    rows = [queue("c:1"), queue("c:2")]
    with mock.patch("mailings.delivery.get_connection", side_effect=[first, second]):
        connection.send(rows[0])
        connection.send(rows[1])  # dropped while idle: closed, reopened, sent on the new one
    assert first.close.called and second.send_messages.call_count == 1
    connection.close()
    assert second.close.called


def test_a_fresh_connection_that_fails_is_not_retried_at_once():
    broken = mock.MagicMock()
    broken.send_messages.side_effect = smtplib.SMTPServerDisconnected("no")
    connection = delivery.MailConnection()
    row = queue("f:1")
    with (mock.patch("mailings.delivery.get_connection", return_value=broken) as get_connection,
          pytest.raises(smtplib.SMTPServerDisconnected)):
        connection.send(row)
    assert get_connection.call_count == 1
