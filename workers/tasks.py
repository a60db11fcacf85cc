"""Celery tasks: thin, idempotent wrappers around the apps' services; ids in, nothing out."""

from celery import shared_task

from evidence import verification


@shared_task(name="workers.verify_revision", bind=True, max_retries=5)
def verify_revision(self, revision_id: int) -> str:
    """Re-read, re-hash and re-sniff a revision's stored files; mark it verified and current,
    or rejected with a reason. Safe to run twice."""
    try:
        return verification.verify_revision(revision_id)
    except verification.TransientStorageError as exc:
        raise self.retry(exc=exc, countdown=verification.retry_delay(self.request.retries)) from exc
