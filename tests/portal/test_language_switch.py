"""The menu's language switch changes the pages only; the member's emails keep their own language."""

import pytest
from django.urls import reverse

from mailings.models import OutboxMessage

pytestmark = pytest.mark.django_db


def switch(client, language, next_url="/dashboard/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url}, follow=True)


def test_switch_changes_the_pages_not_the_email_language(client, member):
    client.force_login(member.user)
    response = switch(client, "fr")
    assert response["Content-Language"] == "fr"
    assert client.get(reverse("community:profile"))["Content-Language"] == "fr"
    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_switch_says_where_the_emails_stay(client, member):
    client.force_login(member.user)
    html = switch(client, "es").content.decode()
    # In the page's new language, naming the emails' language and linking to the profile.
    assert "Sus correos electrónicos seguirán en inglés" in html
    assert f'href="{reverse("community:profile")}"' in html


def test_no_note_when_the_languages_agree(client, member):
    client.force_login(member.user)
    html = switch(client, "en").content.decode()
    assert "Your emails stay in" not in html


def test_pending_member_gets_the_note_without_a_profile_link(client, pending_member):
    client.force_login(pending_member.user)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["Vos e-mails restent en anglais."]
    pending_member.refresh_from_db()
    assert pending_member.preferred_language == "en"


def test_emails_keep_the_member_language_after_a_switch(client, member, django_capture_on_commit_callbacks):
    member.preferred_language = "es"
    member.save()
    client.force_login(member.user)
    switch(client, "fr")
    message_count = OutboxMessage.objects.count()
    # An account email (password reset) asked from the French pages goes out in Spanish.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.user.email})
    message = OutboxMessage.objects.order_by("-pk").first()
    assert OutboxMessage.objects.count() == message_count + 1
    assert message.language == "es"


def test_profile_changes_the_email_language(client, member):
    client.force_login(member.user)
    html = client.get(reverse("community:profile")).content.decode()
    assert "Language of your emails" in html
    data = {
        "first_name": "Ana", "last_name": "Diaz", "job_title": "City manager",
        "preferred_language": "fr", "time_zone": "Europe/Madrid",
    }
    response = client.post(reverse("community:profile"), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.preferred_language == "fr"


def test_without_a_switch_the_pages_follow_the_member_language(client, member):
    member.preferred_language = "es"
    member.save()
    client.force_login(member.user)
    assert client.get(reverse("community:dashboard"))["Content-Language"] == "es"
