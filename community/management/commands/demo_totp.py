from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from community import demo_data, second_factor


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo staff account (secretariat@demo.example)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp is for the demo (DEBUG on) only.")
        self.stdout.write(second_factor.totp_current_code(demo_data.DEMO_TOTP_SECRET))
