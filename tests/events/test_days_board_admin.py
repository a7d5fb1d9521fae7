"""City Managers Days in the admin: the event's in-person fieldset and budget (saved through
events.days.budget_change: a limit or the places below what is granted is a form error with the
figures, never a 500), and the applications' admin (read only, filters, export, history)."""

import csv
import io
from datetime import UTC
from decimal import Decimal

import pytest
from django.urls import reverse

from community.models import AuditEntry
from events import days as rules
from events.models import Budget, Decision, EventKind

from .conftest import make_application, make_days

pytestmark = pytest.mark.django_db


def change_data(client, event, **changes):
    """The event's change form as the browser would post it, with ``changes``."""
    form = client.get(reverse("admin:events_event_change", args=[event.pk])).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in ("starts_at", "ends_at"):
            moment = getattr(event, name).astimezone(__import__("zoneinfo").ZoneInfo("UTC")).replace(tzinfo=None)
            data[f"{name}_0"], data[f"{name}_1"] = moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")
        elif name == "applications_close_at":
            moment = event.applications_close_at.replace(tzinfo=None)
            data[f"{name}_0"], data[f"{name}_1"] = moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")
        elif value is None:
            data[name] = ""
        elif hasattr(value, "pk"):
            data[name] = value.pk
        else:
            data[name] = value
    data.update({k: "" if v is None else v for k, v in changes.items()})
    return data


@pytest.fixture
def granted(client, staff, edition):
    """An event (3 places, 3 passes, 10 nights, 1000 EUR) where one person holds a pass, 2 nights, 450 EUR."""
    client.force_login(staff)
    event = make_days(edition, places=3, passes=3, nights=10, euros="1000")
    application = make_application(event)
    rules.decide(application=application, decision=Decision.SELECTED, by=staff)
    rules.grant(application=application, expo_pass=True, nights=2, euros="450", by=staff)
    return event


def test_in_person_fields_and_budget_are_in_one_fieldset_with_a_link_to_the_board(client, granted):
    response = client.get(reverse("admin:events_event_change", args=[granted.pk]))
    fieldsets = {fieldset.name for fieldset in response.context["adminform"]}
    assert "City Managers Days (in person)" in fieldsets
    html = response.content.decode()
    for name in ("eligibility_rule", "applications_close_at", "confirm_within_days", "protocol_en", "protocol_fr",
                 "protocol_es", "expo_passes", "accommodation_nights", "travel_support_euros"):
        assert f'name="{name}' in html, name
    assert reverse("events:staff_board", args=[granted.pk]) in html
    form = response.context["adminform"].form
    assert (form["expo_passes"].value(), form["accommodation_nights"].value()) == (3, 10)


def test_a_webinar_has_no_budget_fields(client, staff, webinar):
    client.force_login(staff)
    html = client.get(reverse("admin:events_event_change", args=[webinar.pk])).content.decode()
    assert 'name="expo_passes"' not in html and 'name="protocol_en"' not in html


def test_raising_the_budget_goes_through_the_rule_and_is_audited(client, staff, granted):
    url = reverse("admin:events_event_change", args=[granted.pk])
    response = client.post(url, change_data(client, granted, expo_passes=5, accommodation_nights=12,
                                            travel_support_euros="1500.00", capacity=4))
    assert response.status_code == 302, response.context["adminform"].form.errors
    budget = Budget.objects.get(event=granted)
    assert (budget.expo_passes, budget.accommodation_nights, budget.travel_support_euros) == (5, 12, Decimal("1500"))
    granted.refresh_from_db()
    assert granted.capacity == 4
    entry = AuditEntry.objects.get(action=rules.DaysAction.BUDGET_CHANGED)
    assert entry.actor == staff
    assert entry.before["places"] == 3 and entry.after["places"] == 4
    assert entry.before["travel_support_euros"] == "1000.00" and entry.after["travel_support_euros"] == "1500.00"


def test_lowering_below_what_is_granted_is_a_form_error_with_the_figures(client, staff, granted):
    other = make_application(granted)
    rules.decide(application=other, decision=Decision.SELECTED, by=staff)
    url = reverse("admin:events_event_change", args=[granted.pk])
    response = client.post(url, change_data(client, granted, expo_passes=0, accommodation_nights=1,
                                            travel_support_euros="400", capacity=1, title_en="Renamed"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["expo_passes"] == ["1 expo passes are already granted: the limit cannot be 0."]
    assert errors["accommodation_nights"] == ["2 nights are already granted: the limit cannot be 1."]
    assert errors["travel_support_euros"] == [
        "450.00 EUR of travel support are already granted: the limit cannot be 400.00 EUR."]
    assert errors["capacity"] == ["2 places are already taken: the number of places cannot be 1."]
    budget = Budget.objects.get(event=granted)
    assert (budget.expo_passes, budget.accommodation_nights, budget.travel_support_euros) == (3, 10, Decimal("1000"))
    granted.refresh_from_db()
    assert granted.capacity == 3 and granted.title == "City Managers Days"
    assert not AuditEntry.objects.filter(action=rules.DaysAction.BUDGET_CHANGED).exists()


@pytest.mark.parametrize(("field", "value"), [("travel_support_euros", "-1"), ("travel_support_euros", "abc"),
                                              ("travel_support_euros", "1e12"), ("expo_passes", "-3"),
                                              ("accommodation_nights", "x" * 300), ("capacity", "-1")])
def test_bad_budget_values_are_form_errors(client, granted, field, value):
    url = reverse("admin:events_event_change", args=[granted.pk])
    response = client.post(url, change_data(client, granted, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_a_new_in_person_event_gets_its_budget(client, staff, edition):
    client.force_login(staff)
    data = {"edition": edition.pk, "kind": EventKind.IN_PERSON, "title_en": "City Managers Days 2021",
            "starts_at_0": "2027-11-17", "starts_at_1": "09:00:00", "ends_at_0": "2027-11-19", "ends_at_1": "18:00:00",
            "time_zone": "Europe/Madrid", "capacity": "40", "eligibility_rule": "portrait_and_webinar",
            "confirm_within_days": "10", "expo_passes": "30", "accommodation_nights": "80",
            "travel_support_euros": "20000"}
    response = client.post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    budget = Budget.objects.get(event__title_en="City Managers Days 2021")
    assert (budget.expo_passes, budget.accommodation_nights, budget.travel_support_euros) == (30, 80, Decimal("20000"))
    # The times were typed in the event's zone (Barcelona, UTC+1 in November), and are shown in it.
    event = budget.event
    assert event.starts_at.astimezone(UTC).isoformat() == "2027-11-17T08:00:00+00:00"
    assert event.ends_at.astimezone(UTC).isoformat() == "2027-11-19T17:00:00+00:00"
    page = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert 'name="starts_at_1" value="09:00:00"' in page and 'name="ends_at_1" value="18:00:00"' in page


# ------------------------------------------------------------------------------ applications
def test_application_admin_lists_filters_and_is_read_only(client, granted):
    make_application(granted, submitted=False)
    response = client.get(reverse("admin:events_application_changelist"), {"decision__exact": "selected"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    for params in ({"confirmation__exact": ""}, {"status__exact": "draft"}, {"event__id__exact": granted.pk},
                   {"decision_sent__exact": "pending"}):
        assert client.get(reverse("admin:events_application_changelist"), params).status_code == 200
    assert client.get(reverse("admin:events_application_add")).status_code == 403
    assert client.get(reverse("admin:events_application_changelist"),
                      {"motivation__regex": "."}).status_code == 400  # SafeChangelistMixin


def test_application_change_page_shows_its_history(client, staff, granted):
    application = granted.applications.get(decision=Decision.SELECTED)
    rules.decisions_send(event=granted, by=staff)
    response = client.get(reverse("admin:events_application_change", args=[application.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="application-history"'):]
    assert section.index("City Managers Days: decision taken") < section.index("City Managers Days: benefits granted")
    assert "staff@secretariat.example" in section
    assert "decision: selected" in section and "euros: 450.00" in section
    assert reverse("events:staff_board", args=[granted.pk]) in html
    assert 'name="decision"' not in html  # read only: no input


def test_application_export_streams_what_the_list_shows(client, granted):
    make_application(granted, motivation="x", member=None)
    response = client.get(reverse("admin:events_application_export"), {"format": "csv",
                                                                          "decision__exact": "selected"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["name", "email", "organisation"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["decision"], row["pass_granted"], row["nights_granted"], row["euros_granted"]) == (
        "selected", "yes", "2", "450.00")
    xlsx = client.get(reverse("admin:events_application_export"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
