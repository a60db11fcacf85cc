"""The readiness checklist of a structure for an adopted referential at a date.

A fixed number of queries whatever the size of the vault: the requirement tree, the exclusions,
one query over the structure's links with the columns of their evidence, and one over the files
of the linked items' current revisions (the revision number and hashes exports print). The
rule itself is applied in Python by the pure functions of `checklists.readiness`, its one source
(docs/decisions/0001-one-readiness-rule.md says why).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit_prep.i18n import active_language
from evidence.models import StoredFile
from evidence.references import evidence_url, reference

from .. import gates, member_coverage, readiness
from ..models import Adoption, EvidenceLink, Exclusion, Requirement
from .members import coverage_json, population_facts

EVIDENCE_SHOWN_PER_REQUIREMENT = 10
HASH_PREFIX_LENGTH = 12  # hex digits of a file's SHA-256 printed beside each evidence item
ORDERS = ("clause", "priority")  # clause: the referential's order; priority: problems first

REASON_LABELS = {
    "excluded": _("Excluded by the structure"),
    "excluded_with_parent": _("Excluded with its parent clause"),
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
    "sub_clause_worse": _("Its own evidence counts, but a sub-clause is worse"),
    "sub_clauses_not_applicable": _("Every sub-clause is excluded"),
    "every_member_covered": _("Every member present has valid evidence"),
    "member_evidence_expiring": _("The evidence of some members expires within the warning "
                                  "window"),
    "members_not_covered": _("Some members present have no counting evidence"),
    "no_member_present": _("Nobody of the population is present on this date"),
    "population_not_recorded": _("The population is not recorded: import its members to "
                                 "count them one by one"),
}
DOCUMENTED_INFORMATION = {
    "none": _("none"),
    "maintain": _("to maintain"),
    "retain": _("to retain"),
    "maintain_and_retain": _("to maintain and to retain"),
}
EXCLUSION_NOT_ALLOWED = _("Excluded by the structure although %(referential)s does not allow "
                          "it (ISO 9001:2015, 4.3: a requirement that can be applied within "
                          "the scope must be applied). The exclusion is kept but not applied: "
                          "withdraw it or justify the scope otherwise.")


def documented_information_code(values) -> str:
    """One code for what documented information a requirement asks for."""
    kinds = set(values or ())
    if kinds >= {"maintain", "retain"}:
        return "maintain_and_retain"
    return next(iter(kinds)) if kinds else "none"


@dataclass
class ChecklistRow:
    requirement: Requirement
    chapter: Requirement
    assessment: readiness.Assessment
    justification: str = ""  # of the exclusion in effect: its own or its parent clause's
    excluded_by: str = ""  # ref_id of the clause whose exclusion applies
    refused_exclusion: str | None = None  # justification of an exclusion the library refuses
    coverage: member_coverage.Coverage | None = None


def _localized(obj, field: str) -> str:
    return getattr(obj, f"{field}_{active_language()}")


# What the rules need of each link, read in one query from the link's evidence.
_FACT_COLUMNS = ("evidence_id", "evidence__title", "evidence__status",
                 "evidence__kind", "evidence__effective_date", "evidence__valid_until",
                 "evidence__file_check", "evidence__last_reviewed_on", "requirement_id")


def _adopted_links(adoption: Adoption):
    return EvidenceLink.objects.filter(evidence__organization_id=adoption.organization_id,
                                       requirement__referential_id=adoption.referential_id,
                                       requirement__retired_at__isnull=True)


def _linked_facts(adoption: Adoption) -> dict[int, list[readiness.EvidenceFacts]]:
    """Per requirement of the adopted referential, the facts of the structure's linked evidence
    (one query, whatever the number of links)."""
    rows = _adopted_links(adoption).order_by().values_list(*_FACT_COLUMNS)
    facts: dict[int, list[readiness.EvidenceFacts]] = {}
    new, width = tuple.__new__, len(_FACT_COLUMNS) - 1
    for row in rows:  # 10,000s of rows: no unpacking into lists
        found = facts.get(row[width])
        if found is None:
            found = facts[row[width]] = []
        found.append(new(readiness.EvidenceFacts, row[:width]))
    return facts


def exclusions_in_effect(adoption: Adoption, requirements: list[Requirement]):
    """The exclusion in effect per requirement, {id: (excluded clause's ref_id, justification)}:
    its own when the library allows it, else its parent's (requirements come parents first);
    and the structure's exclusions that the library does not allow, {id: justification}: kept,
    shown, not applied."""
    own = dict(Exclusion.objects.filter(
        organization_id=adoption.organization_id,
        requirement__referential_id=adoption.referential_id,
    ).values_list("requirement_id", "justification"))
    return exclusions_applied(own, requirements, adoption.referential.organization_id is not None)


def exclusions_applied(own: dict[int, str], requirements: list, own_list: bool):
    """`exclusions_in_effect` given the structure's exclusions of the referential (`own`,
    {requirement id: justification}) and whether it is the structure's own list; the
    requirements, parents first, are any rows with `pk`, `parent_id`, `ref_id` and
    `excludable` (suggested tags read them as plain tuples)."""
    effective: dict[int, tuple[str, str]] = {}
    refused: dict[int, str] = {}
    for requirement in requirements:
        allowed = requirement.excludable or own_list
        if requirement.pk in own and allowed:
            effective[requirement.pk] = (requirement.ref_id, own[requirement.pk])
        elif requirement.parent_id in effective:
            effective[requirement.pk] = effective[requirement.parent_id]
        if requirement.pk in own and not allowed:
            refused[requirement.pk] = own[requirement.pk]
    return effective, refused


def evaluate(adoption: Adoption, on: datetime.date | None = None):
    """Assess every requirement of the adopted referential on date `on` (default: today)."""
    on = on or timezone.localdate()
    requirements = tree_order(
        Requirement.objects.filter(referential_id=adoption.referential_id, retired_at__isnull=True)
        .filter(Q(organization__isnull=True) | Q(organization_id=adoption.organization_id))
    )
    effective, refused = exclusions_in_effect(adoption, requirements)
    linked = _linked_facts(adoption)
    populations = population_facts(adoption.organization_id, {
        r.per_member for r in requirements if r.per_member and r.pk not in effective})
    by_id = {r.pk: r for r in requirements}
    parents = {r.parent_id for r in requirements if r.parent_id and r.assessable}
    rows = []
    for requirement in requirements:
        chapter = requirement
        while chapter.parent_id and chapter.parent_id in by_id:
            chapter = by_id[chapter.parent_id]
        excluded_by, justification = effective.get(requirement.pk, ("", ""))
        subject = readiness.RequirementFacts(
            requirement_id=requirement.pk, ref_id=requirement.ref_id,
            renewal_months=requirement.renewal_months,
            documented=bool(requirement.documented_information),
            assessable=requirement.assessable, excluded=bool(excluded_by),
            excluded_with_parent=bool(excluded_by) and excluded_by != requirement.ref_id,
            leaf=requirement.pk not in parents,
        )
        coverage = None
        records_need_approval = adoption.organization.records_need_approval
        if requirement.per_member:
            assessment, coverage = member_coverage.assess_members(
                subject, linked.get(requirement.pk, []), requirement.per_member,
                populations.get(requirement.per_member), on, adoption.warning_days,
                records_need_approval)
        else:
            assessment = readiness.assess_requirement(
                subject, linked.get(requirement.pk, []), on, adoption.warning_days,
                records_need_approval)
        rows.append(ChecklistRow(requirement, chapter, assessment, justification, excluded_by,
                                 refused.get(requirement.pk), coverage))
    _roll_up_parents(rows)
    return on, rows


class TreeNode(Protocol):
    @property
    def pk(self) -> Any: ...
    @property
    def parent_id(self) -> Any: ...
    @property
    def order(self) -> int: ...


Node = TypeVar("Node", bound=TreeNode)


def tree_order(requirements: Iterable[Node]) -> list[Node]:
    """Each node followed by its subtree, siblings by their `order`: the requirements a
    structure added under a template's node come right after that node's own children. A node
    whose parent is not in the list (retired) stands at the top."""
    rows = sorted(requirements, key=lambda r: (r.order, r.pk))
    present = {r.pk for r in rows}
    children: dict[int | None, list[Node]] = {}
    for row in rows:
        parent = row.parent_id if row.parent_id in present else None
        children.setdefault(parent, []).append(row)
    ordered: list[Node] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(reversed(children.get(row.pk, [])))
    return ordered


def _roll_up_parents(rows: list[ChecklistRow]) -> None:
    """Deepest first, so that a roll-up can build on its children's roll-ups. An excluded
    clause stays not applicable (its sub-clauses are excluded with it)."""
    children: dict[int, list[ChecklistRow]] = {}
    for row in rows:
        if row.requirement.parent_id and row.requirement.assessable:
            children.setdefault(row.requirement.parent_id, []).append(row)
    for row in sorted(rows, key=lambda r: -r.requirement.depth):
        kids = children.get(row.requirement.pk)
        if (kids and row.requirement.assessable
                and not row.assessment.requirement.excluded):
            row.assessment = readiness.roll_up(row.assessment,
                                               [kid.assessment for kid in kids])


def _gate_message(gate: gates.Gate) -> str:
    text = str(gates.REASONS[gate.reason])
    return text % gate.params if "%(" in text else text


def _gates(adoption, rows, on):
    found = []
    if adoption.referential.code == "iso9001":
        refused = [row.requirement.ref_id for row in rows if row.refused_exclusion is not None]
        found = gates.iso9001_stage1_gates([row.assessment for row in rows], on, refused)
    found += gates.extra_gates(adoption, on)
    return [
        {"code": gate.code, "clause": gate.clause, "label": str(gates.LABELS[gate.code]),
         "passed": gate.passed, "reason": gate.reason,
         "message": _gate_message(gate),
         "evidence": [{"id": facts.evidence_id, "title": facts.title,
                       "kind": facts.kind, "effective_date": facts.effective_date}
                      for facts in gate.evidence],
         **{key: value for key, value in gate.params.items()
            if key not in ("chapters", "refs")}}
        for gate in found
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


def current_revisions(adoption: Adoption, evidence_ids: list[int] | None = None
                      ) -> dict[int, tuple[int, list[str]]]:
    """Per evidence item (those given, else every item linked in the adoption's referential),
    its current revision's number and the SHA-256 prefixes of its files, in one query whatever
    the number of items. Items without a verified revision yet have no current revision: they
    are absent."""
    wanted = (_adopted_links(adoption).values("evidence_id") if evidence_ids is None
              else evidence_ids)
    rows = (StoredFile.objects.filter(revision__is_current=True, revision__evidence_id__in=wanted)
            .order_by("revision__evidence_id", "id")
            .values_list("revision__evidence_id", "revision__number", "sha256"))
    revisions: dict[int, tuple[int, list[str]]] = {}
    for evidence_id, number, sha256 in rows:
        revisions.setdefault(evidence_id, (number, []))[1].append(sha256[:HASH_PREFIX_LENGTH])
    return revisions


def _evidence_item(item: readiness.AssessedEvidence,
                   revisions: dict[int, tuple[int, list[str]]]) -> dict:
    """One linked item as exports print it: its reference, its current revision, the end of
    its validity for this requirement (the rule's, never recomputed), its hashes and link."""
    evidence_id = item.facts.evidence_id
    number, hashes = revisions.get(evidence_id, (None, []))
    return {
        "id": evidence_id, "reference": reference(evidence_id), "title": item.facts.title,
        "status": item.facts.status, "kind": item.facts.kind, "state": item.state.value,
        "state_label": str(item.state.label), "revision": number,
        "effective_date": item.facts.effective_date, "valid_until": item.valid_end,
        "sha256": hashes, "url": evidence_url(evidence_id),
    }


def _exclusion_warning(row: ChecklistRow, referential_name: str) -> dict | None:
    if row.refused_exclusion is None:
        return None
    return {"code": "exclusion_not_allowed", "ref_id": row.requirement.ref_id,
            "justification": row.refused_exclusion,
            "message": str(EXCLUSION_NOT_ALLOWED) % {"referential": referential_name}}


def _item(row: ChecklistRow, referential_name: str, position: int, revisions,
          evidence_limit: int | None) -> dict:
    requirement, assessment = row.requirement, row.assessment
    documented = documented_information_code(requirement.documented_information)
    return {
        "requirement_id": requirement.pk, "position": position, "urn": requirement.urn,
        "ref_id": requirement.ref_id,
        "name": _localized(requirement, "name"),
        "name_is_descriptive": requirement.name_is_descriptive,
        "added_by_structure": requirement.organization_id is not None,
        "chapter": row.chapter.ref_id, "depth": requirement.depth,
        "assessable": requirement.assessable, "counted": assessment.requirement.leaf,
        "documented_information": requirement.documented_information,
        "documented_information_code": documented,
        "documented_information_label": str(DOCUMENTED_INFORMATION[documented]),
        "conditional": requirement.conditional, "renewal_months": requirement.renewal_months,
        "per_member": requirement.per_member or None,
        "members": coverage_json(row.coverage),
        "status": assessment.status.value, "status_label": str(assessment.status.label),
        "reason": assessment.reason, "reason_label": str(REASON_LABELS[assessment.reason]),
        "valid_until": assessment.valid_until,
        "excluded_by": row.excluded_by or None, "justification": row.justification,
        "exclusion_warning": _exclusion_warning(row, referential_name),
        "evidence_count": assessment.linked,
        "integrity_error": readiness.EvidenceState.INTEGRITY_ERROR in assessment.summaries,
        "evidence": [_evidence_item(item, revisions)
                     for item in assessment.evidence[:evidence_limit]],
    }


def _revisions_shown(adoption, rows: list[ChecklistRow], evidence_limit: int | None):
    """The current revisions of the items the checklist shows: none for figures only
    (`evidence_limit=0`: snapshots, the readiness state), every linked item's for the exports
    (None), else those of the first `evidence_limit` items per requirement (the API), so that
    a large vault reads only the rows it shows."""
    if evidence_limit == 0:
        return {}
    if evidence_limit is None:
        return current_revisions(adoption)
    shown = {item.facts.evidence_id for row in rows if row.requirement.assessable
             for item in row.assessment.evidence[:evidence_limit]}
    return current_revisions(adoption, sorted(shown))


def build(adoption: Adoption, on: datetime.date | None = None, order: str = "clause",
          evidence_limit: int | None = EVIDENCE_SHOWN_PER_REQUIREMENT) -> dict:
    """The checklist as plain data (JSON-ready), for the API and the exports: requirements in
    the referential's clause order, or problems first (`order="priority"`); up to
    `evidence_limit` evidence items per requirement (None: every one, as exports list them)."""
    on, rows = evaluate(adoption, on)
    revisions = _revisions_shown(adoption, rows, evidence_limit)
    positions = {row.requirement.pk: index for index, row in enumerate(rows)}  # clause order
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
        "warnings": [warning for row in rows
                     if (warning := _exclusion_warning(row, referential.ref_id))],
        "order": order,
        "items": [_item(row, referential.ref_id, positions[row.requirement.pk], revisions,
                        evidence_limit)
                  for row in rows_out if row.requirement.assessable],
    }
