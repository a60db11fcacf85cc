"""The readiness checklist of a structure for an adopted referential at a date.

A fixed number of queries whatever the size of the vault: the adoption, the requirement tree,
the exclusions and one query over the links, which carry the readiness facts of their evidence
(kept by database triggers, see `EvidenceLink`). The rules themselves are the pure functions of
`checklists.readiness`.
"""

import datetime
from dataclasses import dataclass

from django.db import connections
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from evidence.models import EvidenceItem

from .. import readiness
from ..models import Adoption, Applicability, EvidenceLink, Requirement

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


# The state of a link on the date, as its rank in readiness.EvidenceState, from the facts the
# database keeps on the link (`EvidenceLink.standing_rank` and the dates; see migration 0003).
# Same rule as readiness.assess_evidence: a test keeps them equal.
_STATE_RANK_SQL = """CASE WHEN standing_rank > 0 THEN standing_rank
                          WHEN effective_date > %(on)s THEN 3
                          WHEN valid_end < %(on)s THEN 2
                          WHEN valid_end <= %(warning_end)s THEN 1 ELSE 0 END"""
_ORDER = "valid_end DESC NULLS FIRST, evidence_id DESC"
_REQUIREMENTS_SQL = """SELECT id FROM {requirement} WHERE referential_id = %(referential)s
                       AND retired_at IS NULL"""
_FACTS_WHERE = "organization_id = %(organization)s AND requirement_id IN (SELECT id FROM shown_for)"

# The first evidence per requirement. PostgreSQL reads them in the order of the
# `link_readiness_order` index, a few per requirement: the state of evidence that counts by
# its dates follows valid_end (valid, then expiring, then expired), those not in force yet
# come next, then the other states by rank. SQLite numbers all the links (development only).
# (The SQL texts are built from constants only; every value is a query parameter.)
_SHOWN_SQL = {
    "postgresql": f"""
SELECT requirement.id AS requirement_id, chosen.evidence_id, chosen.state_rank, chosen.valid_end
FROM shown_for requirement CROSS JOIN LATERAL (
    SELECT * FROM (
        (SELECT evidence_id, valid_end, CASE WHEN valid_end < %(on)s THEN 2
                WHEN valid_end <= %(warning_end)s THEN 1 ELSE 0 END AS state_rank
         FROM {{link}} WHERE organization_id = %(organization)s
          AND requirement_id = requirement.id AND standing_rank = 0
          AND effective_date <= %(on)s
         ORDER BY {_ORDER} LIMIT %(shown)s)
        UNION ALL
        (SELECT evidence_id, valid_end, 3 FROM {{link}} WHERE organization_id = %(organization)s
          AND requirement_id = requirement.id AND standing_rank = 0 AND effective_date > %(on)s
         ORDER BY {_ORDER} LIMIT %(shown)s)
        UNION ALL
        (SELECT evidence_id, valid_end, standing_rank FROM {{link}}
         WHERE organization_id = %(organization)s AND requirement_id = requirement.id
          AND standing_rank > 0
         ORDER BY standing_rank, {_ORDER} LIMIT %(shown)s)
    ) candidates
    ORDER BY state_rank, {_ORDER} LIMIT %(shown)s) chosen""",  # noqa: S608
    "sqlite": f"""
SELECT requirement_id, evidence_id, state_rank, valid_end FROM (
    SELECT requirement_id, evidence_id, state_rank, valid_end,
           ROW_NUMBER() OVER (PARTITION BY requirement_id
                              ORDER BY state_rank, {_ORDER}) AS position
    FROM (SELECT requirement_id, evidence_id, valid_end, {_STATE_RANK_SQL} AS state_rank
          FROM {{link}} WHERE {_FACTS_WHERE}) link)
WHERE position <= %(shown)s""",  # noqa: S608
}

# One statement: the first evidence per requirement with their titles, then the per-state
# totals of all the links, read from the links alone.
_LINKED_EVIDENCE_SQL = f"""
WITH shown_for AS ({_REQUIREMENTS_SQL})
SELECT 0, shown.requirement_id, shown.evidence_id, item.title, item.status, item.kind,
       item.effective_date, item.valid_until, shown.state_rank, shown.valid_end,
       NULL, NULL, NULL
FROM ({{shown}}) shown JOIN {{evidence}} item ON item.id = shown.evidence_id
UNION ALL
SELECT 1, requirement_id, NULL, NULL, NULL, evidence_kind, MAX(effective_date), NULL,
       state_rank, MAX(valid_end), COUNT(*), COUNT(CASE WHEN valid_end IS NULL THEN 1 END),
       COUNT(CASE WHEN renewal_cut THEN 1 END)
FROM (SELECT requirement_id, evidence_kind, effective_date, valid_end, renewal_cut,
             {_STATE_RANK_SQL} AS state_rank
      FROM {{link}} WHERE {_FACTS_WHERE}) link
GROUP BY requirement_id, state_rank, evidence_kind
ORDER BY 1, 2, 9, 10 DESC NULLS FIRST, 3 DESC
"""  # noqa: S608


def _as_date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _same(value):
    return value


def _linked_evidence(organization_id: int, referential_id: int, on: datetime.date,
                     warning_days: int):
    """Per requirement: the first evidence to show, and summaries per state of all of it.
    One query whatever the number of links; only the shown rows come back one by one."""
    connection = connections[EvidenceLink.objects.db]
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    tables = {"link": quote(EvidenceLink._meta.db_table),
              "evidence": quote(EvidenceItem._meta.db_table),
              "requirement": quote(Requirement._meta.db_table)}
    shown_sql = _SHOWN_SQL[connection.vendor].format(**tables)
    sql = _LINKED_EVIDENCE_SQL.format(shown=shown_sql, **tables)
    params = {"organization": organization_id, "referential": referential_id, "on": adapt(on),
              "warning_end": adapt(on + datetime.timedelta(days=warning_days)),
              "shown": EVIDENCE_SHOWN_PER_REQUIREMENT}
    # SQLite hands dates back as ISO strings.
    as_date = _as_date if connection.vendor == "sqlite" else _same
    shown: dict[int, list[readiness.AssessedEvidence]] = {}
    summaries: dict[int, dict[readiness.EvidenceState, readiness.StateSummary]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for (part, requirement_id, evidence_id, title, status, kind, effective, until,
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
