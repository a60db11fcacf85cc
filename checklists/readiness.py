"""Readiness rules: pure functions over plain facts, evaluated at a reference date.

This module is the one source of the readiness rule: the checklist, its exports, snapshots and
the workers' recomputation all call these functions over facts fetched in a fixed number of
queries (`checklists.services.checklist`); no SQL, trigger or stored rank repeats it.

An evidence item counts for a requirement on date D when it is approved (a record: once its
file is verified, unless the structure wants records approved too: `records_need_approval`), its
current revision's files are verified and intact (`file_check`), it is in force (effective on or
before D) and still valid on D. Until when it counts (`validity_end`): its own end wins (its
`valid_until`, which its own renewal period sets when it is written or reviewed); only an item
without an end of its own (a management review, an internal audit report) takes the
requirement's renewal period, counted from its latest review ("reviewed, still valid", a
document) or else from its effective date; with neither, it is open-ended. A requirement is then:

- not applicable: excluded by the structure, with a justification, or under a clause it
  excluded (excluding a clause excludes its sub-clauses);
- covered: some evidence counts, with a validity ending after the warning window;
- expiring: some evidence counts, but every one ends within the warning window;
- expired: evidence was approved and verified, but none is valid on D any more;
- pending: evidence is linked but none is approved and verified, or none is in force yet, or
  the file of its current revision is altered or missing (integrity error: such evidence never
  counts, whatever its status);
- missing: nothing is linked (archived evidence counts as nothing).
"""

import datetime
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext_lazy as _

from evidence.expiry import Expiry, expiry_on
from evidence.models import FilesState


class Status(models.TextChoices):
    MISSING = "missing", _("missing")
    EXPIRED = "expired", _("expired")
    PENDING = "pending", _("pending")
    EXPIRING = "expiring", _("expiring")
    COVERED = "covered", _("covered")
    NOT_APPLICABLE = "not_applicable", _("not applicable")


# Order in which a quality manager wants to see problems.
PRIORITY = {
    Status.MISSING: 0, Status.EXPIRED: 1, Status.PENDING: 2, Status.EXPIRING: 3,
    Status.COVERED: 4, Status.NOT_APPLICABLE: 5,
}


class EvidenceState(models.TextChoices):
    VALID = "valid", _("valid")
    EXPIRING = "expiring", _("expires soon")
    EXPIRED = "expired", _("expired")
    NOT_YET_EFFECTIVE = "not_yet_effective", _("not yet in force")
    UNAPPROVED = "unapproved", _("not approved")
    UNVERIFIED = "unverified", _("file not verified")
    INTEGRITY_ERROR = "integrity_error", _("file altered or missing")
    ARCHIVED = "archived", _("archived")


_ALTERED, _VERIFIED = FilesState.ALTERED.value, FilesState.VERIFIED.value
# The date part of the rule (`evidence.expiry.expiry_on`) as evidence states.
_BY_EXPIRY = {expiry: EvidenceState(expiry.value)
              for expiry in (Expiry.VALID, Expiry.EXPIRING, Expiry.EXPIRED)}
# Evidence is shown in this order of states (the most useful first).
_STATE_RANK = {state: rank for rank, state in enumerate(EvidenceState)}
# The first one present gives the reason of a pending requirement.
_PENDING_STATES = (EvidenceState.INTEGRITY_ERROR, EvidenceState.UNAPPROVED,
                   EvidenceState.UNVERIFIED, EvidenceState.NOT_YET_EFFECTIVE)


class EvidenceFacts(NamedTuple):
    """What the rules need of one linked evidence item, as its columns hold it (a tuple:
    thousands are built per checklist). `file_check` is the state of the current revision's
    files: "verified", "pending" (none verified yet) or "altered" (altered or missing);
    `reviewed_on` the date of its latest "reviewed, still valid" mark."""

    evidence_id: int
    title: str
    status: str
    kind: str
    effective_date: datetime.date
    valid_until: datetime.date | None
    file_check: str
    reviewed_on: datetime.date | None = None


@dataclass(frozen=True)
class RequirementFacts:
    """What the rules need of a requirement. Every applicable requirement is a requirement;
    `documented` says that it also asks for documented information (to maintain or retain).
    `leaf`: no assessable sub-clause, so it is counted in the score and the counts."""

    requirement_id: int
    ref_id: str
    renewal_months: int | None = None
    documented: bool = False
    assessable: bool = True
    excluded: bool = False
    excluded_with_parent: bool = False
    leaf: bool = True


class AssessedEvidence(NamedTuple):
    """One linked evidence item in its state on the reference date, with the end of its
    validity for the requirement (None: open-ended)."""

    facts: EvidenceFacts
    state: EvidenceState
    valid_end: datetime.date | None


@dataclass
class StateSummary:
    """What the decision needs of all the linked evidence in one state: how many, the latest
    validity end (`open_ended` when one has none), whether one was cut by the requirement's
    renewal period, and the latest effective date per evidence kind."""

    count: int = 0
    latest_end: datetime.date | None = None
    open_ended: bool = False
    renewal_cut: bool = False
    latest_effective: dict[str, datetime.date] = field(default_factory=dict)

    def add(self, end, renewal_cut: bool, kind: str, effective, count: int = 1) -> None:
        self.count += count
        if end is None:
            self.open_ended = True
        elif self.latest_end is None or end > self.latest_end:
            self.latest_end = end
        self.renewal_cut = self.renewal_cut or renewal_cut
        if effective is not None and (kind not in self.latest_effective
                                      or effective > self.latest_effective[kind]):
            self.latest_effective[kind] = effective

    @property
    def valid_until(self) -> datetime.date | None:
        return None if self.open_ended else self.latest_end


@dataclass
class Assessment:
    requirement: RequirementFacts
    status: Status
    reason: str
    valid_until: datetime.date | None = None
    evidence: list[AssessedEvidence] = field(default_factory=list)  # most useful first
    summaries: dict[EvidenceState, StateSummary] = field(default_factory=dict)

    @property
    def linked(self) -> int:
        return len(self.evidence)


@functools.lru_cache(maxsize=16384)
def _plus_months(day: datetime.date, months: int) -> datetime.date:
    return day + relativedelta(months=months)


def validity_end(evidence: EvidenceFacts, renewal_months: int | None) -> datetime.date | None:
    """Until when `evidence` counts for a requirement whose renewal period is `renewal_months`
    (None: open-ended). The one answer: the checklist, the evidence API (through the stored
    `EvidenceItem.validity_end`), reminders, the calendar, exports and snapshots all use it."""
    if evidence.valid_until is not None:  # its own end wins
        return evidence.valid_until
    if renewal_months:  # no end of its own: the requirement's period, from the latest review
        return _plus_months(evidence.reviewed_on or evidence.effective_date, renewal_months)
    return None


def needs_approval(kind: str, records_need_approval: bool) -> bool:
    """Documents count only once approved; records once their file is verified, unless the
    structure wants them approved too."""
    return kind != "record" or records_need_approval


def evidence_state(evidence: EvidenceFacts, end: datetime.date | None, on: datetime.date,
                   warning_end: datetime.date, records_need_approval: bool = False
                   ) -> EvidenceState:
    """The state of one evidence item on date `on`, given the end of its validity for the
    requirement (`validity_end`), the last day of the warning window (`on` + its days) and
    the structure's choice for records (`needs_approval`)."""
    if evidence.file_check == _ALTERED:
        return EvidenceState.INTEGRITY_ERROR
    if evidence.status == "archived":
        return EvidenceState.ARCHIVED
    if evidence.status != "approved" and needs_approval(evidence.kind, records_need_approval):
        return EvidenceState.UNAPPROVED
    if evidence.file_check != _VERIFIED:
        return EvidenceState.UNVERIFIED
    if evidence.effective_date > on:
        return EvidenceState.NOT_YET_EFFECTIVE
    return _BY_EXPIRY[expiry_on(end, on, warning_end)]


def assess_evidence(evidence: EvidenceFacts, renewal_months: int | None, on: datetime.date,
                    warning_end: datetime.date, records_need_approval: bool = False
                    ) -> AssessedEvidence:
    """One evidence item for a requirement on date `on`: its state and validity end
    (`warning_end`: the last day of the warning window)."""
    end = validity_end(evidence, renewal_months)
    state = evidence_state(evidence, end, on, warning_end, records_need_approval)
    return AssessedEvidence(evidence, state, end)


def summarize(assessed: list[AssessedEvidence]) -> dict[EvidenceState, StateSummary]:
    """What `decide` needs of the assessed evidence, per state."""
    summaries: dict[EvidenceState, StateSummary] = {}
    for facts, state, end in assessed:
        cut = end is not None and facts.valid_until is None
        summary = summaries.get(state)
        if summary is None:
            summary = summaries[state] = StateSummary()
        summary.add(end, cut, facts.kind, facts.effective_date)
    return summaries


def decide(requirement: RequirementFacts, summaries: dict[EvidenceState, StateSummary]
           ) -> tuple[Status, str, datetime.date | None]:
    """Status, reason and validity end of a requirement from its evidence per state."""
    if requirement.excluded:
        reason = "excluded_with_parent" if requirement.excluded_with_parent else "excluded"
        return Status.NOT_APPLICABLE, reason, None
    if EvidenceState.VALID in summaries:
        return Status.COVERED, "valid", summaries[EvidenceState.VALID].valid_until
    if EvidenceState.EXPIRING in summaries:
        return (Status.EXPIRING, "expires_within_window",
                summaries[EvidenceState.EXPIRING].valid_until)
    if EvidenceState.EXPIRED in summaries:
        expired = summaries[EvidenceState.EXPIRED]
        reason = ("renewal_period_elapsed" if requirement.renewal_months and expired.renewal_cut
                  else "validity_ended")
        return Status.EXPIRED, reason, expired.valid_until
    for state in _PENDING_STATES:
        if state in summaries:
            return Status.PENDING, state.value, None
    return Status.MISSING, "only_archived_evidence" if summaries else "no_evidence", None


def sort_key(item: AssessedEvidence) -> tuple:
    """Most useful evidence first: by state, then the latest validity end (open-ended first),
    then the most recent evidence."""
    return (_STATE_RANK[item.state], -(item.valid_end or datetime.date.max).toordinal(),
            -item.facts.evidence_id)


def assess_requirement(requirement: RequirementFacts, evidence: list[EvidenceFacts],
                       on: datetime.date, warning_days: int = 30,
                       records_need_approval: bool = False) -> Assessment:
    """The status of one requirement on date `on`, with the reason and the evidence states."""
    warning_end = on + datetime.timedelta(days=warning_days)
    renewal_months, make = requirement.renewal_months, tuple.__new__
    assessed = []
    for facts in evidence:  # assess_evidence, inlined: thousands per checklist
        end = validity_end(facts, renewal_months)
        assessed.append(make(AssessedEvidence, (facts, evidence_state(
            facts, end, on, warning_end, records_need_approval), end)))
    assessed.sort(key=sort_key)
    summaries = summarize(assessed)
    status, reason, valid_until = decide(requirement, summaries)
    return Assessment(requirement, status, reason, valid_until, assessed,
                      summaries=summaries)


def roll_up(own: Assessment, children: list[Assessment]) -> Assessment:
    """A clause with applicable sub-clauses is no better than the worst of them. Without
    evidence of its own it takes their status; with evidence of its own it takes the worst of
    its own status and theirs (covered only when its own evidence counts and no sub-clause is
    worse). All sub-clauses excluded: its own status, or not applicable without evidence."""
    requirement = own.requirement
    applicable = [c for c in children if c.status != Status.NOT_APPLICABLE]
    if not applicable:
        if own.linked:
            return own
        return Assessment(requirement, Status.NOT_APPLICABLE, "sub_clauses_not_applicable")
    worst = min(applicable, key=lambda c: PRIORITY[c.status])
    if own.linked and PRIORITY[own.status] <= PRIORITY[worst.status]:
        return own
    ends = [c.valid_until for c in [*applicable, *([own] if own.linked else [])]
            if c.status in (Status.COVERED, Status.EXPIRING) and c.valid_until is not None]
    reason = "sub_clause_worse" if own.linked else "from_sub_clauses"
    return Assessment(requirement, worst.status, reason, min(ends, default=None),
                      own.evidence, own.summaries)


def priority_key(assessment: Assessment, order: int) -> tuple:
    """By status, requirements asking for documented information first, then clause order."""
    return (PRIORITY[assessment.status], not assessment.requirement.documented, order)


def counted(assessments: list[Assessment]) -> list[Assessment]:
    """The assessments the score and the counts are made of: each assessable requirement
    once, i.e. the leaves (a clause with sub-clauses sums them up, it is not counted again)."""
    return [a for a in assessments if a.requirement.assessable and a.requirement.leaf]


def score(assessments: list[Assessment]) -> float | None:
    """Percentage, one decimal: (covered + expiring) / applicable, over the counted
    requirements; None when nothing to assess."""
    applicable = [a for a in counted(assessments) if a.status != Status.NOT_APPLICABLE]
    if not applicable:
        return None
    good = sum(1 for a in applicable if a.status in (Status.COVERED, Status.EXPIRING))
    return percent(good, len(applicable))


def percent(part: int, whole: int) -> float:
    """`part` of `whole` in percent with one decimal, rounded half up (2/3 -> 66.7)."""
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def count_statuses(assessments: list[Assessment]) -> dict[str, int]:
    counts = {status.value: 0 for status in Status}
    for assessment in counted(assessments):
        counts[assessment.status] += 1
    return counts
