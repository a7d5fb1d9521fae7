"""The Secretariat's event pages: the join link on the change page only, every list opens."""

import pytest
from django.urls import reverse

from events.models import Invitation

from .conftest import JOIN_URL

pytestmark = pytest.mark.django_db


def test_join_link_on_the_change_page_only(client, staff, webinar, member):
    Invitation.objects.create(event=webinar, member=member)
    client.force_login(staff)
    listing = client.get(reverse("admin:events_event_changelist"))
    assert listing.status_code == 200 and JOIN_URL not in listing.content.decode()
    invitations = client.get(reverse("admin:events_invitation_changelist"))
    assert invitations.status_code == 200 and JOIN_URL not in invitations.content.decode()
    change = client.get(reverse("admin:events_event_change", args=[webinar.pk]))
    assert change.status_code == 200 and JOIN_URL in change.content.decode()


@pytest.mark.parametrize("name", ["events_eligibilityexception_changelist", "events_eligibilityexception_add",
                                  "events_event_add"])
def test_secretariat_pages_open(client, staff, webinar, name):
    client.force_login(staff)
    assert client.get(reverse(f"admin:{name}")).status_code == 200


def test_staff_edit_of_the_time_goes_through_the_service(client, staff, webinar):
    client.force_login(staff)
    url = reverse("admin:events_event_change", args=[webinar.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | dict)}
    start = webinar.starts_at.replace(tzinfo=None)
    end = webinar.ends_at.replace(tzinfo=None)
    data.update({"edition": webinar.edition_id, "starts_at_0": start.strftime("%Y-%m-%d"),
                 "starts_at_1": "09:00:00", "ends_at_0": end.strftime("%Y-%m-%d"), "ends_at_1": "10:00:00",
                 "capacity": ""})
    data.pop("starts_at", None), data.pop("ends_at", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    webinar.refresh_from_db()
    assert webinar.sequence == 1
