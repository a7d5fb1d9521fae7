"""Security issue #6, item 6: two sign-ups on one invitation link at the same moment. The second
gets the "already used" page, never a 500, and only one account and one membership exist."""

import re
import threading
import time

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import services
from community.adapters import AccountAdapter
from community.forms import SignupForm
from community.models import Member, MembershipInvitation, User

from ..conftest import require_service, waiting_on_a_lock


def signup_post():
    return {
        "password1": "green-infrastructure-2020",
        "password2": "green-infrastructure-2020",
        "first_name": "Laura",
        "last_name": "Pérez",
        "job_title": "Metropolitan manager",
        "preferred_language": "es",
        "time_zone": "Europe/Madrid",
        "privacy_consent": "on",
    }


def invite(staff, organisation):
    return services.membership_invite(email="laura@amb.example", organisation=organisation, by=staff)


def link_path():
    (message,) = [m for m in mail.outbox if m.to == ["laura@amb.example"]]
    return re.search(r"http://[^/\s]+(/join/[^\s]+/)", message.body).group(1)


# ------------------------------------------------------------------------------ unit: used in between
@pytest.mark.django_db
def test_invitation_used_between_form_check_and_save_shows_the_used_page(
    client, staff, organisation, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(staff, organisation)
    client.get(link_path())
    original_clean = SignupForm.clean

    def clean_then_a_colleague_uses_the_link(form):
        cleaned = original_clean(form)
        # The other sign-up commits after this one's checks passed, before its account is written.
        MembershipInvitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
        return cleaned

    monkeypatch.setattr(SignupForm, "clean", clean_then_a_colleague_uses_the_link)
    response = client.post(reverse("account_signup"), signup_post())
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert not User.objects.filter(email="laura@amb.example").exists()
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_unique_address_error_on_an_invitation_signup_shows_the_used_page(
    client, staff, organisation, monkeypatch, django_capture_on_commit_callbacks
):
    """A database without row locks (SQLite): the concurrent sign-up's account wins the unique
    address; this one gets the used page, not a 500."""
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff, organisation)
    client.get(link_path())
    monkeypatch.setattr(services, "membership_invitation_lock", lambda invitation: invitation)
    original_save_user = AccountAdapter.save_user

    def save_user_after_the_other(self, request, user, form, commit=True):
        User.objects.create_user("laura@amb.example", "x")  # the other sign-up, committed first
        return original_save_user(self, request, user, form, commit)

    monkeypatch.setattr(AccountAdapter, "save_user", save_user_after_the_other)
    response = client.post(reverse("account_signup"), signup_post())
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    # (The stand-in for the other sign-up ran in this request's transaction, so it rolled back too.)
    assert not Member.objects.exists()


# ------------------------------------------------------------------------------ PostgreSQL: two threads

@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_signups_on_one_invitation_at_the_same_moment(organisation, monkeypatch):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL (set DATABASE_URL=postgres://...)")
    # Not the `staff` fixture: its Secretariat group is a migration's data, which an earlier
    # transactional test (the browser tests) flushes.
    staff = User.objects.create_user("race-staff@secretariat.example", "x", is_staff=True)
    invitation = invite(staff, organisation)
    path = link_path()
    clients = [Client(raise_request_exception=False) for _ in range(2)]
    for client in clients:
        assert client.get(path).status_code == 302

    # Each sign-up, about to write its account, waits until the other has either reached the same
    # point (no lock: both write, one fails on the unique address) or is blocked on the invitation's
    # row lock. The bound is a guard against a hang, not part of what is asserted.
    arrived = []
    arrived_lock = threading.Lock()
    original_save_user = AccountAdapter.save_user

    def save_user_together(self, request, user, form, commit=True):
        with arrived_lock:
            arrived.append(threading.get_ident())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(arrived) < 2 and not waiting_on_a_lock():
            time.sleep(0.01)
        return original_save_user(self, request, user, form, commit)

    monkeypatch.setattr(AccountAdapter, "save_user", save_user_together)
    start = threading.Barrier(2)
    responses = [None, None]

    def sign_up(index):
        try:
            start.wait(timeout=20)
            responses[index] = clients[index].post(reverse("account_signup"), signup_post())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302, 410], statuses
    used_page = next(response for response in responses if response.status_code == 410)
    assert "already been used" in used_page.content.decode()
    assert User.objects.filter(email="laura@amb.example").count() == 1
    member = Member.objects.get()
    invitation.refresh_from_db()
    assert invitation.member == member
