"""ISO 9001 stage-1 gates (`checklists.gates`): each gate with a vault that passes it and vaults
that fail it, on plain facts (the API test checks the same on the real checklist)."""

import datetime

import pytest
from django.utils import translation

from checklists import gates, readiness

from .facts import TODAY, WINDOW, days, evidence, requirement

RECENT = days(-60)
OLD = TODAY - datetime.timedelta(days=400)


def doc(evidence_id, **overrides):
    return evidence(evidence_id=evidence_id, kind="document", title=f"Document {evidence_id}",
                    effective_date=overrides.pop("effective_date", RECENT), **overrides)


def rec(evidence_id, **overrides):
    return evidence(evidence_id=evidence_id, kind="record", title=f"Record {evidence_id}",
                    effective_date=overrides.pop("effective_date", RECENT), **overrides)


AUDIT_1, AUDIT_2 = rec(21), rec(22)


def passing_links() -> dict[str, list]:
    """A vault that passes every gate: clause -> linked evidence."""
    return {
        "4.1": [doc(1)], "4.1-climat": [doc(2)], "4.2": [doc(3)], "4.3": [doc(4)],
        "4.4": [doc(5)], "5.2": [doc(6)], "6.1": [rec(7)], "6.2": [doc(8)], "6.2.2": [rec(9)],
        "7.5.3": [doc(10)], "9.2.2": [doc(20), AUDIT_1, AUDIT_2], "9.3.3": [rec(30)],
        "10.2": [rec(40)], "8.3": [],
        # the audit records also name the clauses they audited, in every chapter
        "4.4.1": [AUDIT_1], "5.1": [AUDIT_1], "6.3": [AUDIT_1], "7.1.2": [AUDIT_1],
        "8.5.1": [AUDIT_2], "9.1.3": [AUDIT_2], "10.3": [AUDIT_2],
    }


def run(links=None, refused=(), excluded=("8.3",), **changes):
    links = {**(links or passing_links()), **{k.replace("_", "."): v
                                              for k, v in changes.items()}}
    assessments = [
        readiness.assess_requirement(
            requirement(requirement_id=n, ref_id=ref_id, excluded=ref_id in excluded),
            items, TODAY, WINDOW)
        for n, (ref_id, items) in enumerate(links.items(), start=1)]
    return {gate.code: gate for gate in gates.iso9001_stage1_gates(assessments, TODAY,
                                                                   list(refused))}


def ids(gate):
    return sorted(facts.evidence_id for facts in gate.evidence)


def test_every_gate_passes_on_a_complete_vault_and_names_its_evidence():
    result = run()
    assert list(result) == ["scope", "context", "process_map", "policy", "risks", "objectives",
                            "documented_information", "internal_audit", "management_review",
                            "nonconformities"]
    failed = {code: gate.reason for code, gate in result.items() if not gate.passed}
    assert failed == {}
    # every stage-1 gate has its label; the audits app adds its own gate (decision 0026)
    assert set(gates.LABELS) == set(result) | {"previous_nonconformities"}
    assert all(gate.reason in gates.REASONS for gate in result.values())
    assert ids(result["management_review"]) == [30]
    assert ids(result["internal_audit"]) == [20, 21, 22]
    assert result["internal_audit"].params["chapters_missing"] == []
    assert ids(result["context"]) == [1, 2, 3]
    assert ids(result["objectives"]) == [8, 9]
    assert result["scope"].params["exclusions"] == ["8.3"]


@pytest.mark.parametrize("code, changes, reason, used", [
    # a procedure of the management review is not a record of one
    ("management_review", {"9_3_3": [doc(31)]}, "management_review_procedure_only", [31]),
    ("management_review", {"9_3_3": [rec(30, effective_date=OLD)]},
     "no_management_review_record_within_12_months", []),
    ("management_review", {"9_3_3": [rec(30, file_check="pending")]},  # file not verified
     "no_management_review_record_within_12_months", []),
    ("management_review", {"9_3_3": [rec(30, effective_date=days(5))]},  # not held yet
     "no_management_review_record_within_12_months", []),
    ("internal_audit", {"9_2_2": [doc(20)]}, "no_internal_audit_record_within_12_months",
     [20]),
    ("internal_audit", {"9_2_2": [AUDIT_1, AUDIT_2]}, "no_audit_programme", [21, 22]),
    ("internal_audit", {"9_2_2": [doc(20), rec(21, effective_date=OLD), AUDIT_2]},
     "chapters_not_audited", [20, 22]),
    ("scope", {"4_3": []}, "scope_not_documented", []),
    ("context", {"4_1-climat": []}, "climate_change_not_determined", [1, 3]),
    ("context", {"4_1": [doc(1, valid_until=days(-1))]}, "context_not_documented", [2, 3]),
    ("context", {"4_2": [doc(3, status="in_review")]}, "interested_parties_not_documented",
     [1, 2]),
    ("process_map", {"4_4": [AUDIT_1]}, "no_document_in_force", []),
    ("policy", {"5_2": [doc(6, file_check="altered"), AUDIT_1]}, "no_document_in_force", []),
    ("risks", {"6_1": [AUDIT_1]}, "evidence_counts", [21]),  # a record of 6.1 counts
    ("risks", {"6_1": []}, "no_evidence_counts", []),
    ("objectives", {"6_2": [], "6_2_2": []}, "objectives_not_documented", []),
    ("objectives", {"6_2_2": [rec(9, effective_date=OLD)]}, "objectives_without_results",
     [8, 9]),
    ("documented_information", {"7_5_3": [doc(10, valid_until=days(-3)), AUDIT_1]},
     "no_document_in_force", []),
    ("nonconformities", {"10_2": [rec(40, effective_date=OLD), AUDIT_2]},
     "log_within_12_months", [22]),  # the audit record linked to 10.2 is a record of it
    ("nonconformities", {"10_2": [rec(40, effective_date=OLD)]}, "no_log_within_12_months", []),
])
def test_a_gate_fails_with_its_reason_and_the_others_still_pass(code, changes, reason, used):
    result = run(**changes)
    gate = result[code]
    assert (gate.reason, ids(gate)) == (reason, used)
    assert gate.passed == (reason in ("evidence_counts", "log_within_12_months"))
    assert [other.code for other in result.values() if not other.passed and other.code != code
            ] == []


def test_internal_audit_must_cover_every_chapter_4_to_10():
    links = passing_links()
    links["10.3"] = []  # audit record 22 no longer names chapter 10
    links["9.1.3"] = []  # nor chapter 9 (9.2 itself does not count)
    gate = run(links)["internal_audit"]
    assert (gate.passed, gate.reason) == (False, "chapters_not_audited")
    assert gate.params["chapters_missing"] == ["9", "10"]
    assert gate.params["chapters_audited"] == ["4", "5", "6", "7", "8"]
    with translation.override("en"):
        assert str(gates.REASONS[gate.reason]) % gate.params == (
            "Chapters not covered by an internal audit record in 12 months: 9, 10")


def test_management_review_at_the_12_month_boundary():
    exactly = TODAY - datetime.timedelta(days=365)
    assert not run(**{"9_3_3": [rec(30, effective_date=exactly)]})["management_review"].passed
    assert run(**{"9_3_3": [rec(30, effective_date=exactly + datetime.timedelta(days=1))]}
               )["management_review"].passed


def test_an_exclusion_the_library_refuses_fails_the_scope_gate():
    gate = run(refused=["9.2"])["scope"]
    assert (gate.passed, gate.reason) == (False, "exclusion_not_allowed")
    assert gate.params["refused_exclusions"] == ["9.2"]
    assert ids(gate) == [4]
