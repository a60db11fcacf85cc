from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklists.library import LibraryError, load_library
from checklists.services.importer import import_library

LIBRARIES_DIR = Path(__file__).resolve().parents[2] / "libraries"


class Command(BaseCommand):
    help = (
        "Import referential library files (YAML, see checklists/libraries/README.md). Each file "
        "is validated first and imported in one transaction: a file with problems imports "
        "nothing, and the command then exits non-zero listing them (URN and line)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH", help="library file(s) to import")
        parser.add_argument(
            "--all", action="store_true",
            help=f"import every *.yaml file of {LIBRARIES_DIR}",
        )

    def handle(self, *args, paths, all, verbosity=1, **options):
        if all and paths:
            raise CommandError("give either PATH arguments or --all, not both")
        if all:
            files = sorted(LIBRARIES_DIR.glob("*.yaml"))
            if not files:
                raise CommandError(f"no *.yaml file in {LIBRARIES_DIR}")
        elif paths:
            files = [Path(path) for path in paths]
        else:
            raise CommandError("give the library file(s) to import, or --all")

        failures: list[str] = []
        for path in files:
            try:
                report = import_library(load_library(path))
            except LibraryError as exc:
                failures.append(str(exc))  # "<path>: N problems" then one problem a line
                continue
            self.stdout.write(report.summary())
            if verbosity >= 2:
                for label, urns in (("added", report.added), ("changed", report.changed),
                                    ("removed", report.removed)):
                    for urn in urns:
                        self.stdout.write(f"  {label} {urn}")
        if failures:
            count = len(failures)
            raise CommandError(
                f"{count} file{'s' if count != 1 else ''} not imported:\n" + "\n".join(failures)
            )
