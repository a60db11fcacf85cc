"""Uploads: inspect every file, write the objects, then record the revision in one transaction.

Order matters. Nothing is written to the database until every object is safely in storage, so a
storage failure leaves no row. If the database fails after the objects were written, those
objects have no StoredFile row pointing at their key: the orphan sweep (`sweep_orphans`) finds
them by listing the `o/<structure>/` prefix and removes them once older than its grace period.
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from audit_prep import access, audit
from audit_prep.api.errors import ApiError, Conflict, InvalidState, TooManyFiles
from audit_prep.roles import Action
from audit_prep.tasks import enqueue_after_commit

from .. import storage
from ..filetypes import FileRejected, Inspection, RejectionReason, inspect_file
from ..models import EvidenceItem, EvidenceStatus, Revision, StoredFile
from ..signals import vault_changed


class UploadRejected(ApiError):
    def __init__(self, reason: RejectionReason, file_name: str = "", **details):
        if file_name:
            details["file"] = file_name
        super().__init__(detail=reason.label, code=reason.value, details=details)
        self.status_code = 413 if reason == RejectionReason.TOO_LARGE else 400


class DuplicateContent(Conflict):
    default_code = "duplicate_content"
    default_detail = _(
        "This content is already in the vault of this structure. Link the existing evidence, "
        "or send allow_duplicate=true to keep a second copy on purpose."
    )


def _inspect_all(uploads) -> list[tuple[Any, Inspection]]:
    if not uploads:
        raise UploadRejected(RejectionReason.FILE_REQUIRED)
    if len(uploads) > settings.UPLOAD_MAX_FILES:
        raise TooManyFiles()
    inspected = []
    for upload in uploads:
        if getattr(upload, "too_large", False):
            raise UploadRejected(
                RejectionReason.TOO_LARGE, upload.name, limit_bytes=settings.UPLOAD_MAX_BYTES
            )
        try:
            inspected.append((upload, inspect_file(upload, upload.name, upload.size)))
        except FileRejected as rejected:
            raise UploadRejected(rejected.reason, upload.name, **rejected.details) from rejected
    return inspected


def _attached_twice() -> DuplicateContent:
    return DuplicateContent(_("The same file was attached twice."), code="duplicate_in_request")


def _check_duplicates(organization_id: int, inspected, allow_duplicate: bool) -> None:
    digests = [upload.sha256 for upload, _inspection in inspected]
    if len(set(digests)) != len(digests):
        raise _attached_twice()
    if allow_duplicate:
        return
    existing = (
        StoredFile.objects.filter(organization_id=organization_id, sha256__in=digests)
        .select_related("revision__evidence")
        .order_by("id")
    )
    holders = [
        {
            "file_id": stored.id,
            "file_name": stored.name,
            "evidence_id": stored.revision.evidence_id,
            "evidence_title": stored.revision.evidence.title,
            "revision": stored.revision.number,
            "evidence_url": f"/api/v1/evidence/{stored.revision.evidence_id}/",
        }
        for stored in existing
    ]
    if holders:
        raise DuplicateContent(details={"existing": holders})


def store_objects(organization_id: int, uploads, allow_duplicate: bool = False):
    """Inspect and write every upload; returns [(upload, inspection, key)]. Raises before any
    database write on the first bad file."""
    inspected = _inspect_all(uploads)
    _check_duplicates(organization_id, inspected, allow_duplicate)
    stored = []
    for upload, inspection in inspected:
        key = storage.storage_key(organization_id, upload.sha256)
        storage.put(upload, key)
        stored.append((upload, inspection, key))
    return stored


def refusal_of_each(organization_id: int, uploads,
                    allow_duplicate: bool = False) -> list[ApiError | None]:
    """Each upload checked alone as `store_objects` checks them (size, name and content, the
    same file twice in the request, content the structure already holds), nothing written: the
    refusal of each file, None for a file that would be kept. The web pages give with it every
    reason of a request refused whole, where the API names the first."""
    found: list[ApiError | None] = []
    seen: set[str] = set()
    for upload in uploads:
        try:
            inspected = _inspect_all([upload])
            if upload.sha256 in seen:
                raise _attached_twice()
            seen.add(upload.sha256)
            _check_duplicates(organization_id, inspected, allow_duplicate)
        except ApiError as refusal:
            found.append(refusal)
            continue
        found.append(None)
    return found


def create_revision_rows(actor, evidence: EvidenceItem, stored, note: str) -> Revision:
    """Inside the caller's transaction: the next revision number, its files, audit events, and
    verification enqueued after commit."""
    locked = EvidenceItem.objects.select_for_update().get(pk=evidence.pk)
    last = locked.revisions.aggregate(last=Max("number"))["last"] or 0
    revision = Revision.objects.create(
        evidence=locked, number=last + 1, note=note, created_by=actor
    )
    files = StoredFile.objects.bulk_create(
        [
            StoredFile(
                organization_id=locked.organization_id,
                revision=revision,
                name=inspection.name,
                mime_type=inspection.mime_type,
                size=upload.size,
                sha256=upload.sha256,
                storage_key=key,
            )
            for upload, inspection, key in stored
        ]
    )
    audit.record(
        actor,
        "revision.upload",
        revision,
        after={
            "evidence": locked.pk,
            "number": revision.number,
            "files": [
                {"name": f.name, "sha256": f.sha256, "size": f.size, "type": f.mime_type}
                for f in files
            ],
        },
    )
    enqueue_after_commit("workers.verify_revision", revision.pk)
    vault_changed.send(sender=Revision, organization_id=locked.organization_id)
    return revision


def add_revision(actor, evidence: EvidenceItem, uploads, note: str = "",
                 allow_duplicate: bool = False) -> Revision:
    """Append a revision with its files to an evidence item."""
    access.require(actor, Action.UPLOAD, evidence.organization_id)
    if evidence.status == EvidenceStatus.ARCHIVED:
        raise InvalidState(_("Archived evidence cannot receive new files."))
    stored = store_objects(evidence.organization_id, uploads, allow_duplicate)
    with transaction.atomic():
        return create_revision_rows(actor, evidence, stored, note)
