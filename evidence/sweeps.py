"""Self-healing sweeps over the evidence store.

Orphans: an upload writes its objects before the database transaction that records them. If that
transaction fails, the objects stay in storage with no StoredFile row naming their key. They are
recognised by listing the content-addressed prefix `o/<structure>/` and removed only once older
than a grace period, so an upload still in flight is never touched.
"""

import datetime
import logging
from collections.abc import Iterator

from django.utils import timezone

from .models import StoredFile
from .storage import KEY_PREFIX, evidence_storage

logger = logging.getLogger(__name__)
DEFAULT_GRACE = datetime.timedelta(hours=24)


def iter_keys(prefix: str = KEY_PREFIX) -> Iterator[str]:
    """Every object key under `prefix`, on local disk or S3."""
    storage = evidence_storage()
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix}/{name}"
    for directory in directories:
        yield from iter_keys(f"{prefix}/{directory}")


def orphaned_objects(grace: datetime.timedelta = DEFAULT_GRACE) -> list[str]:
    """Keys of stored objects that no file row references and that are older than `grace`."""
    storage = evidence_storage()
    cutoff = timezone.now() - grace
    orphans = []
    batch: list[str] = []

    def flush():
        known = set(StoredFile.objects.filter(storage_key__in=batch)
                    .values_list("storage_key", flat=True))
        for key in batch:
            if key not in known and storage.get_modified_time(key) <= cutoff:
                orphans.append(key)
        batch.clear()

    for key in iter_keys():
        batch.append(key)
        if len(batch) >= 500:
            flush()
    if batch:
        flush()
    return orphans


def remove_orphans(grace: datetime.timedelta = DEFAULT_GRACE, dry_run: bool = False) -> list[str]:
    orphans = orphaned_objects(grace)
    if not dry_run:
        storage = evidence_storage()
        for key in orphans:
            # Re-check just before deleting: an upload may have committed a row meanwhile.
            if not StoredFile.objects.filter(storage_key=key).exists():
                storage.delete(key)
                logger.info("removed orphaned object %s", key)
    return orphans
