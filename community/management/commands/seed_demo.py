from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from community import demo_data, second_factor, signals
from community.models import (
    SECRETARIAT_GROUP,
    Edition,
    EditionStatus,
    Member,
    MemberStatus,
    Organisation,
    OrganisationStatus,
    User,
)


class Command(BaseCommand):
    help = "Load the demo edition (2020, green infrastructure): organisations, staff and members. Idempotent."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo loads well-known passwords: it runs only with DEBUG on.")
        with transaction.atomic():
            created = self._seed()
        self.stdout.write(self.style.SUCCESS(f"Demo edition ready ({created} new accounts)."))
        site = settings.PORTAL_BASE_URL  # follows `make run PORT=...`
        self.stdout.write(
            f"\nDemo logins (password for all: {demo_data.DEMO_PASSWORD})\n"
            f"  secretariat staff:  {demo_data.STAFF_EMAIL}   -> {site}/admin/\n"
            "                      its two-factor code: python manage.py demo_totp\n"
            "  approved member:    manager@barcelona.demo.example (one per city: manager@<city>.demo.example)\n"
            "  pending member:     applicant@berlin.demo.example (also dakar, quito)\n"
            f"  site:               {site}/\n"
        )

    def _seed(self) -> int:
        # One hash for every demo account: hashing thirty times would take seconds for nothing.
        password = make_password(demo_data.DEMO_PASSWORD)
        texts = {key: value for key, value in demo_data.EDITION_2020.items() if key != "year"}
        edition, _ = Edition.objects.update_or_create(
            year=demo_data.EDITION_2020["year"], defaults={**texts, "status": EditionStatus.OPEN}
        )
        created = 0
        staff, was_created = self._user(demo_data.STAFF_EMAIL, password, "Secretariat", "Staff", is_staff=True)
        created += was_created
        staff.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
        if not second_factor.second_factor_enabled(staff):
            second_factor.totp_activate(staff, demo_data.DEMO_TOTP_SECRET)

        for slug, name, country, region, kind, population, website, language, zone in demo_data.ORGANISATIONS:
            organisation, _ = Organisation.objects.update_or_create(
                name=name,
                country=country,
                defaults={"region": region, "kind": kind, "population": population, "website": website,
                          "status": OrganisationStatus.MEMBER},
            )
            accounts = [("manager", MemberStatus.APPROVED, "City manager")]
            if slug in demo_data.PENDING:
                accounts.append(("applicant", MemberStatus.PENDING, "Deputy city manager"))
            for local_part, status, job_title in accounts:
                user, was_created = self._user(
                    f"{local_part}@{slug}.demo.example", password, demo_data.FIRST_NAMES[language], name.split()[0]
                )
                created += was_created
                Member.objects.get_or_create(
                    user=user,
                    defaults={
                        "organisation": organisation,
                        "job_title": job_title,
                        "preferred_language": language,
                        "time_zone": zone,
                        "privacy_notice_version": settings.PRIVACY_NOTICE_VERSION,
                        "privacy_consented_at": timezone.now(),
                        "status": status,
                        "status_changed_at": timezone.now() if status == MemberStatus.APPROVED else None,
                        "status_changed_by": staff if status == MemberStatus.APPROVED else None,
                    },
                )
        # The apps above community add their demo data (the survey's portraits, the events).
        signals.demo_seeded.send(sender=Edition, edition=edition, staff=staff)
        return created

    def _user(self, email, password, first_name, last_name, is_staff=False):
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"password": password, "first_name": first_name, "last_name": last_name, "is_staff": is_staff},
        )
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user, created
