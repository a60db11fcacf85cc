"""One run at a time per periodic job, across every worker."""

from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from .models import JobLock


@contextmanager
def job_lock(name: str):
    """Yields True while holding the job's lock row, False when another worker holds it.
    The lock lasts for the transaction: the job's writes commit together when it ends."""
    JobLock.objects.get_or_create(name=name)
    with transaction.atomic():
        lock = JobLock.objects.select_for_update(skip_locked=True).filter(name=name).first()
        if lock is None:
            yield False
            return
        lock.last_started_at = timezone.now()
        lock.save(update_fields=["last_started_at"])
        yield True
        JobLock.objects.filter(name=name).update(last_finished_at=timezone.now())
