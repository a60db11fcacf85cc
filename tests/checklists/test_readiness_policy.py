"""Per structure: records count once their file is verified (the default) or only once
approved; a quality manager changes it through the API (audited), and the one rule uses it."""

import datetime

import pytest

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from checklists.models import EvidenceLink, ReadinessState
from checklists.services import checklist
from tests.factories import evidence_with_file

ON = datetime.date(2026, 12, 5)
URL = "/api/v1/readiness-policies/{}/"


def _status(adoption, ref_id):
    [row] = [i for i in checklist.build(adoption, ON)["items"] if i["ref_id"] == ref_id]
    return row["status"], row["reason"]


@pytest.fixture
def draft_record(adoption, org, qm, iso):
    record = evidence_with_file(org, qm, kind="record", title="Attestation SST")
    EvidenceLink.objects.create(evidence=record, requirement=iso[1]["7.2"], created_by=qm)
    return record


def test_default_records_count_once_verified_documents_once_approved(adoption, org, qm, iso,
                                                                     draft_record, api):
    procedure = evidence_with_file(org, qm, kind="document")
    EvidenceLink.objects.create(evidence=procedure, requirement=iso[1]["4.3"], created_by=qm)
    assert _status(adoption, "7.2") == ("covered", "valid")
    assert _status(adoption, "4.3") == ("pending", "unapproved")
    assert api.get(URL.format(org.pk)).json() == {"organization": org.pk,
                                                  "records_need_approval": False}


def test_quality_manager_requires_approval_of_records(adoption, org, qm, draft_record, api):
    ReadinessState.objects.filter(organization=org).update(dirty_since=None)
    response = api.patch(URL.format(org.pk), {"records_need_approval": True}, format="json")
    assert response.status_code == 200
    assert response.json() == {"organization": org.pk, "records_need_approval": True}
    org.refresh_from_db()
    assert _status(adoption, "7.2") == ("pending", "unapproved")
    event = AuditEvent.objects.get(action="readiness_policy.update")
    assert (event.actor_id, event.organization_id, event.before, event.after) == (
        qm.pk, org.pk, {"records_need_approval": False}, {"records_need_approval": True})
    # the latest readiness is marked to recompute
    assert ReadinessState.objects.get(organization=org).dirty_since is not None
    # the same value again: nothing changes, nothing audited
    api.patch(URL.format(org.pk), {"records_need_approval": True}, format="json")
    assert AuditEvent.objects.filter(action="readiness_policy.update").count() == 1


@pytest.mark.parametrize("value", ["peut-être", None, 3, [True]])
def test_bad_value_is_a_400_and_nothing_changes(org, api, value):
    response = api.patch(URL.format(org.pk), {"records_need_approval": value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["records_need_approval"][0]["code"] in {
        "invalid", "null"}
    org.refresh_from_db()
    assert org.records_need_approval is False
    assert not AuditEvent.objects.filter(action="readiness_policy.update").exists()


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_only_quality_managers_change_it(client_for, org, member, role):
    client = client_for(member(role))
    assert client.get(URL.format(org.pk)).status_code == 200
    response = client.patch(URL.format(org.pk), {"records_need_approval": True}, format="json")
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.records_need_approval is False


def test_a_review_restarts_the_requirement_period_in_the_checklist(adoption, org, qm, iso, api):
    review = iso[1]["9.3.3"]  # 12 months
    minutes = evidence_with_file(org, qm, kind="document", status="approved",
                                 approved_at="2025-01-01T00:00Z",
                                 effective_date=datetime.date(2025, 1, 10))
    EvidenceLink.objects.create(evidence=minutes, requirement=review, created_by=qm)

    def row():
        [item] = [i for i in checklist.build(adoption, ON)["items"] if i["ref_id"] == "9.3.3"]
        return item["status"], item["valid_until"]

    assert row() == ("expired", datetime.date(2026, 1, 10))
    response = api.post(f"/api/v1/evidence/{minutes.pk}/review/",
                        {"reviewed_on": "2026-02-01", "note": "Relu"}, format="json")
    assert response.status_code == 200
    assert row() == ("covered", datetime.date(2027, 2, 1))
