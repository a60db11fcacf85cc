import datetime

from django.core.management.base import BaseCommand

from evidence import sweeps


class Command(BaseCommand):
    help = "Report, and unless --dry-run remove, stored objects that no file row references."

    def add_arguments(self, parser):
        parser.add_argument("--grace-hours", type=float, default=24.0)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, grace_hours, dry_run, **options):
        orphans = sweeps.remove_orphans(datetime.timedelta(hours=grace_hours), dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        for key in orphans:
            self.stdout.write(f"{verb} {key}")
        self.stdout.write(f"{len(orphans)} orphaned object(s) {verb}.")
