"""Requirements that apply to each member of a population (`Requirement.per_member`): pure
functions over plain facts, like `checklists.readiness`, whose rule they apply member by member.

Such a requirement is covered on date D only when every member present on D (entry ≤ D ≤ exit,
both days included: `populations.models.present`) has counting evidence: evidence linked to the
requirement that names the member. Each member is assessed by `readiness.assess_requirement`
over that member's evidence alone, so validity, approval, verification and the warning window
are exactly the checklist's; the requirement then takes the worst member status:

- covered: every member present is covered ("25 / 25");
- expiring: every member present is covered, some only until the warning window;
- missing, expired or pending: the worst status of a member who is not covered ("23 / 25"),
  the members concerned listed;
- covered, reason `no_member_present`: the population is kept but nobody is present on D;
- missing, reason `population_not_recorded`: the structure keeps no population of that kind,
  so nobody can be counted (evidence alone does not prove that everyone has some).
"""

import datetime
from dataclasses import dataclass, field, replace

from populations.models import present

from . import readiness
from .readiness import Status

_GOOD = (Status.COVERED, Status.EXPIRING)


@dataclass(frozen=True)
class MemberFacts:
    member_id: int
    reference: str
    initials: str
    entry_date: datetime.date
    exit_date: datetime.date | None
    evidence_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class MemberAssessment:
    member: MemberFacts
    status: Status
    reason: str
    valid_until: datetime.date | None


@dataclass
class Coverage:
    """The members of a per-member requirement on the date: how many are present, how many
    covered, and each present member's assessment (worst first)."""

    kind: str
    recorded: bool
    present: int = 0
    covered: int = 0
    members: list[MemberAssessment] = field(default_factory=list)

    @property
    def not_covered(self) -> list[MemberAssessment]:
        """Members to act on: not covered, or covered only until the warning window."""
        return [m for m in self.members if m.status != Status.COVERED]


def _member_key(item: MemberAssessment) -> tuple:
    return (readiness.PRIORITY[item.status], item.member.reference)


def assess_members(requirement: readiness.RequirementFacts,
                   evidence: list[readiness.EvidenceFacts], kind: str,
                   members: list[MemberFacts] | None, on: datetime.date,
                   warning_days: int = 30, records_need_approval: bool = False
                   ) -> tuple[readiness.Assessment, Coverage | None]:
    """The assessment of a per-member requirement on `on` (its evidence listed as usual) and
    the coverage of its members; `members` is None when no population of `kind` is kept."""
    base = readiness.assess_requirement(requirement, evidence, on, warning_days,
                                        records_need_approval)
    if requirement.excluded:
        return base, None
    if members is None:
        return (replace(base, status=Status.MISSING, reason="population_not_recorded",
                        valid_until=None), Coverage(kind, recorded=False))
    by_id = {facts.evidence_id: facts for facts in evidence}
    assessed = []
    for member in members:
        if not present(member.entry_date, member.exit_date, on):
            continue
        own = [by_id[evidence_id] for evidence_id in sorted(member.evidence_ids)
               if evidence_id in by_id]
        one = readiness.assess_requirement(requirement, own, on, warning_days,
                                           records_need_approval)
        assessed.append(MemberAssessment(member, one.status, one.reason, one.valid_until))
    assessed.sort(key=_member_key)
    coverage = Coverage(kind, True, len(assessed),
                        sum(1 for item in assessed if item.status in _GOOD), assessed)
    return replace(base, **_decision(assessed)), coverage


def _decision(assessed: list[MemberAssessment]) -> dict:
    """Status, reason and validity end of the requirement from its present members."""
    if not assessed:
        return {"status": Status.COVERED, "reason": "no_member_present", "valid_until": None}
    worst = assessed[0]
    if worst.status not in _GOOD:
        return {"status": worst.status, "reason": "members_not_covered",
                "valid_until": None}
    ends = [item.valid_until for item in assessed if item.valid_until is not None]
    return {"status": worst.status,
            "reason": ("every_member_covered" if worst.status == Status.COVERED
                       else "member_evidence_expiring"),
            "valid_until": min(ends, default=None)}
