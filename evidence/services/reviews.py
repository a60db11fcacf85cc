""""Reviewed, still valid": a quality manager marks a document to maintain as reviewed on a
date, with a note. The mark is kept as history (`EvidenceReview`), written to the audit trail,
and restarts the document's periods: its own renewal period runs again from the review date
(`valid_until` is recomputed, as at write time), and so does a requirement's renewal period
(`checklists.readiness.validity_end` counts from `last_reviewed_on`). An explicit end date
(`valid_until` given without a renewal period) is the item's own end and stays as it is.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ErrorDetail, ValidationError

from audit_prep import access, audit
from audit_prep.roles import Action

from ..models import EvidenceItem, EvidenceKind, EvidenceReview, EvidenceStatus
from ..signals import vault_changed
from .evidence import compute_valid_until


def _refuse(field: str, message, code: str):
    raise ValidationError({field: [ErrorDetail(str(message), code=code)]})


def _check(evidence: EvidenceItem, reviewed_on: datetime.date) -> None:
    """The stable refusals, in the order a person would fix them."""
    if evidence.kind != EvidenceKind.DOCUMENT:
        _refuse("evidence", _("Only a document to maintain can be marked as reviewed; a record "
                              "is retained as it is."), "review_not_a_document")
    if evidence.status == EvidenceStatus.ARCHIVED:
        _refuse("evidence", _("Archived evidence cannot be marked as reviewed."),
                "review_archived")
    if reviewed_on > timezone.localdate():
        _refuse("reviewed_on", _("The review date cannot be in the future."),
                "review_in_future")
    if reviewed_on < evidence.effective_date:
        _refuse("reviewed_on", _("The review date cannot precede the effective date."),
                "review_before_effective_date")
    if evidence.last_reviewed_on and reviewed_on < evidence.last_reviewed_on:
        _refuse("reviewed_on", _("A later review is already recorded."),
                "review_before_last_review")


def _fields(evidence: EvidenceItem) -> dict:
    return {"last_reviewed_on": evidence.last_reviewed_on, "valid_until": evidence.valid_until}


def mark_reviewed(actor, evidence: EvidenceItem, reviewed_on: datetime.date,
                  note: str) -> EvidenceItem:
    """Record that `actor` reviewed the document on `reviewed_on` and found it still valid.
    All or nothing: the history row, the item's dates and the audit event commit together."""
    access.require(actor, Action.APPROVE, evidence.organization_id)
    note = (note or "").strip()
    if not note:
        _refuse("note", _("Say what was reviewed."), "review_note_missing")
    with transaction.atomic():
        evidence = EvidenceItem.objects.select_for_update().get(pk=evidence.pk)
        _check(evidence, reviewed_on)
        before = _fields(evidence)
        review = EvidenceReview.objects.create(evidence=evidence, reviewed_on=reviewed_on,
                                               note=note, created_by=actor)
        evidence.last_reviewed_on = reviewed_on
        if evidence.renewal_months:
            evidence.valid_until = compute_valid_until(reviewed_on, evidence.renewal_months)
        evidence.full_clean()
        evidence.save(update_fields=["last_reviewed_on", "valid_until", "updated_at"])
        audit.record(actor, "evidence.review", evidence, before=before,
                     after={**_fields(evidence), "review": review.pk, "note": note})
        vault_changed.send(sender=EvidenceItem, organization_id=evidence.organization_id)
    return evidence
