"""The readiness checklist of a structure for an adopted referential at a date.

A fixed number of queries whatever the size of the vault: the adoption, the requirement tree,
the exclusions and one query over the links with their evidence facts. The rules themselves are
the pure functions of `checklists.readiness`.
"""

import datetime
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from evidence.models import EvidenceItem, FileCheck

from .. import readiness
from ..models import Adoption, Applicability, EvidenceLink, Requirement
from ..sql import AddMonths

EVIDENCE_SHOWN_PER_REQUIREMENT = 10
STATES = list(readiness.EvidenceState)
_UNVERIFIED_OR_WORSE = (readiness.EvidenceState.UNVERIFIED,
                        readiness.EvidenceState.INTEGRITY_ERROR)

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
    language = (get_language() or "fr")[:2]
    return getattr(obj, f"{field}_{'en' if language == 'en' else 'fr'}")


def _links(organization_id: int, referential_id: int, on: datetime.date, warning_days: int):
    """The structure's links to the referential, each with its evidence state on `on` computed
    in the query by the same rule as `readiness.assess_evidence` (a test keeps them equal).

    The files' state is read from `EvidenceItem.file_check`, kept by the verification pipeline
    and the integrity sweep, so that no revision or file is joined per link."""
    valid_until = F("evidence__valid_until")
    rank = {state.value: index for index, state in enumerate(STATES)}
    warning_end = on + datetime.timedelta(days=warning_days)
    return (
        EvidenceLink.objects.filter(
            requirement__referential_id=referential_id,
            evidence__organization_id=organization_id,
        )
        .annotate(
            renewal_end=AddMonths(F("evidence__effective_date"), F("requirement__renewal_months")),
            valid_end=Least(Coalesce(valid_until, F("renewal_end")),
                            Coalesce(F("renewal_end"), valid_until)),
            # The state as its rank in readiness.EvidenceState (one CASE: referring to another
            # annotation would repeat its SQL in every branch).
            rank=Case(
                When(evidence__file_check=FileCheck.ALTERED, then=Value(rank["integrity_error"])),
                When(evidence__status="archived", then=Value(rank["archived"])),
                When(~Q(evidence__status="approved"), then=Value(rank["unapproved"])),
                When(evidence__file_check=FileCheck.PENDING, then=Value(rank["unverified"])),
                When(evidence__effective_date__gt=on, then=Value(rank["not_yet_effective"])),
                # valid_end = LEAST(valid_until, renewal_end): compare each side instead.
                When(Q(evidence__valid_until__lt=on) | Q(renewal_end__lt=on),
                     then=Value(rank["expired"])),
                When(Q(evidence__valid_until__lte=warning_end) | Q(renewal_end__lte=warning_end),
                     then=Value(rank["expiring"])),
                default=Value(rank["valid"]), output_field=IntegerField(),
            ),
            renewal_cut=ExpressionWrapper(
                Q(renewal_end__isnull=False)
                & (Q(evidence__valid_until__isnull=True) | Q(renewal_end__lt=valid_until)),
                output_field=BooleanField()),
        )
        .order_by()
    )


# One statement: the links with their state (the ORM-compiled `_links`, as a CTE that
# PostgreSQL 12+ and SQLite 3.35+ compute once since it is read twice), then the first evidence
# per requirement (window) with their titles, and per-state totals (aggregate).
_LINKED_EVIDENCE_SQL = """
WITH links (requirement_id, evidence_id, kind, effective_date, state_rank, valid_end,
            renewal_cut) AS ({links})
SELECT 0, shown.requirement_id, shown.position, shown.evidence_id, item.title, item.status,
       item.kind, item.effective_date, item.valid_until, shown.state_rank, shown.valid_end,
       NULL, NULL, NULL
FROM (SELECT requirement_id, evidence_id, state_rank, valid_end,
             ROW_NUMBER() OVER (PARTITION BY requirement_id ORDER BY state_rank,
                                valid_end DESC NULLS FIRST, evidence_id DESC) AS position
      FROM links) shown
JOIN {evidence_table} item ON item.id = shown.evidence_id
WHERE shown.position <= %s
UNION ALL
SELECT 1, requirement_id, NULL, NULL, NULL, NULL, kind, MAX(effective_date), NULL, state_rank,
       MAX(valid_end), COUNT(*), COUNT(CASE WHEN valid_end IS NULL THEN 1 END),
       COUNT(CASE WHEN renewal_cut THEN 1 END)
FROM links GROUP BY requirement_id, state_rank, kind
ORDER BY 1, 2, 3
"""


def _as_date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _same(value):
    return value


def _linked_evidence(organization_id: int, referential_id: int, on: datetime.date,
                     warning_days: int):
    """Per requirement: the first evidence to show, and summaries per state of all of it.
    One query whatever the number of links; only the shown rows come back one by one."""
    links = _links(organization_id, referential_id, on, warning_days).values_list(
        "requirement_id", "evidence_id", "evidence__kind", "evidence__effective_date", "rank",
        "valid_end", "renewal_cut")
    connection = connections[links.db]
    links_sql, params = links.query.get_compiler(connection=connection).as_sql()
    sql = _LINKED_EVIDENCE_SQL.format(
        links=links_sql, evidence_table=connection.ops.quote_name(EvidenceItem._meta.db_table))
    # SQLite hands computed dates back as ISO strings.
    as_date = _as_date if connection.vendor == "sqlite" else _same
    shown: dict[int, list[readiness.AssessedEvidence]] = {}
    summaries: dict[int, dict[readiness.EvidenceState, readiness.StateSummary]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, EVIDENCE_SHOWN_PER_REQUIREMENT))
        rows = cursor.fetchall()
    for (part, requirement_id, _position, evidence_id, title, status, kind, effective, until,
         state_rank, valid_end, count, open_ended, cut) in rows:
        state = STATES[state_rank]
        effective, valid_end = as_date(effective), as_date(valid_end)
        if part == 0:
            # The two flags are decided before any later state, so the state tells them back.
            facts = readiness.EvidenceFacts(
                evidence_id, title, status, kind, effective, as_date(until),
                has_verified_revision=state not in _UNVERIFIED_OR_WORSE,
                integrity_error=state == readiness.EvidenceState.INTEGRITY_ERROR)
            shown.setdefault(requirement_id, []).append(
                readiness.AssessedEvidence(facts, state, valid_end))
        else:
            summary = summaries.setdefault(requirement_id, {}).setdefault(
                state, readiness.StateSummary())
            summary.add(valid_end, bool(cut), kind, effective, count=count)
            summary.open_ended = summary.open_ended or bool(open_ended)
    return shown, summaries


def evaluate(adoption: Adoption, on: datetime.date | None = None):
    """Assess every requirement of the adopted referential on date `on` (default: today)."""
    on = on or timezone.localdate()
    requirements = list(
        Requirement.objects.filter(referential_id=adoption.referential_id, retired_at__isnull=True)
        .order_by("order")
    )
    exclusions = dict(
        Applicability.objects.filter(
            organization_id=adoption.organization_id,
            requirement__referential_id=adoption.referential_id,
        ).values_list("requirement_id", "justification")
    )
    shown, summaries = _linked_evidence(adoption.organization_id, adoption.referential_id, on,
                                        adoption.warning_days)
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
        states = summaries.get(requirement.pk, {})
        status, reason, valid_until = readiness.decide(subject, states)
        assessment = readiness.Assessment(
            subject, status, reason, valid_until, shown.get(requirement.pk, []),
            evidence_count=sum(summary.count for summary in states.values()), summaries=states)
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
