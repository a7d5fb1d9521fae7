"""The selection's rules (events.days): decisions take places, grants stay within what was asked and
within the budget, limits cannot drop below what is granted, decisions are sent once, a released
place goes to the next on the waiting list within what is left."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from community.models import AuditEntry
from events import days as rules
from events.models import Application, Budget, Confirmation, Decision
from mailings.models import OutboxMessage

from ..factories import UserFactory
from .conftest import make_application, make_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return UserFactory(is_staff=True)


def select(application, by):
    return rules.decide(application=application, decision=Decision.SELECTED, by=by)


def test_selecting_takes_a_place_and_refuses_when_none_is_left(edition, staff_user):
    event = make_days(edition, places=2)
    first, second, third = (make_application(event) for _ in range(3))
    select(first, staff_user)
    select(second, staff_user)
    with pytest.raises(ValidationError, match="All 2 places are taken"):
        select(third, staff_user)
    third.refresh_from_db()
    assert third.decision == Decision.PENDING
    assert rules.budget_use(event).places_used == 2


def test_draft_application_cannot_be_decided(days, staff_user):
    draft = make_application(days, submitted=False)
    with pytest.raises(ValidationError, match="submitted"):
        select(draft, staff_user)


def test_grant_within_request_and_budget(edition, staff_user):
    event = make_days(edition, passes=1, nights=3, euros="800.00")
    a, b = make_application(event), make_application(event)
    select(a, staff_user), select(b, staff_user)
    rules.grant(application=a, expo_pass=True, nights=2, euros="500", by=staff_user)
    use = rules.budget_use(event)
    assert (use.passes_used, use.nights_used, use.euros_used) == (1, 2, Decimal("500.00"))
    with pytest.raises(ValidationError) as refused:
        rules.grant(application=b, expo_pass=True, nights=2, euros="400", by=staff_user)
    messages = refused.value.message_dict
    assert "No expo pass left: 1 of 1 granted." in messages["expo_pass"]
    assert "Only 1 nights left (2 of 3 granted)." in messages["nights"]
    assert "Only 300.00 EUR left (500.00 of 800.00 granted)." in messages["euros"]
    b.refresh_from_db()
    assert (b.pass_granted, b.nights_granted, b.euros_granted) == (False, 0, Decimal("0"))
    # Re-granting the same application replaces its grant instead of adding to it.
    rules.grant(application=a, expo_pass=False, nights=1, euros="100", by=staff_user)
    rules.grant(application=b, expo_pass=True, nights=2, euros="500", by=staff_user)
    assert rules.budget_use(event).euros_used == Decimal("600.00")


@pytest.mark.parametrize(("nights", "euros", "field"), [
    (-1, "0", "nights"), (3, "0", "nights"), ("two", "0", "nights"),
    (0, "-5", "euros"), (0, "abc", "euros"), (0, "1e12", "euros"), (0, "NaN", "euros"), (0, "500.01", "euros"),
])
def test_grant_bad_amounts_get_a_clear_error(days, staff_user, nights, euros, field):
    application = make_application(days)
    select(application, staff_user)
    with pytest.raises(ValidationError) as refused:
        rules.grant(application=application, expo_pass=False, nights=nights, euros=euros, by=staff_user)
    assert field in refused.value.message_dict
    application.refresh_from_db()
    assert (application.nights_granted, application.euros_granted) == (0, Decimal("0"))


def test_grant_refused_unless_selected(days, staff_user):
    application = make_application(days)
    with pytest.raises(ValidationError, match="selected participant"):
        rules.grant(application=application, expo_pass=True, nights=0, euros=0, by=staff_user)


def test_database_refuses_a_grant_over_the_request(days):
    application = make_application(days, decision=Decision.SELECTED)
    application.euros_granted = Decimal("600.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        application.save()


def test_database_refuses_benefits_without_selection(days):
    application = make_application(days)
    Application.objects.filter(pk=application.pk).update(nights_granted=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(pass_granted=True)


def test_lowering_a_limit_below_what_is_granted_is_refused_with_figures(edition, staff_user):
    event = make_days(edition, passes=3, nights=10, euros="1000")
    application = make_application(event)
    select(application, staff_user)
    rules.grant(application=application, expo_pass=True, nights=2, euros="450", by=staff_user)
    with pytest.raises(ValidationError) as refused:
        rules.budget_change(event=event, by=staff_user, expo_passes=0, accommodation_nights=1,
                            travel_support_euros="400", places=0, change_places=True)
    errors = refused.value.message_dict
    assert errors["expo_passes"] == ["1 expo passes are already granted: the limit cannot be 0."]
    assert errors["accommodation_nights"] == ["2 nights are already granted: the limit cannot be 1."]
    assert errors["travel_support_euros"] == [
        "450.00 EUR of travel support are already granted: the limit cannot be 400.00 EUR."]
    assert errors["capacity"] == ["1 places are already taken: the number of places cannot be 0."]
    budget = Budget.objects.get(event=event)
    assert (budget.expo_passes, budget.accommodation_nights, budget.travel_support_euros) == (3, 10, Decimal("1000"))
    rules.budget_change(event=event, by=staff_user, expo_passes=1, accommodation_nights=2,
                        travel_support_euros="450")
    assert AuditEntry.objects.filter(action=rules.DaysAction.BUDGET_CHANGED).count() == 1


def test_decisions_are_drafts_until_sent_and_sent_once(days, staff_user, mailoutbox_rows=None):
    chosen, waiting, refused = (make_application(days) for _ in range(3))
    select(chosen, staff_user)
    rules.decide(application=waiting, decision=Decision.WAITLISTED, by=staff_user)
    rules.decide(application=refused, decision=Decision.NOT_SELECTED, by=staff_user)
    assert not OutboxMessage.objects.filter(template="days_decision").exists()
    assert rules.decisions_send(event=days, by=staff_user) == 3
    assert rules.decisions_send(event=days, by=staff_user) == 0  # a double click
    assert OutboxMessage.objects.filter(template="days_decision").count() == 3
    chosen.refresh_from_db()
    assert chosen.confirmation == Confirmation.PENDING
    assert chosen.confirm_by is not None


def test_each_decision_email_says_its_own_decision(days, staff_user):
    """The body's branches read booleans: its strings are tokens there, so comparing the decision's
    string sent the "not selected" words to the selected (a bug a browser walk found)."""
    chosen, waiting, refused = (make_application(days) for _ in range(3))
    select(chosen, staff_user)
    rules.decide(application=waiting, decision=Decision.WAITLISTED, by=staff_user)
    rules.decide(application=refused, decision=Decision.NOT_SELECTED, by=staff_user)
    rules.decisions_send(event=days, by=staff_user)
    rows = OutboxMessage.objects.filter(template="days_decision")
    body = {row.recipient: (row.subject, row.body_text) for row in rows}
    subject, text = body[chosen.member.user.email]
    assert subject.startswith("You are selected") and "you are selected to take part" in text
    assert "Please confirm your place by" in text and "cannot offer you" not in text
    subject, text = body[waiting.member.user.email]
    assert subject.startswith("Waiting list") and "you are on the waiting list" in text
    subject, text = body[refused.member.user.email]
    assert subject.startswith("Your application") and "cannot offer you one this year" in text


def test_release_promotes_the_next_on_the_waiting_list_within_what_is_left(edition, staff_user):
    event = make_days(edition, places=1, passes=1, nights=2, euros="300")
    chosen = make_application(event, score=Decimal("4.50"))
    low = make_application(event, score=Decimal("3.00"))
    high = make_application(event, score=Decimal("4.00"))
    unscored = make_application(event)
    select(chosen, staff_user)
    rules.grant(application=chosen, expo_pass=True, nights=2, euros="300", by=staff_user)
    for application in (low, high, unscored):
        rules.decide(application=application, decision=Decision.WAITLISTED, by=staff_user)
    rules.decisions_send(event=event, by=staff_user)

    promoted = rules.release(application=chosen, confirmation=Confirmation.DECLINED, by=None)
    assert promoted.pk == high.pk
    chosen.refresh_from_db()
    assert (chosen.pass_granted, chosen.nights_granted, chosen.euros_granted) == (False, 0, Decimal("0"))
    high.refresh_from_db()
    assert high.decision == high.decision_sent == Decision.SELECTED
    assert high.confirmation == Confirmation.PENDING
    # What was left: all of it, capped by what was asked (500 asked, 300 in the budget).
    assert (high.pass_granted, high.nights_granted, high.euros_granted) == (True, 2, Decimal("300.00"))
    assert OutboxMessage.objects.filter(template="days_decision", recipient=high.member.user.email).count() == 2
    # Releasing again changes nothing and promotes nobody.
    assert rules.release(application=chosen, confirmation=Confirmation.DECLINED) is None
