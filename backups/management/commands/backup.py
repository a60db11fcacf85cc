"""manage.py backup DEST: the database and the stored objects into a new backup set."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backups import backup_set
from backups.errors import BackupError
from backups.report import print_problems

MISMATCH = 2  # exit status when the set was written but an object did not match its row


class Command(BaseCommand):
    help = _("Back up the database and every stored object named by a file row into DEST (a new "
             "or empty directory), with a manifest of their SHA-256, table counts, audit trail "
             "digest and checklist fingerprints.")

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path, help=_("the directory of the new backup set"))

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            outcome = backup_set.create(options["dest"], quiet=options["verbosity"] == 0)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = outcome.manifest
        self.stdout.write(_(
            "Backup set %(dest)s: %(vendor)s database (%(dump)s bytes), %(objects)s objects "
            "(%(bytes)s bytes), %(events)s audit events, %(checklists)s checklists, "
            "in %(seconds).1f s."
        ) % {"dest": options["dest"], "vendor": manifest["database"]["vendor"],
             "dump": manifest["database"]["size"], "objects": manifest["objects"]["count"],
             "bytes": manifest["objects"]["bytes"],
             "events": manifest["audit_trail"]["count"],
             "checklists": len(manifest["checklists"]), "seconds": time.monotonic() - started})
        if outcome.problems:
            print_problems(self.stderr, outcome.problems)
            raise CommandError(_("The backup set was written, but %(count)s stored objects are "
                                 "missing or differ from their file rows.")
                               % {"count": len(outcome.problems)}, returncode=MISMATCH)
