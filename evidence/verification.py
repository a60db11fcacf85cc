"""Verification of a revision after upload: re-read each stored object, re-hash it (it must match
the digest computed while streaming), re-sniff its type. A verified revision becomes current; a
rejected one keeps its reason. Idempotent: a revision already decided is left alone."""

import logging
import random

from botocore.exceptions import BotoCoreError, ClientError
from django.db import transaction
from django.utils import timezone

from audit_prep import audit

from . import storage
from .filetypes import RejectionReason, same_type, sniff
from .models import Revision, VerificationStatus

logger = logging.getLogger(__name__)


class TransientStorageError(Exception):
    """The store could not be read now; the task retries later."""


def retry_delay(attempt: int) -> float:
    """Exponential backoff with full jitter, capped at ten minutes."""
    return random.uniform(0, min(600, 10 * 2**attempt))


def _check_file(stored_file) -> RejectionReason | None:
    try:
        digest, size = storage.hash_object(stored_file.storage_key)
        with storage.open_object(stored_file.storage_key) as handle:
            mime_type = sniff(handle)
    except FileNotFoundError:  # local disk, and S3Storage for a missing key
        return RejectionReason.MISSING_OBJECT
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return RejectionReason.MISSING_OBJECT
        raise TransientStorageError(str(exc)) from exc
    except (OSError, BotoCoreError) as exc:  # store unreachable: retry later
        raise TransientStorageError(str(exc)) from exc
    if digest != stored_file.sha256 or size != stored_file.size:
        return RejectionReason.HASH_MISMATCH
    if not same_type(mime_type, stored_file.mime_type):
        return RejectionReason.TYPE_MISMATCH
    return None


def verify_revision(revision_id: int) -> str:
    revision = Revision.objects.filter(pk=revision_id).first()
    if revision is None or revision.verification_status != VerificationStatus.PENDING:
        return revision.verification_status if revision else "missing"
    reason = None
    for stored_file in revision.files.all():
        reason = _check_file(stored_file)
        if reason:
            break
    with transaction.atomic():
        revision = Revision.objects.select_for_update().get(pk=revision_id)
        if revision.verification_status != VerificationStatus.PENDING:
            return revision.verification_status
        if reason is None:
            # Supersede only now that the new revision is verified.
            Revision.objects.filter(evidence_id=revision.evidence_id, is_current=True).exclude(
                number__gt=revision.number
            ).update(is_current=False)
            has_newer_current = Revision.objects.filter(
                evidence_id=revision.evidence_id, is_current=True
            ).exists()
            revision.verification_status = VerificationStatus.VERIFIED
            revision.is_current = not has_newer_current
            revision.verified_at = timezone.now()
        else:
            revision.verification_status = VerificationStatus.REJECTED
            revision.rejection_reason = reason.value
        revision.save(update_fields=["verification_status", "is_current", "verified_at",
                                     "rejection_reason"])
        audit.record(None, f"revision.{revision.verification_status}", revision,
                     after={"reason": revision.rejection_reason or None,
                            "current": revision.is_current})
    logger.info("revision %s %s", revision_id, revision.verification_status)
    return revision.verification_status
