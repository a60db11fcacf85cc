from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence import sweeps
from evidence.models import StoredFile


class Command(BaseCommand):
    help = ("Re-hash stored files of verified revisions (least recently checked first), flag "
            "those altered or missing and alert the quality managers of their structure.")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", dest="all_files",
                            help="check every stored file, not a sample")
        parser.add_argument("--size", type=int, default=None,
                            help=f"files to check (default REHASH_SAMPLE_SIZE, "
                                 f"{settings.REHASH_SAMPLE_SIZE})")

    def handle(self, *args, all_files, size, **options):
        if size is not None and size < 0:
            raise CommandError("--size must be 0 or more.")
        result = sweeps.rehash_sample(size=size, all_files=all_files)
        names = dict(StoredFile.objects.filter(pk__in=result.flagged + result.restored)
                     .values_list("pk", "storage_key"))
        for pk in result.flagged:
            self.stdout.write(f"integrity error: file {pk} ({names.get(pk)})")
        for pk in result.restored:
            self.stdout.write(f"restored: file {pk} ({names.get(pk)})")
        self.stdout.write(f"{result}.")
        if result.unreadable:
            self.stderr.write(f"{result.unreadable} file(s) could not be read now; "
                              "they are checked first on the next run.")
