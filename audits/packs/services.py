"""Sealing an engagement into a pack, asking for its ZIP and for a re-verification, and
downloading it. Quality managers seal and verify (`Action.MANAGE_AUDITS`); whoever may download
on the engagement (its members, its auditor while the access is open) downloads a built pack."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit_prep import access, audit
from audit_prep.api.errors import Conflict
from audit_prep.roles import Action
from audit_prep.tasks import enqueue_after_commit

from ..models import Engagement
from . import manifest as manifests
from .models import AuditPack, BuildState, PackFile, VerificationState

BUILD_TASK = "workers.build_audit_pack"
VERIFY_TASK = "workers.verify_audit_pack"


def seal(actor, engagement: Engagement) -> AuditPack:
    """Freeze `engagement` now: its manifest at the audit date (the first day), sealed by the
    SHA-256 of its canonical JSON, its files held; the ZIP is built by a worker after commit."""
    access.require_engagement(actor, Action.MANAGE_AUDITS, engagement)
    with transaction.atomic():
        # Locks the engagement: two seals at once get consecutive numbers.
        engagement = Engagement.objects.select_for_update().select_related(
            "organization").get(pk=engagement.pk)
        number = (engagement.packs.aggregate(last=Max("number"))["last"] or 0) + 1
        sealed_at = timezone.now()
        data, entries = manifests.build(engagement, number, actor, sealed_at,
                                        on=engagement.start_date)
        text = manifests.canonical(data)
        total = sum(entry.stored.size for entry in entries)
        pack = AuditPack.objects.create(
            engagement=engagement, number=number, audit_date=engagement.start_date,
            language=data["language"] or "fr", manifest=text.decode("utf-8"),
            seal=manifests.seal_of(text), sealed_by=actor, sealed_at=sealed_at,
            file_count=len(entries), total_bytes=total, progress_total=total)
        PackFile.objects.bulk_create(
            PackFile(pack=pack, position=position, path=entry.path, stored_file=entry.stored,
                     sha256=entry.stored.sha256, size=entry.stored.size)
            for position, entry in enumerate(entries))
        audit.record(actor, "audit_pack.seal", pack, after={
            "engagement": engagement.pk, "number": number, "seal": pack.seal,
            "audit_date": pack.audit_date, "files": len(entries), "bytes": total})
        enqueue_after_commit(BUILD_TASK, pack.pk)
    return pack


def rebuild(actor, pack: AuditPack) -> AuditPack:
    """Build a failed pack's ZIP again (from the same sealed manifest)."""
    access.require_engagement(actor, Action.MANAGE_AUDITS, pack.engagement)
    with transaction.atomic():
        changed = AuditPack.objects.filter(pk=pack.pk, state=BuildState.FAILED).update(
            state=BuildState.QUEUED, progress_done=0, files_done=0, failure_reason="",
            failure_detail="", progress_at=timezone.now())
        if not changed:
            raise Conflict(_("Only a pack whose build failed can be built again."),
                           code="pack_not_failed")
        audit.record(actor, "audit_pack.rebuild", pack, after={"engagement": pack.engagement_id})
        enqueue_after_commit(BUILD_TASK, pack.pk)
    pack.refresh_from_db()
    return pack


def request_verification(actor, pack: AuditPack) -> AuditPack:
    """Re-verify the seal against the store, in a worker (every file re-hashed)."""
    access.require_engagement(actor, Action.MANAGE_AUDITS, pack.engagement)
    with transaction.atomic():
        changed = (AuditPack.objects.filter(pk=pack.pk)
                   .exclude(verification__in=(VerificationState.QUEUED,
                                              VerificationState.RUNNING))
                   .update(verification=VerificationState.QUEUED,
                           verification_requested_at=timezone.now()))
        if not changed:
            raise Conflict(_("This pack is already being verified."), code="pack_verifying")
        audit.record(actor, "audit_pack.verification_request", pack,
                     after={"engagement": pack.engagement_id})
        enqueue_after_commit(VERIFY_TASK, pack.pk, actor.pk)
    pack.refresh_from_db()
    return pack


def record_download(actor, pack: AuditPack, *, transfers: bool = True) -> None:
    """Check the right to download the pack's ZIP (built) and log a member's download
    (`audit_pack.download`). The auditor's workspace logs its auditor's downloads itself
    (`auditor.download`, `audits.workspace.guard`) and calls this with `transfers=False`; a
    request that transfers nothing (HEAD) is checked, not logged."""
    engagement = pack.engagement
    access.require_engagement(actor, Action.DOWNLOAD, engagement)
    if pack.state != BuildState.READY:
        raise Conflict(_("This pack is not built yet: download it once it is ready."),
                       code="pack_not_ready")
    if not transfers:
        return
    audit.record(actor, "audit_pack.download", pack,
                 after={"engagement": engagement.pk, "pack": pack.pk, "number": pack.number,
                        "seal": pack.seal, "sha256": pack.archive_sha256})
