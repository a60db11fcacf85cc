"""The readiness rule table: every status and boundary, on frozen dates."""

import datetime

import pytest
import time_machine

from checklists import readiness
from checklists.readiness import Status

from .facts import TODAY, WINDOW, days, evidence, requirement

RULES = [
    # (label, requirement overrides, evidence list, date, expected status, reason)
    ("nothing linked", {}, [], TODAY, Status.MISSING, "no_evidence"),
    ("valid without end", {}, [evidence()], TODAY, Status.COVERED, "valid"),
    ("valid beyond the window", {}, [evidence(valid_until=days(WINDOW + 1))], TODAY,
     Status.COVERED, "valid"),
    ("expires in exactly the warning window", {}, [evidence(valid_until=days(WINDOW))], TODAY,
     Status.EXPIRING, "expires_within_window"),
    ("expires today", {}, [evidence(valid_until=TODAY)], TODAY, Status.EXPIRING,
     "expires_within_window"),
    ("expired yesterday", {}, [evidence(valid_until=days(-1))], TODAY, Status.EXPIRED,
     "validity_ended"),
    ("effective date in the future", {}, [evidence(effective_date=days(1))], TODAY,
     Status.PENDING, "not_yet_effective"),
    ("effective today", {}, [evidence(effective_date=TODAY)], TODAY, Status.COVERED, "valid"),
    ("draft evidence", {}, [evidence(status="draft")], TODAY, Status.PENDING, "unapproved"),
    ("in review", {}, [evidence(status="in_review")], TODAY, Status.PENDING, "unapproved"),
    ("revision not verified or rejected", {}, [evidence(file_check="pending")], TODAY,
     Status.PENDING, "unverified"),
    ("evidence archived", {}, [evidence(status="archived")], TODAY, Status.MISSING,
     "only_archived_evidence"),
    ("renewal period elapsed", {"renewal_months": 12},
     [evidence(effective_date=datetime.date(2025, 11, 25))], TODAY, Status.EXPIRED,
     "renewal_period_elapsed"),
    ("renewal period ends today", {"renewal_months": 12},
     [evidence(effective_date=datetime.date(2025, 11, 26))], TODAY, Status.EXPIRING,
     "expires_within_window"),
    ("renewal period shorter than valid_until", {"renewal_months": 12},
     [evidence(effective_date=datetime.date(2025, 1, 1), valid_until=datetime.date(2030, 1, 1))],
     TODAY, Status.EXPIRED, "renewal_period_elapsed"),
    ("not applicable", {"excluded": True}, [], TODAY, Status.NOT_APPLICABLE, "excluded"),
    ("not applicable wins over evidence", {"excluded": True}, [evidence()], TODAY,
     Status.NOT_APPLICABLE, "excluded"),
    ("audit date in the future: valid today, expired by then", {},
     [evidence(valid_until=days(40))], days(60), Status.EXPIRED, "validity_ended"),
    ("audit date in the future: in the window then", {}, [evidence(valid_until=days(70))],
     days(60), Status.EXPIRING, "expires_within_window"),
    ("one valid among expired and drafts", {},
     [evidence(valid_until=days(-5)), evidence(status="draft"), evidence(evidence_id=3)],
     TODAY, Status.COVERED, "valid"),
    ("expired approved beats a pending draft", {},
     [evidence(valid_until=days(-5)), evidence(evidence_id=2, status="draft")], TODAY,
     Status.EXPIRED, "validity_ended"),
]


@pytest.mark.parametrize(("label", "req", "items", "on", "expected", "reason"), RULES,
                         ids=[rule[0] for rule in RULES])
def test_rule_table(label, req, items, on, expected, reason):
    result = readiness.assess_requirement(requirement(**req), items, on, WINDOW)
    assert (result.status, result.reason) == (expected, reason)


def test_today_is_the_default_reference_date():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC),
                             tick=False):
        from django.utils import timezone

        assert timezone.localdate() == TODAY


def test_valid_until_reports_the_latest_covering_evidence():
    result = readiness.assess_requirement(
        requirement(), [evidence(valid_until=days(100)), evidence(evidence_id=2,
                                                                  valid_until=days(200))],
        TODAY, WINDOW)
    assert result.valid_until == days(200)
    assert [item.facts.evidence_id for item in result.evidence] == [2, 1]


def test_score_counts_covered_and_expiring_over_assessable_minus_not_applicable():
    assessments = [
        readiness.Assessment(requirement(requirement_id=1), Status.COVERED, ""),
        readiness.Assessment(requirement(requirement_id=2), Status.EXPIRING, ""),
        readiness.Assessment(requirement(requirement_id=3), Status.MISSING, ""),
        readiness.Assessment(requirement(requirement_id=4), Status.PENDING, ""),
        readiness.Assessment(requirement(requirement_id=5, excluded=True),
                             Status.NOT_APPLICABLE, ""),
        readiness.Assessment(requirement(requirement_id=6, assessable=False), Status.MISSING,
                             ""),
    ]
    assert readiness.score(assessments) == 0.5
    counts = readiness.count_statuses(assessments)
    assert counts == {"missing": 1, "expired": 0, "pending": 1, "expiring": 1, "covered": 1,
                      "not_applicable": 1}
    assert readiness.score([assessments[4]]) is None


def test_missing_mandatory_requirements_come_first():
    rows = [
        readiness.Assessment(requirement(ref_id="a"), Status.MISSING, ""),
        readiness.Assessment(requirement(ref_id="b", mandatory=True), Status.MISSING, ""),
        readiness.Assessment(requirement(ref_id="c", mandatory=True), Status.EXPIRED, ""),
        readiness.Assessment(requirement(ref_id="d", mandatory=True), Status.COVERED, ""),
    ]
    ordered = sorted(enumerate(rows), key=lambda p: readiness.priority_key(p[1], p[0]))
    assert [a.requirement.ref_id for _i, a in ordered] == ["b", "a", "c", "d"]


class TestStage1Gates:
    def assessments(self, management_review=None, internal_audit=None, objectives=True,
                    results=None, scope=True, excluded=("8.3",)):
        def assessed(ref_id, items, status=None):
            req = requirement(ref_id=ref_id, excluded=ref_id in excluded)
            result = readiness.assess_requirement(req, items, TODAY, WINDOW)
            return result if status is None else readiness.Assessment(req, status, "")

        rows = [
            assessed("9.3.3", [evidence(effective_date=management_review)]
                     if management_review else []),
            assessed("9.2.2", [evidence(effective_date=internal_audit)]
                     if internal_audit else []),
            assessed("6.2.1", [evidence(kind="document")] if objectives else []),
            assessed("6.2.2", [evidence(effective_date=results)] if results else []),
            assessed("4.3", [evidence(kind="document")] if scope else []),
        ]
        rows += [assessed(ref_id, []) for ref_id in excluded]
        return rows

    def gates(self, **kwargs):
        return {g.code: g for g in readiness.iso9001_stage1_gates(self.assessments(**kwargs),
                                                                   TODAY)}

    def test_all_gates_pass(self):
        gates = self.gates(management_review=days(-300), internal_audit=days(-100),
                           results=days(-20))
        assert all(g.passed for g in gates.values())
        assert gates["scope"].params["exclusions"] == ["8.3"]
        assert gates["management_review"].params["latest"] == days(-300).isoformat()

    def test_management_review_older_than_12_months_fails(self):
        gates = self.gates(management_review=datetime.date(2025, 11, 26),
                           internal_audit=days(-10), results=days(-10))
        assert not gates["management_review"].passed
        assert gates["management_review"].reason == "no_management_review_within_12_months"
        assert gates["internal_audit"].passed

    def test_missing_internal_audit_objectives_results_and_scope(self):
        gates = self.gates(management_review=days(-1), objectives=True, results=None,
                           scope=False)
        assert not gates["internal_audit"].passed
        assert (gates["objectives"].passed, gates["objectives"].reason) == (
            False, "objectives_without_results")
        assert (gates["scope"].passed, gates["scope"].reason) == (False, "scope_not_documented")

    def test_objectives_not_documented(self):
        gates = self.gates(objectives=False, results=days(-3))
        assert gates["objectives"].reason == "objectives_not_documented"


def test_roll_up_takes_the_worst_applicable_sub_clause():
    parent = requirement(ref_id="9.3")
    kids = [
        readiness.Assessment(requirement(ref_id="9.3.1"), Status.COVERED, "", days(90)),
        readiness.Assessment(requirement(ref_id="9.3.2"), Status.EXPIRING, "", days(10)),
        readiness.Assessment(requirement(ref_id="9.3.3", excluded=True), Status.NOT_APPLICABLE,
                             ""),
    ]
    rolled = readiness.roll_up(parent, kids)
    assert (rolled.status, rolled.reason, rolled.valid_until) == (
        Status.EXPIRING, "from_sub_clauses", days(10))
    assert readiness.roll_up(parent, kids[2:]).status == Status.NOT_APPLICABLE
