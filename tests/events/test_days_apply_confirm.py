"""A selected member confirms their place (protocol, dates, badge name) or gives it back; a missed
deadline releases it on beat. Each release moves the waiting list up, and the next is emailed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import AuditEntry
from events import applications as rules
from events import days, tasks
from events.models import Application, Confirmation, Decision
from mailings.models import OutboxMessage

from ..factories import MemberFactory, UserFactory
from .conftest import make_application, make_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def selection(edition, member):
    """One place: ``member`` selected (with a pass, 2 nights, 300 EUR), another member waiting."""
    event = make_days(edition, places=1, passes=1, nights=4, euros="1000")
    event.protocol_fr = "Portez votre badge en permanence."
    event.save()
    staff_user = UserFactory(is_staff=True)
    chosen = make_application(event, member, score=Decimal("4.5"))
    waiting = make_application(event, MemberFactory(user__email="next@example.org"), score=Decimal("4.0"))
    days.decide(application=chosen, decision=Decision.SELECTED, by=staff_user)
    days.grant(application=chosen, expo_pass=True, nights=2, euros="300", by=staff_user)
    days.decide(application=waiting, decision=Decision.WAITLISTED, by=staff_user)
    days.decisions_send(event=event, by=staff_user)
    chosen.refresh_from_db()
    waiting.refresh_from_db()
    return event, chosen, waiting


def url(event, name="events:application"):
    return reverse(name, args=[event.pk])


def confirmation(event, **changes):
    window = rules.event_window(event)
    data = {"accept_protocol": "on", "arrival_date": window.first_night.isoformat(),
            "departure_date": (window.last_day + timedelta(days=1)).isoformat(), "badge_name": "Ana García"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_selected_member_sees_the_protocol_and_confirms(client, selection, member):
    event, chosen, _ = selection
    client.force_login(member.user)
    body = client.get(url(event)).content.decode()
    assert 'data-decision="selected"' in body and "data-confirm-by" in body
    assert "Wear your badge at all times." in body
    assert "an expo full pass" in body and "2 nights of accommodation" in body
    response = client.post(url(event, "events:confirm"), confirmation(event))
    assert response.status_code == 302
    chosen.refresh_from_db()
    window = rules.event_window(event)
    assert chosen.confirmation == Confirmation.CONFIRMED
    assert chosen.protocol_accepted_at is not None and chosen.confirmed_at is not None
    assert (chosen.arrival_date, chosen.badge_name) == (window.first_night, "Ana García")
    assert AuditEntry.objects.filter(action=rules.ApplicationAction.CONFIRMED, target_id=str(chosen.pk)).exists()
    body = client.get(url(event)).content.decode()
    assert "data-confirmed" in body and "Ana García" in body


def test_the_protocol_is_shown_in_the_member_language(client, selection, member):
    event, _, _ = selection
    member.preferred_language = "fr"
    member.save()
    client.force_login(member.user)
    body = client.get(url(event)).content.decode()
    assert "Portez votre badge en permanence." in body


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"accept_protocol": None}, "accept_protocol", "Accept the health and safety protocol"),
    ({"arrival_date": ""}, "arrival_date", "Give your arrival date."),
    ({"arrival_date": "early"}, "arrival_date", "Arrive between"),
    ({"departure_date": "late"}, "departure_date", "Leave between"),
    ({"departure_date": "before_arrival"}, "departure_date", "Leave on or after the day you arrive."),
    ({"arrival_date": "not a date"}, "arrival_date", "Enter a valid date."),
    ({"badge_name": "  "}, "badge_name", "Give the name to print on your badge."),
    ({"badge_name": "x" * 81}, "badge_name", "at most 80 characters"),
])
def test_bad_confirmations_are_refused_with_a_clear_error(client, selection, member, changes, field, message):
    event, chosen, _ = selection
    window = rules.event_window(event)
    dates = {"early": window.first_day - timedelta(days=8), "late": window.last_day + timedelta(days=8),
             "before_arrival": window.first_day}
    changes = {k: dates[v].isoformat() if v in dates else v for k, v in changes.items()}
    if changes.get("departure_date") == window.first_day.isoformat():
        changes["arrival_date"] = window.last_day.isoformat()
    client.force_login(member.user)
    response = client.post(url(event, "events:confirm"), confirmation(event, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    chosen.refresh_from_db()
    assert chosen.confirmation == Confirmation.PENDING and chosen.protocol_accepted_at is None


def test_nobody_confirms_or_declines_someone_else_place(client, selection, other_member):
    event, chosen, waiting = selection
    client.force_login(other_member.user)  # no application at all
    assert client.post(url(event, "events:confirm"), confirmation(event)).status_code == 404
    assert client.post(url(event, "events:decline"), {"confirm": "yes"}).status_code == 404
    client.force_login(waiting.member.user)  # an application, but waiting, not selected
    response = client.post(url(event, "events:confirm"), confirmation(event), follow=True)
    assert "There is no place to confirm" in response.content.decode()
    response = client.post(url(event, "events:decline"), {"confirm": "yes"}, follow=True)
    assert "There is no place to give back" in response.content.decode()
    with pytest.raises(PermissionDenied):
        rules.application_confirm(application=chosen, member=other_member, accept_protocol=True,
                                  arrival_date=None, departure_date=None, badge_name="x")
    with pytest.raises(PermissionDenied):
        rules.application_decline(application=chosen, member=waiting.member)
    chosen.refresh_from_db()
    waiting.refresh_from_db()
    assert (chosen.confirmation, waiting.decision) == (Confirmation.PENDING, Decision.WAITLISTED)


def test_confirming_after_the_deadline_is_refused(client, selection, member):
    event, chosen, _ = selection
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() - timedelta(minutes=1))
    client.force_login(member.user)
    body = client.get(url(event)).content.decode()
    assert "data-confirm-form" not in body and "not confirmed before the deadline" in body
    response = client.post(url(event, "events:confirm"), confirmation(event), follow=True)
    assert "The deadline to confirm has passed" in response.content.decode()
    response = client.post(url(event, "events:decline"), {"confirm": "yes"}, follow=True)
    assert "The deadline to confirm has passed" in response.content.decode()
    chosen.refresh_from_db()
    assert chosen.confirmation == Confirmation.PENDING  # the beat task releases it, not the page


def test_declining_asks_once_more_then_promotes_the_next(client, selection, member):
    event, chosen, waiting = selection
    client.force_login(member.user)
    page = client.get(url(event, "events:decline"))
    assert page.status_code == 200 and "Give your place back?" in page.content.decode()
    assert client.post(url(event, "events:decline"), {}).status_code == 302  # no "yes": back to the question
    chosen.refresh_from_db()
    assert chosen.confirmation == Confirmation.PENDING
    client.post(url(event, "events:decline"), {"confirm": "yes"})
    chosen.refresh_from_db()
    waiting.refresh_from_db()
    assert chosen.confirmation == Confirmation.DECLINED
    assert (chosen.pass_granted, chosen.nights_granted, chosen.euros_granted) == (False, 0, Decimal("0"))
    assert (waiting.decision, waiting.decision_sent, waiting.confirmation) == (
        Decision.SELECTED, Decision.SELECTED, Confirmation.PENDING)
    assert waiting.pass_granted and waiting.nights_granted == 2  # what they asked, within what is left
    mail = OutboxMessage.objects.filter(template="days_decision", recipient="next@example.org")
    assert mail.count() == 2  # waiting list, then selected
    assert settings.PORTAL_BASE_URL + url(event) in mail.order_by("-pk").first().body_text
    body = client.get(url(event)).content.decode()
    assert 'data-confirmation="declined"' in body and "data-decline" not in body


def test_a_confirmed_participant_can_still_give_the_place_back(selection, member):
    event, chosen, waiting = selection
    window = rules.event_window(event)
    rules.application_confirm(application=chosen, member=member, accept_protocol=True,
                              arrival_date=window.first_day, departure_date=window.last_day, badge_name="Ana")
    promoted = rules.application_decline(application=chosen, member=member)
    assert promoted.pk == waiting.pk


def test_beat_expires_missed_deadlines_once_and_promotes_the_next(selection, member):
    event, chosen, waiting = selection
    assert tasks.expire_confirmations() == 0  # not due yet
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() - timedelta(seconds=1))
    assert tasks.expire_confirmations() == 1
    assert tasks.expire_confirmations() == 0  # idempotent
    chosen.refresh_from_db()
    waiting.refresh_from_db()
    assert chosen.confirmation == Confirmation.EXPIRED
    assert (waiting.decision, waiting.confirmation) == (Decision.SELECTED, Confirmation.PENDING)
    assert waiting.confirm_by > timezone.now()  # a deadline of their own
    assert OutboxMessage.objects.filter(template="days_decision", recipient="next@example.org").count() == 2


def test_beat_leaves_confirmed_and_declined_places_alone(selection, member, edition):
    event, chosen, waiting = selection
    window = rules.event_window(event)
    rules.application_confirm(application=chosen, member=member, accept_protocol=True,
                              arrival_date=window.first_day, departure_date=window.last_day, badge_name="Ana")
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() - timedelta(days=1))
    assert rules.confirmations_expire() == 0
    chosen.refresh_from_db()
    assert chosen.confirmation == Confirmation.CONFIRMED


def test_beat_rechecks_under_the_lock(selection, member, monkeypatch):
    """A member who confirms between the task's list and its lock keeps the place."""
    event, chosen, _ = selection
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() - timedelta(seconds=1))
    real_lock = days.lock_budget

    def confirm_first(event_):
        Application.objects.filter(pk=chosen.pk).update(confirmation=Confirmation.CONFIRMED,
                                                        protocol_accepted_at=timezone.now())
        return real_lock(event_)

    monkeypatch.setattr(days, "lock_budget", confirm_first)
    assert rules.confirmations_expire() == 0
    chosen.refresh_from_db()
    assert chosen.confirmation == Confirmation.CONFIRMED


def test_the_beat_schedule_runs_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["days-confirmations-expire"]
    assert entry["task"] == "events.tasks.expire_confirmations"
    assert tasks.expire_confirmations.name == entry["task"]


def test_services_refuse_without_a_sent_selection(days_event_with_draft_selection):
    application, member = days_event_with_draft_selection
    with pytest.raises(ValidationError, match="no place to confirm"):
        rules.application_confirm(application=application, member=member, accept_protocol=True,
                                  arrival_date=None, departure_date=None, badge_name="x")


@pytest.fixture
def days_event_with_draft_selection(edition, member):
    event = make_days(edition)
    application = make_application(event, member)
    days.decide(application=application, decision=Decision.SELECTED, by=UserFactory(is_staff=True))
    return application, member


def test_beat_reminds_once_two_days_before_the_deadline(selection, member):
    event, chosen, waiting = selection
    reminders = OutboxMessage.objects.filter(template="days_confirm_reminder")
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() + timedelta(days=3))
    assert tasks.remind_confirmations() == 0 and not reminders.exists()  # not two days away yet
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() + timedelta(days=1))
    assert tasks.remind_confirmations() == 1
    assert tasks.remind_confirmations() == 0  # once
    [mail] = reminders
    assert mail.recipient == member.user.email
    assert settings.PORTAL_BASE_URL + url(event) in mail.body_text
    assert waiting.member.user.email not in set(reminders.values_list("recipient", flat=True))  # not selected
    # A new deadline (the place given again after a release) is reminded again.
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() + timedelta(hours=5))
    assert tasks.remind_confirmations() == 1 and reminders.all().count() == 2


def test_beat_reminds_nobody_who_confirmed_declined_or_missed_the_deadline(selection, member):
    event, chosen, _ = selection
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() - timedelta(minutes=1))
    assert rules.confirmation_reminders_send() == 0  # past: the expiry's business
    Application.objects.filter(pk=chosen.pk).update(confirm_by=timezone.now() + timedelta(days=1))
    window = rules.event_window(event)
    rules.application_confirm(application=chosen, member=member, accept_protocol=True,
                              arrival_date=window.first_day, departure_date=window.last_day, badge_name="Ana")
    assert rules.confirmation_reminders_send() == 0


def test_the_beat_schedule_runs_the_reminder():
    entry = settings.CELERY_BEAT_SCHEDULE["days-confirmations-remind"]
    assert entry["task"] == tasks.remind_confirmations.name == "events.tasks.remind_confirmations"
