"""Verification of a revision after upload, as ordered small steps over each stored file:

1. read the stored object once and stream-hash it (SHA-256 and size must match the upload's);
2. re-sniff its type (must confirm the type recorded at upload);
3. look for the same content in another evidence item of the structure (informational only);
4. extract its text (kept for later search) and its page count;

then, once the revision is verified, its scans are queued for OCR (`ocr_results`).

A file failing step 1 or 2 rejects the revision with a reason; otherwise the revision is verified
and becomes current, unless a newer revision is already current. Text extraction never rejects:
a damaged or encrypted document whose fingerprint and type match keeps empty text and a note.
Every step outcome is written into the revision's audit event.

Idempotent: a revision already decided is left alone (no new event); the decision is taken under
a row lock, so two workers running the same task decide once.
"""

import hashlib
import logging
import random
from contextlib import contextmanager
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit_prep import audit

from . import isolated_extraction, ocr_results, search, storage, text_extraction
from .file_checks import refresh_file_check
from .filetypes import RejectionReason, same_type, sniff
from .models import FileText, Revision, StoredFile, TextSource, VerificationStatus
from .signals import vault_changed

logger = logging.getLogger(__name__)
DUPLICATES_LISTED = 10


class TransientStorageError(Exception):
    """The store could not be read now; the task retries later."""


class _Rejected(Exception):
    def __init__(self, reason: RejectionReason):
        super().__init__(reason.value)
        self.reason = reason


def retry_delay(attempt: int) -> float:
    """Exponential backoff with full jitter, capped at ten minutes."""
    return random.uniform(0, min(600, 10 * 2**attempt))


@dataclass
class FileVerification:
    """What the verification steps found for one stored file (the item's summary of its
    current files is `EvidenceItem.file_check`, a `FilesState`)."""

    stored_file: StoredFile
    steps: dict = field(default_factory=dict)
    reason: RejectionReason | None = None

    def audit_data(self) -> dict:
        return {"file": self.stored_file.pk, "name": self.stored_file.name, **self.steps}


# --- the steps ------------------------------------------------------------------------------


@contextmanager
def open_stored(key: str):
    """The stored object as a seekable binary file; a missing object is a rejection, an
    unreachable store a transient error."""
    try:
        with storage.open_object(key) as handle, text_extraction.seekable(handle) as readable:
            yield readable
    except FileNotFoundError as exc:  # local disk, and S3Storage for a missing key
        raise _Rejected(RejectionReason.MISSING_OBJECT) from exc
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            raise _Rejected(RejectionReason.MISSING_OBJECT) from exc
        raise TransientStorageError(str(exc)) from exc
    except (OSError, BotoCoreError) as exc:  # store unreachable: retry later
        raise TransientStorageError(str(exc)) from exc


def hash_stream(handle) -> tuple[str, int]:
    """SHA-256 and size of a binary file object, read in chunks from the start."""
    hasher, size = hashlib.sha256(), 0
    handle.seek(0)
    while chunk := handle.read(storage.HASH_CHUNK):
        hasher.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return hasher.hexdigest(), size


def hash_step(handle, stored_file: StoredFile) -> dict:
    """Stream the object through SHA-256; digest and size must match the upload's."""
    digest, size = hash_stream(handle)
    if digest != stored_file.sha256 or size != stored_file.size:
        raise _Rejected(RejectionReason.HASH_MISMATCH)
    return {"hash": "ok"}


def type_step(handle, stored_file: StoredFile) -> dict:
    """Re-sniff the content; it must confirm the type recorded at upload."""
    sniffed = sniff(handle)
    if not same_type(sniffed, stored_file.mime_type):
        raise _Rejected(RejectionReason.TYPE_MISMATCH)
    return {"type": "ok"}


def extraction_limits() -> text_extraction.Limits:
    return text_extraction.Limits(text_chars=text_extraction.MAX_TEXT_CHARS,
                                  part_bytes=settings.TEXT_EXTRACTION_MAX_PART_BYTES)


def extraction_step(handle, stored_file: StoredFile) -> text_extraction.Extraction:
    """Text and page count, extracted by a child process under memory and time limits."""
    if stored_file.mime_type not in text_extraction.EXTRACTORS:
        return text_extraction.Extraction(note=text_extraction.Note.NOT_SUPPORTED)
    return isolated_extraction.extract(
        handle, stored_file.mime_type, extraction_limits(),
        memory_bytes=settings.TEXT_EXTRACTION_MEMORY_BYTES,
        timeout=settings.TEXT_EXTRACTION_TIMEOUT_SECONDS)


def duplicates_step(stored_file: StoredFile, evidence_id: int) -> list[dict]:
    """The same content in another evidence item of the structure: noted, not rejected."""
    holders = (
        StoredFile.objects.filter(organization_id=stored_file.organization_id,
                                  sha256=stored_file.sha256)
        .exclude(revision__evidence_id=evidence_id)
        .order_by("id")
        .values("id", "revision__evidence_id", "revision__number")[:DUPLICATES_LISTED]
    )
    return [{"file": row["id"], "evidence": row["revision__evidence_id"],
             "revision": row["revision__number"]} for row in holders]


def save_file_results(stored_file: StoredFile, extraction, checked_at) -> None:
    """Check time, page count and text of one file (derived data: safe to write twice)."""
    if extraction is None:
        StoredFile.objects.filter(pk=stored_file.pk).update(last_checked_at=checked_at)
        return
    with transaction.atomic():
        StoredFile.objects.filter(pk=stored_file.pk).update(  # locks the file's row
            last_checked_at=checked_at, page_count=extraction.page_count)
        if FileText.objects.filter(stored_file_id=stored_file.pk, source=TextSource.OCR).exists():
            return  # a concurrent run already verified it and queued its OCR (decision 0031)
        FileText.objects.bulk_create(  # one upsert: a second verification rewrites the text
            [FileText(stored_file_id=stored_file.pk, text=extraction.text,
                      note=extraction.note)],
            update_conflicts=True, unique_fields=["stored_file"], update_fields=["text", "note"])


def check_file(stored_file: StoredFile, evidence_id: int) -> FileVerification:
    """Run the steps over one file, reading the stored object once."""
    check = FileVerification(stored_file)
    extraction = None
    try:
        with open_stored(stored_file.storage_key) as handle:
            check.steps["read"] = "ok"
            check.steps.update(hash_step(handle, stored_file))
            check.steps.update(type_step(handle, stored_file))
            extraction = extraction_step(handle, stored_file)
    except _Rejected as rejected:
        check.reason = rejected.reason
        check.steps["rejected"] = rejected.reason.value
    else:
        check.steps["duplicates"] = duplicates_step(stored_file, evidence_id)
        check.steps.update(text_chars=len(extraction.text), text_note=extraction.note,
                           page_count=extraction.page_count, text_peak_kb=extraction.peak_kb)
    save_file_results(stored_file, extraction, timezone.now())
    return check


# --- the decision ---------------------------------------------------------------------------


def _mark_verified(revision: Revision) -> None:
    # Supersede only now that the new revision is verified; a newer current revision wins.
    Revision.objects.filter(evidence_id=revision.evidence_id, is_current=True).exclude(
        number__gt=revision.number
    ).update(is_current=False)
    has_newer_current = Revision.objects.filter(
        evidence_id=revision.evidence_id, is_current=True
    ).exists()
    revision.verification_status = VerificationStatus.VERIFIED
    revision.is_current = not has_newer_current
    revision.verified_at = timezone.now()


def _mark_rejected(revision: Revision, reason: RejectionReason) -> None:
    revision.verification_status = VerificationStatus.REJECTED
    revision.rejection_reason = reason.value


def _decide(revision_id: int, checks: list[FileVerification],
            reason: RejectionReason | None = None) -> str:
    reason = reason or next((check.reason for check in checks if check.reason), None)
    with transaction.atomic():
        revision = (Revision.objects.select_for_update(of=("self",))
                    .select_related("evidence").get(pk=revision_id))
        if revision.verification_status != VerificationStatus.PENDING:
            return revision.verification_status
        if reason is None:
            _mark_verified(revision)
            ocr_results.queue_scans(revision.pk)  # after commit: the scans' OCR, once
        else:
            _mark_rejected(revision, reason)
        revision.save(update_fields=["verification_status", "is_current", "verified_at",
                                     "rejection_reason"])
        refresh_file_check([revision.evidence_id])
        if revision.is_current:
            search.refresh_items([revision.evidence_id])
        audit.record(None, f"revision.{revision.verification_status}", revision,
                     after={"reason": revision.rejection_reason or None,
                            "current": revision.is_current,
                            "files": [check.audit_data() for check in checks]})
        vault_changed.send(sender=Revision, organization_id=revision.evidence.organization_id)
    return revision.verification_status


def _count_attempt(revision_id: int, step: int = 1) -> int:
    """Add `step` to the revision's attempts, committed at once (autocommit) so that a crash or
    a killed worker still counts; returns the attempts so far."""
    pending = Revision.objects.filter(pk=revision_id,
                                      verification_status=VerificationStatus.PENDING)
    # The filter keeps the count from going below zero when an attempt is taken back.
    pending.filter(verification_attempts__gte=-step).update(
        verification_attempts=F("verification_attempts") + step)
    return pending.values_list("verification_attempts", flat=True).first() or 0


def verify_revision(revision_id: int) -> str:
    """Verify a pending revision; returns its status ("missing" for an unknown id). After
    VERIFICATION_MAX_ATTEMPTS attempts that crashed or died with their worker, the revision is
    rejected (`verification_failed`) instead of being tried forever."""
    revision = Revision.objects.filter(pk=revision_id).first()
    if revision is None or revision.verification_status != VerificationStatus.PENDING:
        return revision.verification_status if revision else "missing"
    if _count_attempt(revision_id) > settings.VERIFICATION_MAX_ATTEMPTS:
        status = _decide(revision_id, [], RejectionReason.VERIFICATION_FAILED)
        logger.error("revision %s: verification gave up after %s attempts", revision_id,
                     settings.VERIFICATION_MAX_ATTEMPTS)
        return status
    checks = []
    try:
        for stored_file in revision.files.all():
            checks.append(check_file(stored_file, revision.evidence_id))
            if checks[-1].reason:
                break
    except TransientStorageError:
        _count_attempt(revision_id, -1)  # the store was out of reach: not the file's doing
        raise
    status = _decide(revision_id, checks)
    logger.info("revision %s %s", revision_id, status)
    return status
