from django.core.management.base import BaseCommand, CommandError

from audit_prep.cli import iso_date
from workers.tasks import run_deadline_reminders, run_gap_digests, run_reminders


class Command(BaseCommand):
    help = ("Record the expiry reminders that became due and send the digests not sent yet, "
            "then the gap digests before target audit dates and the reminders of the deadlines "
            "the apps announce: audits to plan, evidence requests, corrective actions (what "
            "the periodic send_reminders task does). Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, default=None,
                            help="simulate this day (YYYY-MM-DD) instead of today")

    def handle(self, *args, **options):
        result = run_reminders(today=options["date"])
        self.stdout.write(str(result))
        gap_result = run_gap_digests(today=options["date"])
        self.stdout.write(str(gap_result))
        deadline_result = run_deadline_reminders(today=options["date"])
        self.stdout.write(str(deadline_result))
        failed = result.failed + gap_result.failed + deadline_result.failed
        if failed:
            raise CommandError(
                f"{failed} digest(s) not accepted by the mail server; they stay unsent "
                "and the next run retries them.")
