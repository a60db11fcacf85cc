"""The readiness checklist of a structure for an adopted referential at a date.

A fixed number of queries whatever the size of the vault: the requirement tree, the exclusions
and one query over the structure's links with the columns of their evidence. The rule itself is
applied in Python by the pure functions of `checklists.readiness`, its one source
(docs/decisions/0001-one-readiness-rule.md says why).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit_prep.i18n import active_language

from .. import readiness
from ..models import Adoption, EvidenceLink, Exclusion, Requirement

EVIDENCE_SHOWN_PER_REQUIREMENT = 10

GATE_LABELS = {
    "management_review": _("Management review (9.3) within the last 12 months"),
    "internal_audit": _("Complete internal audit cycle (9.2) within the last 12 months"),
    "objectives": _("Quality objectives (6.2) with measured results"),
    "scope": _("Scope (4.3) with justified exclusions"),
}
REASON_LABELS = {
    "excluded": _("Excluded by the structure"),
    "valid": _("Valid evidence"),
    "expires_within_window": _("The evidence expires within the warning window"),
    "renewal_period_elapsed": _("The renewal period has elapsed since the latest evidence"),
    "validity_ended": _("The validity of the evidence has ended"),
    "unapproved": _("Evidence linked but not approved yet"),
    "unverified": _("Evidence linked but its file is not verified yet"),
    "not_yet_effective": _("Evidence linked but not in force yet"),
    "integrity_error": _("A file of the linked evidence is altered or missing"),
    "only_archived_evidence": _("Only archived evidence is linked"),
    "no_evidence": _("No evidence linked"),
    "from_sub_clauses": _("Status of its sub-clauses"),
    "sub_clauses_not_applicable": _("Every sub-clause is excluded"),
    "management_review_within_12_months": _("A management review is on record"),
    "no_management_review_within_12_months": _("No management review on record in 12 months"),
    "internal_audit_within_12_months": _("An internal audit is on record"),
    "no_internal_audit_within_12_months": _("No internal audit on record in 12 months"),
    "objectives_not_documented": _("The quality objectives are not documented"),
    "objectives_without_results": _("No measured results of the objectives in 12 months"),
    "objectives_with_results": _("Objectives documented, with recent results"),
    "scope_not_documented": _("The scope of the quality management system is not documented"),
    "scope_with_justified_exclusions": _("Scope documented; every exclusion is justified"),
}


@dataclass
class ChecklistRow:
    requirement: Requirement
    chapter: Requirement
    assessment: readiness.Assessment
    justification: str


def _localized(obj, field: str) -> str:
    return getattr(obj, f"{field}_{active_language()}")


# What the rules need of each link, read in one query from the link's evidence.
_FACT_COLUMNS = ("requirement_id", "evidence_id", "evidence__title", "evidence__status",
                 "evidence__kind", "evidence__effective_date", "evidence__valid_until",
                 "evidence__file_check")


def _linked_facts(adoption: Adoption) -> dict[int, list[readiness.EvidenceFacts]]:
    """Per requirement of the adopted referential, the facts of the structure's linked evidence
    (one query, whatever the number of links)."""
    rows = (EvidenceLink.objects
            .filter(evidence__organization_id=adoption.organization_id,
                    requirement__referential_id=adoption.referential_id,
                    requirement__retired_at__isnull=True)
            .order_by().values_list(*_FACT_COLUMNS))
    facts: dict[int, list[readiness.EvidenceFacts]] = {}
    make = readiness.EvidenceFacts._make
    for requirement_id, *evidence in rows:
        facts.setdefault(requirement_id, []).append(make(evidence))
    return facts


def evaluate(adoption: Adoption, on: datetime.date | None = None):
    """Assess every requirement of the adopted referential on date `on` (default: today)."""
    on = on or timezone.localdate()
    requirements = list(
        Requirement.objects.filter(referential_id=adoption.referential_id, retired_at__isnull=True)
        .order_by("order")
    )
    exclusions = dict(
        Exclusion.objects.filter(
            organization_id=adoption.organization_id,
            requirement__referential_id=adoption.referential_id,
        ).values_list("requirement_id", "justification")
    )
    linked = _linked_facts(adoption)
    by_id = {r.pk: r for r in requirements}
    rows = []
    for requirement in requirements:
        chapter = requirement
        while chapter.parent_id and chapter.parent_id in by_id:
            chapter = by_id[chapter.parent_id]
        subject = readiness.RequirementFacts(
            requirement_id=requirement.pk, ref_id=requirement.ref_id,
            renewal_months=requirement.renewal_months, mandatory=requirement.mandatory,
            assessable=requirement.assessable, excluded=requirement.pk in exclusions,
        )
        assessment = readiness.assess_requirement(
            subject, linked.get(requirement.pk, []), on, adoption.warning_days)
        rows.append(ChecklistRow(requirement, chapter, assessment,
                                 exclusions.get(requirement.pk, "")))
    _roll_up_parents(rows)
    return on, rows


def _roll_up_parents(rows: list[ChecklistRow]) -> None:
    """Deepest first, so that a roll-up can build on its children's roll-ups."""
    children: dict[int, list[ChecklistRow]] = {}
    for row in rows:
        if row.requirement.parent_id and row.requirement.assessable:
            children.setdefault(row.requirement.parent_id, []).append(row)
    for row in sorted(rows, key=lambda r: -r.requirement.depth):
        kids = children.get(row.requirement.pk)
        assessment = row.assessment
        if (kids and row.requirement.assessable and not assessment.linked
                and assessment.status != readiness.Status.NOT_APPLICABLE):
            row.assessment = readiness.roll_up(assessment.requirement,
                                               [kid.assessment for kid in kids])


def _gates(adoption, rows, on):
    if adoption.referential.code != "iso9001":
        return []
    gates = readiness.iso9001_stage1_gates([row.assessment for row in rows], on)
    return [
        {"code": gate.code, "label": str(GATE_LABELS[gate.code]), "passed": gate.passed,
         "reason": gate.reason, "message": str(REASON_LABELS[gate.reason]), **gate.params}
        for gate in gates
    ]


def _chapters(rows):
    chapters: dict[int, dict] = {}
    for row in rows:
        entry = chapters.setdefault(row.chapter.pk, {
            "ref_id": row.chapter.ref_id, "name": _localized(row.chapter, "name"), "rows": []})
        entry["rows"].append(row.assessment)
    return [
        {"ref_id": entry["ref_id"], "name": entry["name"],
         "score": readiness.score(entry["rows"]),
         "counts": readiness.count_statuses(entry["rows"])}
        for entry in chapters.values()
    ]


def _evidence_item(item: readiness.AssessedEvidence) -> dict:
    return {
        "id": item.facts.evidence_id, "title": item.facts.title, "status": item.facts.status,
        "kind": item.facts.kind, "state": item.state.value,
        "effective_date": item.facts.effective_date, "valid_until": item.valid_end,
    }


def _item(row: ChecklistRow) -> dict:
    requirement, assessment = row.requirement, row.assessment
    return {
        "requirement_id": requirement.pk, "urn": requirement.urn, "ref_id": requirement.ref_id,
        "name": _localized(requirement, "name"),
        "name_is_descriptive": requirement.name_is_descriptive,
        "chapter": row.chapter.ref_id, "depth": requirement.depth,
        "assessable": requirement.assessable, "mandatory": requirement.mandatory,
        "documented_information": requirement.documented_information,
        "conditional": requirement.conditional, "renewal_months": requirement.renewal_months,
        "status": assessment.status.value, "status_label": str(assessment.status.label),
        "reason": assessment.reason, "reason_label": str(REASON_LABELS[assessment.reason]),
        "valid_until": assessment.valid_until, "justification": row.justification,
        "evidence_count": assessment.linked,
        "integrity_error": readiness.EvidenceState.INTEGRITY_ERROR in assessment.summaries,
        "evidence": [_evidence_item(item)
                     for item in assessment.evidence[:EVIDENCE_SHOWN_PER_REQUIREMENT]],
    }


def build(adoption: Adoption, on: datetime.date | None = None, order: str = "priority") -> dict:
    """The checklist as plain data (JSON-ready), for the API and the exports."""
    on, rows = evaluate(adoption, on)
    assessments = [row.assessment for row in rows]
    if order == "priority":
        ordered = sorted(enumerate(rows), key=lambda pair: readiness.priority_key(
            pair[1].assessment, pair[0]))
        rows_out = [row for _index, row in ordered]
    else:
        rows_out = rows
    referential = adoption.referential
    return {
        "organization": {"id": adoption.organization_id, "name": adoption.organization.name},
        "referential": {"id": referential.pk, "urn": referential.urn,
                        "ref_id": referential.ref_id, "name": _localized(referential, "name"),
                        "version": referential.version, "is_template": referential.is_template},
        "adoption": adoption.pk,
        "reference_date": on,
        "target_audit_date": adoption.target_audit_date,
        "warning_days": adoption.warning_days,
        "score": readiness.score(assessments),
        "counts": readiness.count_statuses(assessments),
        "chapters": _chapters(rows),
        "gates": _gates(adoption, rows, on),
        "items": [_item(row) for row in rows_out if row.requirement.assessable],
    }
