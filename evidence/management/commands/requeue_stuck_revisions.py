from django.conf import settings
from django.core.management.base import BaseCommand

from evidence import sweeps


class Command(BaseCommand):
    help = ("Enqueue verification again for revisions still pending after "
            "STUCK_REVISION_MINUTES (e.g. the broker was down when they were uploaded).")

    def handle(self, *args, **options):
        stuck = sweeps.stuck_revisions()
        requeued = sweeps.requeue_stuck_revisions()
        for revision_id in requeued:
            self.stdout.write(f"re-enqueued verification of revision {revision_id}")
        self.stdout.write(
            f"{len(requeued)} stuck revision(s) re-enqueued "
            f"(pending for more than {settings.STUCK_REVISION_MINUTES} minutes)."
        )
        if len(requeued) < len(stuck):
            self.stderr.write(f"{len(stuck) - len(requeued)} could not be enqueued: is the "
                              "broker reachable? The periodic sweep will try again.")
