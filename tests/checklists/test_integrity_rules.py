"""Readiness rules for evidence whose current file is altered or missing (integrity error): it
never covers a requirement, whatever its status, and the checklist says so."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists import gates as stage1
from checklists import readiness
from checklists.models import EvidenceLink
from checklists.readiness import EvidenceState, RequirementFacts, Status
from checklists.services import checklist
from tests.factories import evidence_with_file

from .facts import TODAY, WINDOW, days, evidence


def altered(**overrides):
    return evidence(file_check="altered", **overrides)


RULES = [
    # (label, requirement overrides, evidence list, expected status, reason)
    ("only evidence altered", {}, [altered()], Status.PENDING, "integrity_error"),
    ("altered and archived: integrity checked first", {}, [altered(status="archived")],
     Status.PENDING, "integrity_error"),
    ("altered draft", {}, [altered(status="draft")], Status.PENDING, "integrity_error"),
    ("altered and expired", {}, [altered(valid_until=days(-3))], Status.PENDING,
     "integrity_error"),
    ("altered before a draft: the integrity error is the reason", {},
     [evidence(evidence_id=2, status="draft", kind="document"), altered()], Status.PENDING,
     "integrity_error"),
    ("altered with another valid evidence", {}, [altered(), evidence(evidence_id=2)],
     Status.COVERED, "valid"),
    ("altered with another expiring evidence", {},
     [altered(), evidence(evidence_id=2, valid_until=days(5))], Status.EXPIRING,
     "expires_within_window"),
    ("altered with another expired evidence", {},
     [altered(), evidence(evidence_id=2, valid_until=days(-1))], Status.EXPIRED,
     "validity_ended"),
    ("altered with archived evidence", {},
     [altered(), evidence(evidence_id=2, status="archived")], Status.PENDING, "integrity_error"),
    ("excluded requirement stays not applicable", {"excluded": True}, [altered()],
     Status.NOT_APPLICABLE, "excluded"),
    ("no flag: the existing rules apply", {}, [evidence(file_check="verified")], Status.COVERED,
     "valid"),
]


@pytest.mark.parametrize(("label", "req", "items", "expected", "reason"), RULES,
                         ids=[rule[0] for rule in RULES])
def test_integrity_rule_table(label, req, items, expected, reason):
    subject = RequirementFacts(requirement_id=1, ref_id="7.2", **req)
    result = readiness.assess_requirement(subject, items, TODAY, WINDOW)
    assert (result.status, result.reason) == (expected, reason)


def test_state_of_altered_evidence():
    assessed = readiness.assess_evidence(altered(), None, TODAY, days(WINDOW))
    assert assessed.state == EvidenceState.INTEGRITY_ERROR
    assert str(assessed.state.label) in {"file altered or missing", "fichier altéré ou manquant"}


def test_altered_evidence_does_not_pass_a_stage1_gate():
    subject = RequirementFacts(requirement_id=1, ref_id="9.3.3")
    review = readiness.assess_requirement(subject, [altered(effective_date=days(-30))], TODAY,
                                          WINDOW)
    gates = {g.code: g for g in stage1.iso9001_stage1_gates([review], TODAY)}
    assert not gates["management_review"].passed


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC),
                             tick=False):
        yield


def linked_evidence(org, user, requirement, title, *, integrity_error=False, current=True):
    item = evidence_with_file(org, user, current=current, integrity_error=integrity_error,
                              title=title, status="approved",
                              approved_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    EvidenceLink.objects.create(evidence=item, requirement=requirement, created_by=user)
    return item


def test_checklist_flags_the_requirement_in_the_same_queries(frozen, adoption, iso, org, qm):
    _referential, req = iso
    linked_evidence(org, qm, req["4.3"], "Périmètre")
    linked_evidence(org, qm, req["7.2"], "Attestation SST")

    with CaptureQueriesContext(connection) as clean:
        checklist.build(adoption)
    linked_evidence(org, qm, req["7.2"], "Attestation altérée", integrity_error=True)
    linked_evidence(org, qm, req["9.2.2"], "Audit interne altéré", integrity_error=True)
    # A flagged file of a revision that is not current does not count.
    linked_evidence(org, qm, req["8.3"], "Ancienne version", integrity_error=True,
                    current=False)
    with CaptureQueriesContext(connection) as flagged:
        body = checklist.build(adoption)

    assert len(flagged.captured_queries) == len(clean.captured_queries)
    items = {item["ref_id"]: item for item in body["items"]}
    assert (items["7.2"]["status"], items["7.2"]["integrity_error"]) == ("covered", True)
    assert (items["9.2.2"]["status"], items["9.2.2"]["reason"]) == ("pending", "integrity_error")
    assert items["9.2.2"]["integrity_error"] is True
    assert items["9.2.2"]["reason_label"] in {
        "A file of the linked evidence is altered or missing",
        "Un fichier de la preuve liée est altéré ou manquant"}
    assert items["8.3"]["integrity_error"] is False
    assert items["4.3"]["integrity_error"] is False
