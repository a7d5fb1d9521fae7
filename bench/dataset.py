"""The web benchmark's dataset, built in seconds with bulk_create (bench/web.py; tested on a tiny size
in tests/bench/test_web.py so that it does not rot).

Organisations with mixed statuses, regions and countries; members with mixed statuses and join
dates, each with a verified allauth email address; invitations (accepted ones for a quarter of the
members, and pending ones); the current edition; one Secretariat staff user and one approved
member, signed in through sessions made here (wrk sends their cookies).
"""

from dataclasses import dataclass
from datetime import timedelta

PASSWORD = "bench-password-not-secret"
STAFF_EMAIL = "staff@bench.example"
MEMBER_EMAIL = "member00000@bench.example"
COUNTRIES = ["ES", "FR", "CA", "BR", "SN", "KR", "IN", "US", "MX", "DE", "NG", "JP", "AR", "EG", "AU"]
JOB_TITLES = ["City manager", "Chief administrative officer", "Director general", "Head of strategy"]
FIRST_NAMES = ["Ana", "Jean", "Maria", "Kwame", "Min-jun", "Priya", "Lucas", "Fatou", "Sofia", "Omar"]
LAST_NAMES = ["Garcia", "Martin", "Silva", "Mensah", "Kim", "Sharma", "Dubois", "Diop", "Rossi", "Haddad"]
BATCH = 2000
# The benchmark staff account's authenticator app (staff pages and the admin need a second factor).
BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH23"


@dataclass
class Dataset:
    organisations: int
    members: int
    invitations: int
    staff: object
    member: object
    organisation: object


def build(*, organisations: int = 2000, members: int = 20000) -> Dataset:
    """Fill an empty database. Every person shares one pre-hashed password (hashing 20,000 would
    take minutes)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from community import second_factor
    from community.models import (
        SECRETARIAT_GROUP,
        Edition,
        EditionStatus,
        Member,
        MembershipInvitation,
        MemberStatus,
        Organisation,
        OrganisationKind,
        OrganisationStatus,
        Region,
        User,
    )

    now = timezone.now()
    hashed = make_password(PASSWORD)
    regions, kinds = Region.values, OrganisationKind.values
    with transaction.atomic():
        # 90% confirmed members, 5% proposed at sign-up, 5% former.
        org_statuses = [OrganisationStatus.MEMBER, OrganisationStatus.PROPOSED, OrganisationStatus.FORMER]
        org_statuses += [OrganisationStatus.MEMBER] * 17
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Bench City {i:05d}", country=COUNTRIES[i % len(COUNTRIES)], region=regions[i % len(regions)],
                    kind=kinds[i % len(kinds)], population=100_000 + i * 997, website=f"https://city{i}.bench.example",
                    status=org_statuses[i % len(org_statuses)],
                )
                for i in range(organisations)
            ],
            batch_size=BATCH,
        )
        confirmed = [o for o in orgs if o.status == OrganisationStatus.MEMBER] or orgs
        users = User.objects.bulk_create(
            [
                User(email=f"member{i:05d}@bench.example", first_name=FIRST_NAMES[i % 10],
                     last_name=f"{LAST_NAMES[(i // 10) % 10]}-{i}", password=hashed, date_joined=now)
                for i in range(members)
            ],
            batch_size=BATCH,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=BATCH
        )
        # 70% approved, 20% pending, 10% rejected; member 0 (the signed-in member) is approved.
        member_statuses = [MemberStatus.APPROVED] * 7 + [MemberStatus.PENDING] * 2 + [MemberStatus.REJECTED]
        rows = Member.objects.bulk_create(
            [
                Member(user=u, organisation=confirmed[i % len(confirmed)], job_title=JOB_TITLES[i % 4],
                       preferred_language=("en", "fr", "es")[i % 3], time_zone="Europe/Madrid",
                       privacy_notice_version="2026-01", privacy_consented_at=now,
                       status=member_statuses[i % 10])
                for i, u in enumerate(users)
            ],
            batch_size=BATCH,
        )
        # joined_at is auto_now_add: spread the rows over three years afterwards, 36 updates.
        for month in range(36):
            Member.objects.filter(pk__in=[m.pk for m in rows[month::36]]).update(
                joined_at=now - timedelta(days=30 * month)
            )
        accepted = [
            MembershipInvitation(email=m.user.email, organisation=m.organisation, language=m.preferred_language,
                                 accepted_at=now, member=m)
            for m in rows[::4]
        ]
        pending = [
            MembershipInvitation(email=f"invited{i:05d}@bench.example", organisation=confirmed[i % len(confirmed)])
            for i in range(max(1, members // 20))
        ]
        MembershipInvitation.objects.bulk_create(accepted + pending, batch_size=BATCH)
        Edition.objects.create(year=now.year, theme="Green infrastructure", status=EditionStatus.OPEN,
                               description="The benchmark's edition.")
        staff = User.objects.create(email=STAFF_EMAIL, password=hashed, is_staff=True, first_name="Bench")
        staff.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
        EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
        second_factor.totp_activate(staff, BENCH_TOTP_SECRET)  # staff pages need the second factor
    member = Member.objects.select_related("user", "organisation").get(user__email=MEMBER_EMAIL)
    return Dataset(
        organisations=len(orgs), members=len(rows), invitations=len(accepted) + len(pending), staff=staff,
        member=member, organisation=member.organisation,
    )


def session_for(user) -> str:
    """A signed-in session for `user`, as django.contrib.auth.login() would write it; returns its key.

    For staff, the session also records the passed second factor, as allauth's login would."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from community import second_factor

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.update(second_factor.session_passed_second_factor_data(user))  # staff: the code was entered
    session.create()
    return session.session_key
