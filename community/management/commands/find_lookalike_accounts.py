from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand

from community.addresses import lookalike_report
from community.models import MembershipInvitation, User


class Command(BaseCommand):
    help = (
        "List accounts, addresses and pending invitations whose email addresses look the same (invisible "
        "characters, fullwidth letters, Unicode domains, case). Reads only: staff decide which is genuine."
    )

    def handle(self, *args, **options):
        lines = lookalike_report(
            users=User.objects.all(), email_addresses=EmailAddress.objects.all(),
            invitations=MembershipInvitation.objects.all(),
        )
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"{len(lines)} group(s) of look-alike addresses.")
