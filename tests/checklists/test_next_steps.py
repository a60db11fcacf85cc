"""What to do next: the gaps of a checklist ordered by their effect on the audit
(`checklists.services.next_steps`), on checklist data shaped as `checklist.build` gives it."""

import datetime

from django.utils import translation

from checklists.services import next_steps

TODAY = datetime.date(2027, 1, 10)
AUDIT = datetime.date(2027, 3, 15)


def _item(ref_id: str, status: str, *, position: int, documented: bool = False,
          valid_until: datetime.date | None = None, counted: bool = True,
          evidence: tuple = ()) -> dict:
    return {"requirement_id": position + 100, "ref_id": ref_id, "chapter": ref_id.split(".")[0],
            "position": position, "status": status, "counted": counted,
            "documented_information_code": "retain" if documented else "none",
            "valid_until": valid_until, "reason": "unapproved" if status == "pending" else "",
            "evidence": [{"id": number, "title": f"Preuve {number}"} for number in evidence]}


def _gate(code: str, passed: bool, **params) -> dict:
    return {"code": code, "clause": "9.3", "passed": passed,
            "reason": "no_management_review_record_within_12_months", **params}


def _data(items: list[dict], gates: list[dict] = ()) -> dict:
    return {"reference_date": TODAY, "items": items, "gates": list(gates),
            "chapters": [{"ref_id": "7", "score": 50.0, "counts": {"missing": 1}}]}


def _kinds(steps):
    return [(step["kind"], step.get("ref_id") or step.get("code")) for step in steps]


def test_failed_gates_come_first_then_missing_then_expired_then_expiring_then_pending():
    data = _data([
        _item("4.3", "pending", position=0, evidence=(5,)),
        _item("6.2.1", "expiring", position=1, valid_until=TODAY + datetime.timedelta(days=9),
              evidence=(6,)),
        _item("7.2", "expired", position=2, evidence=(7,)),
        _item("7.5.3", "missing", position=3),
        _item("8.3", "covered", position=4, valid_until=AUDIT - datetime.timedelta(days=1),
              evidence=(8,)),
        _item("9.2.2", "covered", position=5, valid_until=AUDIT, evidence=(9,)),
    ], gates=[_gate("policy", True), _gate("management_review", False)])

    steps = next_steps.steps(data, AUDIT)

    assert _kinds(steps) == [("gate", "management_review"), ("missing", "7.5.3"),
                             ("expired", "7.2"), ("expires_before_audit", "6.2.1"),
                             ("expires_before_audit", "8.3"), ("pending", "4.3")]
    # one click from fixing it: the item to renew or to review is named
    assert steps[2]["evidence_id"] == 7 and steps[5]["evidence_id"] == 5
    assert steps[4]["valid_until"] == "2027-03-14"


def test_missing_requirements_asking_for_documented_information_come_first():
    data = _data([_item("6.2.2", "missing", position=0),
                  _item("9.3.3", "missing", position=5, documented=True),
                  _item("7.2", "missing", position=2, documented=True)])

    assert _kinds(next_steps.steps(data, AUDIT)) == [
        ("missing", "7.2"), ("missing", "9.3.3"), ("missing", "6.2.2")]


def test_without_an_audit_date_only_what_expires_within_the_window_is_a_step():
    data = _data([_item("6.2.1", "expiring", position=0, valid_until=TODAY, evidence=(1,)),
                  _item("8.3", "covered", position=1, valid_until=TODAY + datetime.timedelta(
                      days=40), evidence=(2,))])

    assert _kinds(next_steps.steps(data, None)) == [("expires_before_audit", "6.2.1")]
    # a target date already past counts as none
    assert _kinds(next_steps.steps(data, TODAY - datetime.timedelta(days=1))) == [
        ("expires_before_audit", "6.2.1")]


def test_an_audit_before_the_evidence_ends_needs_no_renewal():
    data = _data([_item("6.2.1", "expiring", position=0,
                        valid_until=TODAY + datetime.timedelta(days=20), evidence=(1,))])

    assert next_steps.steps(data, TODAY + datetime.timedelta(days=10)) == []
    assert len(next_steps.steps(data, TODAY + datetime.timedelta(days=30))) == 1


def test_clauses_summing_up_sub_clauses_and_covered_or_excluded_requirements_are_no_steps():
    data = _data([_item("6.2", "missing", position=0, counted=False),
                  _item("6.2.1", "covered", position=1, evidence=(1,)),
                  _item("8.3", "not_applicable", position=2)])

    assert next_steps.steps(data, AUDIT) == []


def test_the_summary_keeps_the_first_steps_and_counts_every_kind():
    items = [_item(f"7.{index}", "missing", position=index) for index in range(14)]
    items.append(_item("8.3", "expired", position=20, evidence=(3,)))

    summary = next_steps.summary(_data(items), AUDIT)

    assert len(summary["steps"]) == next_steps.STEPS_KEPT
    assert summary["step_counts"] == {"gate": 0, "missing": 14, "expired": 1,
                                      "expires_before_audit": 0, "pending": 0}
    assert summary["reference_date"] == "2027-01-10" and summary["audit_date"] == "2027-03-15"
    assert summary["chapters"] == [{"ref_id": "7", "score": 50.0, "counts": {"missing": 1}}]


def test_gate_messages_are_written_from_the_stored_codes():
    with translation.override("en"):
        message = next_steps.gate_message("chapters_not_audited",
                                          {"chapters_missing": ["8", "10"]})
    assert message == "Chapters not covered by an internal audit record in 12 months: 8, 10"
    assert next_steps.gate_message("no_audit_programme", {}) == (
        "Aucun programme d'audit en vigueur (un document relié à 9.2)")
