"""Which revision of each evidence item was in force on an audit date: the one rule the
auditor's workspace and the sealed pack share.

A revision is in force from the moment it was verified (it became current then) until a later
revision was verified. On a date, the item's revision in force is its highest-numbered revision
verified before that day ended; for today or a later day, that is its current revision. Items
with no revision verified by then have none."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from evidence.models import Revision, StoredFile, VerificationStatus


def end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after `day`, in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1),
                                                         datetime.time.min))


def verified_by(on: datetime.date) -> QuerySet:
    """The revisions verified before `on` ended: an item's highest-numbered one among them is
    its revision in force on `on` (also read in SQL by `audits.auditor_evidence`)."""
    return Revision.objects.filter(verification_status=VerificationStatus.VERIFIED,
                                   verified_at__lt=end_of(on))


def revisions_in_force(evidence_ids, on: datetime.date) -> dict[int, Revision]:
    """{evidence id: its revision in force on `on`}, in one query."""
    rows = verified_by(on).filter(evidence_id__in=evidence_ids).order_by("evidence_id", "-number")
    found: dict[int, Revision] = {}
    for revision in rows:
        found.setdefault(revision.evidence_id, revision)
    return found


def files_of(revisions) -> dict[int, list[StoredFile]]:
    """{revision id: its files, in upload order}, in one query."""
    files: dict[int, list[StoredFile]] = {}
    for stored in StoredFile.objects.filter(revision__in=list(revisions)).order_by(
            "revision_id", "id"):
        files.setdefault(stored.revision_id, []).append(stored)
    return files
