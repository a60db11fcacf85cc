"""Readiness snapshots: the checklist's figures at a date, kept for the trend. Scores, of the
whole and of each chapter, are percentages with one decimal, as the checklist gives them."""

from decimal import Decimal

from django.db import transaction

from audit_prep import access, audit
from audit_prep.roles import Action

from ..models import ReadinessSnapshot
from . import checklist


def take(actor, adoption, on=None, data: dict | None = None) -> ReadinessSnapshot:
    """Store the readiness of `adoption` on date `on` (today by default). `actor` is None for
    the daily snapshot taken by the workers, which pass the checklist `data` they built for
    that date (it also gives the readiness state)."""
    if actor is not None:
        access.require(actor, Action.CHANGE, adoption.organization_id)
    if data is None:
        data = checklist.build(adoption, on, order="clause", evidence_limit=0)
    with transaction.atomic():
        snapshot = ReadinessSnapshot.objects.create(
            organization_id=adoption.organization_id, referential_id=adoption.referential_id,
            reference_date=data["reference_date"], taken_by=actor,
            score=Decimal(str(data["score"])) if data["score"] is not None else None,
            counts=data["counts"],
            chapters=[{k: c[k] for k in ("ref_id", "score", "counts")} for c in data["chapters"]],
            gates=[{"code": g["code"], "passed": g["passed"], "reason": g["reason"]}
                   for g in data["gates"]],
            statuses={item["ref_id"]: item["status"] for item in data["items"]},
        )
        if actor is not None:
            audit.record(actor, "readiness.snapshot", snapshot,
                         after={"referential": adoption.referential.urn,
                                "reference_date": snapshot.reference_date,
                                "score": data["score"]})
    return snapshot
