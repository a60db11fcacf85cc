from django.core.management.base import BaseCommand, CommandError

from audit_prep.cli import iso_date
from workers.tasks import run_reminders


class Command(BaseCommand):
    help = ("Record the expiry reminders that became due and send the digests not sent yet "
            "(what the periodic send_reminders task does). Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, default=None,
                            help="simulate this day (YYYY-MM-DD) instead of today")

    def handle(self, *args, **options):
        result = run_reminders(today=options["date"])
        self.stdout.write(str(result))
        if result.failed:
            raise CommandError(
                f"{result.failed} digest(s) not accepted by the mail server; they stay unsent "
                "and the next run retries them.")
