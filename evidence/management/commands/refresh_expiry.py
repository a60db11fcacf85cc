from django.core.management.base import BaseCommand

from audit_prep.cli import iso_date
from evidence import expiry


class Command(BaseCommand):
    help = ("Mark evidence valid / expiring / expired for a date (default: today), as the "
            "hourly refresh_expiry task does. Safe to run any number of times.")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, default=None,
                            help="reference date, YYYY-MM-DD (default: today, local time)")

    def handle(self, *args, date, **options):
        changed = expiry.refresh(date)
        total = sum(changed.values())
        details = ", ".join(f"{state}: {count}" for state, count in changed.items())
        self.stdout.write(f"{total} evidence item(s) changed state ({details}).")
