from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit_prep import access, audit
from audit_prep.api.errors import InvalidState
from audit_prep.models import Membership
from audit_prep.roles import Action

from .. import search
from ..models import EvidenceItem, EvidenceStatus, Tag, VerificationStatus
from ..signals import vault_changed
from .uploads import create_revision_rows, store_objects

EDITABLE_FIELDS = (
    "title", "description", "kind", "owner", "effective_date", "period_start", "period_end",
    "renewal_months", "valid_until", "retention_until",
)


def audited_fields(evidence: EvidenceItem, tags=None) -> dict:
    """The fields of an evidence item as the audit trail records them (before / after)."""
    data = {name: getattr(evidence, name) for name in EDITABLE_FIELDS if name != "owner"}
    data["owner"] = evidence.owner_id
    data["status"] = evidence.status
    if tags is not None:
        data["tags"] = sorted(tags)
    return data


def compute_valid_until(effective_date, renewal_months):
    return effective_date + relativedelta(months=renewal_months)


def _check_owner(organization_id: int, owner) -> None:
    from rest_framework.exceptions import ValidationError

    if owner is not None and not Membership.objects.filter(
        organization_id=organization_id, user=owner
    ).exists():
        raise ValidationError(
            {"owner": [_("The owner must be a member of the structure.")]}, code="owner_not_member"
        )


def _apply(evidence: EvidenceItem, data: dict) -> None:
    explicit_valid_until = "valid_until" in data and data["valid_until"] is not None
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(evidence, name, data[name])
    if explicit_valid_until:
        evidence.renewal_months = None
    elif evidence.renewal_months:
        # The own renewal period runs from the latest review, else from the effective date.
        start = max(filter(None, (evidence.effective_date, evidence.last_reviewed_on)))
        evidence.valid_until = compute_valid_until(start, evidence.renewal_months)


def _set_tags(evidence: EvidenceItem, names) -> list[str]:
    clean = sorted({name.strip() for name in names if name.strip()})
    existing = {tag.name: tag for tag in Tag.objects.filter(
        organization_id=evidence.organization_id, name__in=clean
    )}
    missing = [Tag(organization_id=evidence.organization_id, name=n) for n in clean
               if n not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    evidence.tags.set(Tag.objects.filter(organization_id=evidence.organization_id, name__in=clean))
    return clean


def create_evidence(actor, organization, data: dict, uploads=None, note: str = "",
                    allow_duplicate: bool = False) -> EvidenceItem:
    """Create an evidence item, with a first revision when files come with it. Files are
    inspected and stored before any row is written."""
    access.require(actor, Action.CREATE, organization.pk)
    if uploads:
        access.require(actor, Action.UPLOAD, organization.pk)
    _check_owner(organization.pk, data.get("owner"))
    tags = data.pop("tags", [])
    evidence = EvidenceItem(organization=organization, created_by=actor)
    _apply(evidence, data)
    evidence.full_clean()
    stored = store_objects(organization.pk, uploads, allow_duplicate) if uploads else None
    with transaction.atomic():
        evidence.save()
        tag_names = _set_tags(evidence, tags)
        audit.record(actor, "evidence.create", evidence, after=audited_fields(evidence, tag_names))
        vault_changed.send(sender=EvidenceItem, organization_id=evidence.organization_id)
        if stored:
            create_revision_rows(actor, evidence, stored, note)
        search.refresh_items([evidence.pk])
    return evidence


def update_evidence(actor, evidence: EvidenceItem, data: dict) -> EvidenceItem:
    access.require(actor, Action.CHANGE, evidence.organization_id)
    if evidence.status == EvidenceStatus.ARCHIVED:
        raise InvalidState(_("Archived evidence cannot be changed."))
    if "owner" in data:
        _check_owner(evidence.organization_id, data["owner"])
    tags = data.pop("tags", None)
    with transaction.atomic():
        evidence = EvidenceItem.objects.select_for_update().get(pk=evidence.pk)
        before = audited_fields(evidence, evidence.tags.values_list("name", flat=True))
        _apply(evidence, data)
        evidence.full_clean()
        evidence.save()
        tag_names = _set_tags(evidence, tags) if tags is not None else before["tags"]
        after = audited_fields(evidence, tag_names)
        if after != before:
            audit.record(actor, "evidence.update", evidence, before=before, after=after)
            vault_changed.send(sender=EvidenceItem, organization_id=evidence.organization_id)
            search.refresh_items([evidence.pk])
    return evidence


def _transition(actor, evidence, action: Action, allowed_from, apply, audit_action, extra=None):
    access.require(actor, action, evidence.organization_id)
    with transaction.atomic():
        evidence = EvidenceItem.objects.select_for_update().get(pk=evidence.pk)
        if evidence.status not in allowed_from:
            raise InvalidState(details={"status": evidence.status})
        before = {"status": evidence.status}
        apply(evidence)
        evidence.save()
        audit.record(actor, audit_action, evidence, before=before,
                     after={"status": evidence.status, **(extra or {})})
        vault_changed.send(sender=EvidenceItem, organization_id=evidence.organization_id)
    return evidence


def submit_for_review(actor, evidence: EvidenceItem) -> EvidenceItem:
    def apply(item):
        item.status = EvidenceStatus.IN_REVIEW

    return _transition(actor, evidence, Action.SUBMIT, {EvidenceStatus.DRAFT}, apply,
                       "evidence.submit")


def approve(actor, evidence: EvidenceItem) -> EvidenceItem:
    """Approve a draft or in-review evidence item that has at least one file not rejected."""
    if not evidence.revisions.exclude(verification_status=VerificationStatus.REJECTED).exists():
        access.require(actor, Action.APPROVE, evidence.organization_id)
        raise InvalidState(_("Upload a file before approving this evidence."),
                           code="no_revision")

    def apply(item):
        item.status = EvidenceStatus.APPROVED
        item.approved_by = actor
        item.approved_at = timezone.now()

    return _transition(actor, evidence, Action.APPROVE,
                       {EvidenceStatus.DRAFT, EvidenceStatus.IN_REVIEW}, apply, "evidence.approve")


def archive(actor, evidence: EvidenceItem, reason: str) -> EvidenceItem:
    """Archive (never delete): the evidence and all its revisions and files are kept."""
    reason = (reason or "").strip()
    if not reason:
        from rest_framework.exceptions import ValidationError

        raise ValidationError({"reason": [_("Say why this evidence is archived.")]})

    def apply(item):
        item.status = EvidenceStatus.ARCHIVED
        item.archived_by = actor
        item.archived_at = timezone.now()
        item.archive_reason = reason

    allowed = set(EvidenceStatus.values) - {EvidenceStatus.ARCHIVED}
    return _transition(actor, evidence, Action.ARCHIVE, allowed, apply, "evidence.archive",
                       extra={"reason": reason})
