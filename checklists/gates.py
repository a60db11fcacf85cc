"""ISO 9001 stage-1 gates: what a stage-1 auditor checks before agreeing to go on to stage 2.

Pure functions over the checklist's assessments (`checklists.readiness`), evaluated at a
reference date. Each gate answers pass / fail with a reason code and the evidence it used (ids
and titles), so that the quality manager sees why. The rules (docs/decisions/0012):

- management review (9.3): a *record* (kind record), approved and verified, dated within the
  12 months before the date; a procedure (a document) does not count;
- internal audit (9.2): audit records within 12 months whose links also name a requirement of
  every chapter 4 to 10 (the chapters they audited; for chapter 9, outside 9.2 itself), and
  the audit programme, a document in force linked under 9.2;
- scope (4.3): the scope document counts on the date, and no exclusion breaks the library's
  rule (exclusions themselves always carry a justification: the database requires one);
- context (4.1, 4.2): the context analysis, the determination whether climate change is a
  relevant issue (ISO 9001:2015/Amd 1:2024, node 4.1-climat) and the interested parties all
  count on the date;
- process map (4.4), policy (5.2), list of documented information (7.5): a document in force;
- risks and opportunities (6.1): evidence that counts on the date;
- objectives (6.2): evidence of the objectives that counts, and a record of measured results
  within 12 months;
- nonconformities and corrective actions (10.2): the log, a record within 12 months.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

from .readiness import Assessment, EvidenceFacts, EvidenceState, Status

CHAPTERS = ("4", "5", "6", "7", "8", "9", "10")
CLIMATE = "4.1-climat"
RECORD, DOCUMENT = "record", "document"
# Approved, verified and in force: it happened (an old record may be past its period).
_HAPPENED = (EvidenceState.VALID, EvidenceState.EXPIRING, EvidenceState.EXPIRED)
# Counts on the date.
_CURRENT = (EvidenceState.VALID, EvidenceState.EXPIRING)
_GOOD = (Status.COVERED, Status.EXPIRING)

LABELS = {
    "management_review": _("Management review record (9.3) within the last 12 months"),
    "internal_audit": _("Internal audits (9.2) of chapters 4 to 10 within the last 12 months, "
                        "with the audit programme"),
    "scope": _("Scope (4.3) with justified and allowed exclusions"),
    "context": _("Context, climate change and interested parties (4.1, 4.2)"),
    "process_map": _("Process map (4.4)"),
    "policy": _("Quality policy (5.2)"),
    "risks": _("Risks and opportunities (6.1)"),
    "objectives": _("Quality objectives (6.2) with measured results"),
    "nonconformities": _("Nonconformity and corrective action log (10.2)"),
    "documented_information": _("List of documented information (7.5)"),
}
REASONS = {
    "management_review_record_within_12_months": _("A management review record is dated "
                                                   "within the last 12 months"),
    "management_review_procedure_only": _("Only a management review procedure is on record: "
                                          "a record of the review itself is needed"),
    "no_management_review_record_within_12_months": _("No management review record within "
                                                      "the last 12 months"),
    "internal_audit_cycle_complete": _("Internal audit records cover chapters 4 to 10 and the "
                                       "audit programme is in force"),
    "no_internal_audit_record_within_12_months": _("No internal audit record within the last "
                                                   "12 months"),
    "no_audit_programme": _("No audit programme in force (a document linked to 9.2)"),
    "chapters_not_audited": _("Chapters not covered by an internal audit record in 12 months: "
                              "%(chapters)s"),
    "scope_not_documented": _("The scope of the quality management system is not documented"),
    "exclusion_not_allowed": _("Exclusions not allowed by the referential: %(refs)s"),
    "scope_with_justified_exclusions": _("Scope documented; every exclusion is justified and "
                                         "allowed"),
    "context_not_documented": _("The context (4.1) is not documented"),
    "climate_change_not_determined": _("No determination whether climate change is a "
                                       "relevant issue (Amd 1:2024)"),
    "interested_parties_not_documented": _("The interested parties (4.2) are not documented"),
    "context_documented": _("Context, climate change determination and interested parties "
                            "documented"),
    "document_in_force": _("A document in force is linked"),
    "no_document_in_force": _("No approved document in force is linked"),
    "evidence_counts": _("Evidence that counts on the date is linked"),
    "no_evidence_counts": _("No evidence that counts on the date is linked"),
    "objectives_not_documented": _("The quality objectives are not documented"),
    "objectives_without_results": _("No record of measured results in 12 months"),
    "objectives_with_results": _("Objectives documented, with results measured in 12 months"),
    "log_within_12_months": _("The log is on record within the last 12 months"),
    "no_log_within_12_months": _("No log record within the last 12 months"),
}


@dataclass(frozen=True)
class Gate:
    code: str
    clause: str
    passed: bool
    reason: str
    evidence: list[EvidenceFacts] = field(default_factory=list)
    params: dict = field(default_factory=dict)


def in_subtree(ref_id: str, root: str) -> bool:
    return ref_id == root or ref_id.startswith(root + ".")


class Vault:
    """The assessments seen per clause, and every evidence item's linked clauses."""

    def __init__(self, assessments: list[Assessment], on: datetime.date):
        self.on = on
        self.since = on - relativedelta(months=12)
        self.assessments = assessments
        self.by_ref = {a.requirement.ref_id: a for a in assessments}

    def names(self, evidence_ids: set[int], chapter: str, outside: str) -> bool:
        """Whether one of `evidence_ids` is linked to a clause of `chapter` outside the
        `outside` subtree (stops at the first link found)."""
        for assessment in self.assessments:
            ref_id = assessment.requirement.ref_id
            if (in_subtree(ref_id, chapter) and not in_subtree(ref_id, outside)
                    and any(item.facts.evidence_id in evidence_ids
                            for item in assessment.evidence)):
                return True
        return False

    def good(self, ref_id: str) -> bool:
        assessment = self.by_ref.get(ref_id)
        return assessment is not None and assessment.status in _GOOD

    def find(self, root: str, states=_CURRENT, kinds=(RECORD, DOCUMENT),
             recent: bool = False) -> list[EvidenceFacts]:
        """Evidence linked to `root` or under it, in one of `states` for its clause, of one of
        `kinds`, dated within the 12 months when `recent`; each once, newest first."""
        found: dict[int, EvidenceFacts] = {}
        for assessment in self.assessments:
            if not in_subtree(assessment.requirement.ref_id, root):
                continue
            for facts, state, _end in assessment.evidence:
                if (state in states and facts.kind in kinds
                        and (not recent or self.since < facts.effective_date <= self.on)):
                    found[facts.evidence_id] = facts
        return sorted(found.values(), key=lambda f: (f.effective_date, f.evidence_id),
                      reverse=True)


def _management_review(vault: Vault) -> Gate:
    records = vault.find("9.3", _HAPPENED, (RECORD,), recent=True)
    if records:
        return Gate("management_review", "9.3", True,
                    "management_review_record_within_12_months", records)
    procedures = vault.find("9.3", _HAPPENED, (DOCUMENT,))
    return Gate("management_review", "9.3", False,
                "management_review_procedure_only" if procedures
                else "no_management_review_record_within_12_months", procedures)


def _audited_chapters(vault: Vault, records: list[EvidenceFacts]) -> set[str]:
    """The chapters an audit record also names (its links outside 9.2 itself)."""
    ids = {record.evidence_id for record in records}
    return {chapter for chapter in CHAPTERS if ids and vault.names(ids, chapter, "9.2")}


def _internal_audit(vault: Vault) -> Gate:
    records = vault.find("9.2", _HAPPENED, (RECORD,), recent=True)
    programme = vault.find("9.2", _CURRENT, (DOCUMENT,))
    audited = _audited_chapters(vault, records)
    missing = [chapter for chapter in CHAPTERS if chapter not in audited]
    params = {"chapters_audited": [c for c in CHAPTERS if c in audited],
              "chapters_missing": missing, "chapters": ", ".join(missing)}
    if not records:
        reason = "no_internal_audit_record_within_12_months"
    elif not programme:
        reason = "no_audit_programme"
    elif missing:
        reason = "chapters_not_audited"
    else:
        reason = "internal_audit_cycle_complete"
    return Gate("internal_audit", "9.2", reason == "internal_audit_cycle_complete", reason,
                records + programme, params)


def _scope(vault: Vault, refused: list[str]) -> Gate:
    scope = vault.by_ref.get("4.3")
    exclusions = sorted(a.requirement.ref_id for a in vault.assessments
                        if a.status == Status.NOT_APPLICABLE and a.reason == "excluded")
    params = {"exclusions": exclusions, "refused_exclusions": refused,
              "refs": ", ".join(refused)}
    if not vault.good("4.3"):
        reason = "scope_not_documented"
    elif refused:
        reason = "exclusion_not_allowed"
    else:
        reason = "scope_with_justified_exclusions"
    used = [item.facts for item in scope.evidence if item.state in _CURRENT] if scope else []
    return Gate("scope", "4.3", reason == "scope_with_justified_exclusions", reason, used,
                params)


def _context(vault: Vault) -> Gate:
    checks = (("4.1", "context_not_documented"), (CLIMATE, "climate_change_not_determined"),
              ("4.2", "interested_parties_not_documented"))
    failed = next((reason for ref_id, reason in checks if not vault.good(ref_id)), None)
    used = [facts for ref_id, _reason in checks for facts in vault.find(ref_id)]
    return Gate("context", "4.1", failed is None, failed or "context_documented",
                list({f.evidence_id: f for f in used}.values()))


def _document(code: str, clause: str, vault: Vault) -> Gate:
    used = vault.find(clause, _CURRENT, (DOCUMENT,))
    return Gate(code, clause, bool(used),
                "document_in_force" if used else "no_document_in_force", used)


def _risks(vault: Vault) -> Gate:
    used = vault.find("6.1")
    return Gate("risks", "6.1", bool(used),
                "evidence_counts" if used else "no_evidence_counts", used)


def _objectives(vault: Vault) -> Gate:
    objectives = vault.find("6.2")
    results = vault.find("6.2", _HAPPENED, (RECORD,), recent=True)
    if not objectives:
        reason = "objectives_not_documented"
    elif not results:
        reason = "objectives_without_results"
    else:
        reason = "objectives_with_results"
    used = list({f.evidence_id: f for f in objectives + results}.values())
    return Gate("objectives", "6.2", reason == "objectives_with_results", reason, used,
                {"latest_results": results[0].effective_date.isoformat() if results else None})


def _nonconformities(vault: Vault) -> Gate:
    used = vault.find("10.2", _HAPPENED, (RECORD,), recent=True)
    return Gate("nonconformities", "10.2", bool(used),
                "log_within_12_months" if used else "no_log_within_12_months", used)


def iso9001_stage1_gates(assessments: list[Assessment], on: datetime.date,
                         refused_exclusions: list[str] | None = None) -> list[Gate]:
    """The stage-1 gates in the order an auditor reads them. `refused_exclusions`: ref_ids
    excluded by the structure although the library does not allow it."""
    vault = Vault(assessments, on)
    return [
        _scope(vault, list(refused_exclusions or ())),
        _context(vault),
        _document("process_map", "4.4", vault),
        _document("policy", "5.2", vault),
        _risks(vault),
        _objectives(vault),
        _document("documented_information", "7.5", vault),
        _internal_audit(vault),
        _management_review(vault),
        _nonconformities(vault),
    ]


# The stage-1 gates above; gates registered below are named otherwise on the pages.
STAGE_1_CODES = frozenset(LABELS)

# Gates that other apps add for any referential (the audits app: the previous audit's
# nonconformities closed, decision 0026): (adoption, date) -> gates. They carry their labels and
# reasons in LABELS and REASONS like the gates above, so that every reader shows them alike.
ExtraGates = Callable[[object, datetime.date], list[Gate]]
_extra_gates: list[ExtraGates] = []


def register(evaluate: ExtraGates, labels: dict, reasons: dict) -> ExtraGates:
    """Add gates evaluated with every checklist, after the stage-1 gates."""
    LABELS.update(labels)
    REASONS.update(reasons)
    if evaluate not in _extra_gates:
        _extra_gates.append(evaluate)
    return evaluate


def extra_gates(adoption, on: datetime.date) -> list[Gate]:
    return [gate for evaluate in _extra_gates for gate in evaluate(adoption, on)]
