"""Self-healing sweeps over the evidence store.

Outbox: a revision is recorded as pending verification in the same transaction as its upload;
its verification task is only sent after commit. If the broker was down then, the revision stays
pending: `requeue_stuck_revisions` sends the task again once past STUCK_REVISION_MINUTES.

Integrity: `rehash_sample` re-hashes the least recently checked stored files, flags those that
no longer match their SHA-256 (or are gone) and announces them (`signals.files_flagged`: the
notices alert the structure's quality managers).

Orphans: an upload writes its objects before the database transaction that records them. If that
transaction fails, the objects stay in storage with no StoredFile row naming their key. They are
recognised by listing the content-addressed prefix `o/<structure>/` and removed only once older
than a grace period, so an upload still in flight is never touched.
"""

import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit_prep import audit
from audit_prep.tasks import enqueue

from .file_checks import refresh_file_check
from .filetypes import RejectionReason
from .models import Revision, StoredFile, VerificationStatus
from .signals import files_flagged, vault_changed
from .storage import KEY_PREFIX, evidence_storage, hash_object

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


# --- outbox: verification stuck in "pending" ---------------------------------------------------

VERIFY_TASK = "workers.verify_revision"
REQUEUE_BATCH = 500


def stuck_revisions(now: datetime.datetime | None = None, limit: int = REQUEUE_BATCH):
    """Ids of revisions still pending verification past the threshold, oldest first."""
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=settings.STUCK_REVISION_MINUTES)
    return list(
        Revision.objects.filter(verification_status=VerificationStatus.PENDING,
                                created_at__lte=cutoff)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def requeue_stuck_revisions(now: datetime.datetime | None = None) -> list[int]:
    """Enqueue verification again for stuck revisions (the upload's message was lost, e.g. the
    broker was down when it committed); returns the ids enqueued. The messages expire after the
    threshold, so a long worker backlog does not pile up copies: the next sweep sends a fresh
    one. Stops at the first refusal: the broker is down, the next sweep retries."""
    expires = settings.STUCK_REVISION_MINUTES * 60
    requeued = []
    for revision_id in stuck_revisions(now):
        if not enqueue(VERIFY_TASK, revision_id, expires=expires):
            break
        requeued.append(revision_id)
    if requeued:
        logger.info("re-enqueued verification of %d stuck revision(s)", len(requeued))
    return requeued


# --- integrity: re-hash stored files -----------------------------------------------------------

MAX_CONSECUTIVE_UNREADABLE = 5
_ID_CHUNK = 500


@dataclass(frozen=True)
class RehashResult:
    checked: int = 0
    mismatches: int = 0
    flagged: tuple[int, ...] = ()  # file ids newly flagged in this run (alerted)
    restored: tuple[int, ...] = ()  # file ids that match again
    unreadable: int = 0  # store unreachable: left for the next run

    def __str__(self):
        return (f"checked {self.checked}, mismatches {self.mismatches} "
                f"(newly flagged {len(self.flagged)}), restored {len(self.restored)}, "
                f"unreadable {self.unreadable}")


class _Unreadable(Exception):
    pass


def _sample_ids(size: int | None, all_files: bool) -> list[int]:
    """Files of verified revisions, least recently checked first (never checked first)."""
    files = StoredFile.objects.filter(
        revision__verification_status=VerificationStatus.VERIFIED
    ).order_by(F("last_checked_at").asc(nulls_first=True), "id").values_list("id", flat=True)
    if all_files:
        return list(files)
    size = settings.REHASH_SAMPLE_SIZE if size is None else size
    return list(files[:size]) if size > 0 else []


def _iter_files(ids: list[int]):
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = StoredFile.objects.in_bulk(ids[start:start + _ID_CHUNK])
        yield from (chunk[pk] for pk in ids[start:start + _ID_CHUNK] if pk in chunk)


def _problem(stored_file: StoredFile) -> tuple[RejectionReason | None, dict]:
    """Re-hash one stored object: (None, found) when it matches, else the problem."""
    try:
        digest, size = hash_object(stored_file.storage_key)
    except FileNotFoundError:
        return RejectionReason.MISSING_OBJECT, {}
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return RejectionReason.MISSING_OBJECT, {}
        raise _Unreadable(str(exc)) from exc
    except (OSError, BotoCoreError) as exc:
        raise _Unreadable(str(exc)) from exc
    found = {"sha256": digest, "size": size}
    if digest != stored_file.sha256 or size != stored_file.size:
        return RejectionReason.HASH_MISMATCH, found
    return None, found


def _refresh_evidence_of(stored_file: StoredFile) -> None:
    refresh_file_check(Revision.objects.filter(pk=stored_file.revision_id).values("evidence_id"))


def _flag(stored_file: StoredFile, problem: RejectionReason, found: dict, now) -> bool:
    """Mark a file altered or missing; True when newly flagged (then audited and alerted)."""
    with transaction.atomic():
        newly = StoredFile.objects.filter(pk=stored_file.pk, integrity_error=False).update(
            integrity_error=True, last_checked_at=now)
        _refresh_evidence_of(stored_file)
        if not newly:
            StoredFile.objects.filter(pk=stored_file.pk).update(last_checked_at=now)
            return False
        audit.record(None, "file.integrity_error", stored_file,
                     before={"sha256": stored_file.sha256, "size": stored_file.size},
                     after={"problem": problem.value, "found": found or None})
        vault_changed.send(sender=StoredFile, organization_id=stored_file.organization_id)
    return True


def _clear(stored_file: StoredFile, found: dict, now) -> bool:
    """Record a match; True when it clears an earlier integrity error."""
    with transaction.atomic():
        restored = StoredFile.objects.filter(pk=stored_file.pk, integrity_error=True).update(
            integrity_error=False, last_checked_at=now)
        _refresh_evidence_of(stored_file)
        if not restored:
            StoredFile.objects.filter(pk=stored_file.pk).update(last_checked_at=now)
            return False
        audit.record(None, "file.integrity_restored", stored_file, after={"found": found})
        vault_changed.send(sender=StoredFile, organization_id=stored_file.organization_id)
    return True


def rehash_sample(size: int | None = None, all_files: bool = False) -> RehashResult:
    """Re-hash the `size` least recently checked verified files (default REHASH_SAMPLE_SIZE),
    or every one with `all_files`, to catch silent corruption and missing objects. A file that
    no longer matches is flagged (`integrity_error`), audited and reported to the quality
    managers of its structure once (through `signals.files_flagged`); it is cleared when it
    matches again."""
    checked = mismatches = unreadable = consecutive = 0
    flagged, restored = [], []
    for stored_file in _iter_files(_sample_ids(size, all_files)):
        try:
            problem, found = _problem(stored_file)
        except _Unreadable as exc:
            logger.warning("cannot re-hash file %s now: %s", stored_file.pk, exc)
            unreadable, consecutive = unreadable + 1, consecutive + 1
            if consecutive >= MAX_CONSECUTIVE_UNREADABLE:
                logger.error("store unreadable; re-hash sweep stopped early")
                break
            continue
        checked, consecutive, now = checked + 1, 0, timezone.now()
        if problem is None:
            if _clear(stored_file, found, now):
                restored.append(stored_file)
            continue
        mismatches += 1
        logger.error("integrity error on file %s (%s): %s", stored_file.pk,
                     stored_file.storage_key, problem.value)
        if _flag(stored_file, problem, found, now):
            flagged.append((stored_file, problem))
    if flagged:
        files_flagged.send(sender=StoredFile, problems={f.pk: problem for f, problem in flagged})
    repaired = refresh_file_check()  # a safety net: nothing to repair when every writer refreshed
    if repaired:
        logger.error("file_check of %d evidence item(s) was stale; repaired", repaired)
    return RehashResult(checked, mismatches, tuple(f.pk for f, _problem in flagged),
                        tuple(f.pk for f in restored), unreadable)
