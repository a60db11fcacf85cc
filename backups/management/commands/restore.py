"""manage.py restore SRC: a backup set into an empty database and store, then verified."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backups import backup_set, restore
from backups.errors import BackupError
from backups.report import checked_summary, print_problems

MISMATCH = 2  # exit status when a verification finds a difference (refusals exit 1)


class Command(BaseCommand):
    help = _("Restore the backup set SRC into the configured database and file store, which must "
             "be empty, then verify every file row's object, the audit trail and the "
             "checklists against the set's manifest.")

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path, help=_("the directory of the backup set"))
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--verify-only", action="store_true",
                          help=_("check the backup set (dump, object list, every object's "
                                 "SHA-256) without restoring anything"))
        mode.add_argument("--compare", action="store_true",
                          help=_("compare the current database and store with the set without "
                                 "restoring anything"))

    def handle(self, *args, **options):
        started = time.monotonic()
        src, quiet = options["src"], options["verbosity"] == 0
        try:
            if options["verify_only"]:
                outcome = backup_set.verify(src, quiet)
            elif options["compare"]:
                outcome = restore.compare(src, quiet)
            else:
                outcome = restore.restore(src, quiet)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if outcome.problems:
            print_problems(self.stderr, outcome.problems)
            raise CommandError(_("Verification failed: %(count)s differences with the backup "
                                 "set %(src)s.") % {"count": len(outcome.problems), "src": src},
                               returncode=MISMATCH)
        self.stdout.write(_("Verified against %(src)s in %(seconds).1f s: %(checked)s.") % {
            "src": src, "seconds": time.monotonic() - started,
            "checked": checked_summary(outcome.checked)})
