import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError

from workers import reminders


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = ("Record the expiry reminders that became due and send the digests not sent yet "
            "(what the periodic send_reminders task does). Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, default=None,
                            help="simulate this day (YYYY-MM-DD) instead of today")

    def handle(self, *args, **options):
        result = reminders.run(today=options["date"])
        self.stdout.write(str(result))
        if result.failed:
            raise CommandError(
                f"{result.failed} digest(s) not accepted by the mail server; they stay unsent "
                "and the next run retries them.")
