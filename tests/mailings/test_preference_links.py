"""Security issue #6, item 8: email-preference links carry no readable address and can be revoked."""

import base64
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from mailings import services
from mailings.models import MailPreference

pytestmark = pytest.mark.django_db

ADDRESS = "ana.garcia@amb.example"


def reminder(send, key="reminder"):
    return send(
        services.mail_queue, to=ADDRESS, template="membership_approved", context={"first_name": "Ana"},
        dedupe_key=key, essential=False,
    )


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def _send(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return _send


def test_the_token_reveals_nothing_of_the_address():
    token = services.preferences_token(ADDRESS)
    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for text in (token, decoded.decode("latin-1")):
        assert "ana" not in text.lower() and "amb" not in text.lower()
    assert len(token) >= 40  # 256 random bits


def test_reminder_links_work_and_revoking_them_shows_the_invalid_page(client, send):
    reminder(send)
    (message,) = mail.outbox
    old_url = re.search(r"https?://\S+/mail/preferences/\S+/", message.body).group(0)
    old_unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert ADDRESS not in old_url and ADDRESS not in old_unsubscribe
    old_path = old_url.removeprefix(settings.PORTAL_BASE_URL)
    assert client.get(old_path).status_code == 200

    services.preferences_revoke_links(email=ADDRESS)

    assert client.get(old_path).status_code == 400
    response = client.post(old_unsubscribe.removeprefix(settings.PORTAL_BASE_URL), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert services.reminders_enabled(ADDRESS)  # the revoked link changed nothing
    # The next reminder carries a new link, which works.
    reminder(send, key="reminder-2")
    new_path = re.search(r"https?://\S+(/mail/preferences/\S+/)", mail.outbox[-1].body).group(1)
    assert new_path != old_path
    client.post(new_path, {})
    assert not services.reminders_enabled(ADDRESS)


def test_bulk_reminders_get_each_address_its_own_secret(send):
    requests = [
        services.MailRequest(to=f"p{i}@example.org", template="membership_approved", context={"first_name": "P"},
                             dedupe_key=f"bulk:{i}", essential=False)
        for i in range(3)
    ]
    services.preferences_token("p0@example.org")  # one already has a secret
    send(services.mail_queue_many, requests)
    secrets = dict(MailPreference.objects.values_list("email", "link_secret"))
    assert len(set(secrets.values())) == 3
    for message in mail.outbox:
        assert secrets[message.to[0]] in message.body


def test_staff_revoke_links_from_the_admin(client, superuser):
    token = services.preferences_token(ADDRESS)
    preference = MailPreference.objects.get(email=ADDRESS)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:mailings_mailpreference_changelist"),
        {"action": "revoke_links", "_selected_action": [preference.pk]},
    )
    assert response.status_code == 302
    assert services.preferences_email_from_token(token) is None
    assert services.preferences_token(ADDRESS) != token
