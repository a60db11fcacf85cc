"""The append-only audit trail: written by services in the same transaction, readable by
quality managers, impossible to alter even in the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from evidence.models import EvidenceItem
from tests.conftest import upload


@pytest.fixture
def evidence_id(client_for, qm, org, media_root):
    api = client_for(qm)
    evidence_id = api.post("/api/v1/evidence/", {
        "organization": org.pk, "title": "Plan de formation", "kind": "document",
        "effective_date": "2026-02-01"}, format="json").json()["id"]
    upload(api, evidence_id, ("plan.txt", b"Plan de formation 2026\n"))
    return evidence_id


def test_events_carry_actor_object_before_after_and_request_id(client_for, qm, evidence_id):
    api = client_for(qm)
    response = api.patch(f"/api/v1/evidence/{evidence_id}/", {"title": "Plan de formation 2026"},
                         format="json")
    event = AuditEvent.objects.get(action="evidence.update")
    assert event.actor == qm
    assert event.actor_label == qm.username
    assert event.object_id == str(evidence_id)
    assert event.before["title"] == "Plan de formation"
    assert event.after["title"] == "Plan de formation 2026"
    assert event.request_id == response["X-Request-ID"]


def test_downloads_are_logged(client_for, qm, member, evidence_id):
    viewer = member(Role.VIEWER, username="lectrice")
    file_url = client_for(qm).get(f"/api/v1/evidence/{evidence_id}/revisions/").json()[
        "results"][0]["files"][0]["download_url"]
    response = client_for(viewer).get(file_url)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="file.download")
    assert event.actor == viewer
    assert event.after["name"] == "plan.txt"


def test_upload_event_lists_the_files(evidence_id):
    event = AuditEvent.objects.get(action="revision.upload")
    assert event.after["files"][0]["name"] == "plan.txt"
    assert len(event.after["files"][0]["sha256"]) == 64


def test_no_event_when_the_change_rolls_back(client_for, qm, org, monkeypatch):
    def broken(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr("evidence.services.evidence._set_tags", broken)
    response = client_for(qm).post("/api/v1/evidence/", {
        "organization": org.pk, "title": "x", "kind": "record",
        "effective_date": "2026-01-01"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert not EvidenceItem.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.create").exists()


def test_only_quality_managers_read_the_trail(client_for, qm, member, outsider, evidence_id):
    body = client_for(qm).get("/api/v1/audit-events/?action=revision.upload").json()
    assert body["count"] == 1
    event_id = body["results"][0]["id"]
    contributor = member(Role.CONTRIBUTOR, username="contrib")
    assert client_for(contributor).get("/api/v1/audit-events/").json()["count"] == 0
    assert client_for(contributor).get(f"/api/v1/audit-events/{event_id}/").status_code == 404
    assert client_for(outsider).get(f"/api/v1/audit-events/{event_id}/").status_code == 404
    assert client_for(qm).delete(f"/api/v1/audit-events/{event_id}/").status_code == 405


def test_events_cannot_be_changed_by_the_orm(evidence_id):
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_events_cannot_be_changed_in_the_database(evidence_id):
    event_id, action = AuditEvent.objects.values_list("pk", "action").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event_id).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_prep_auditevent WHERE id = %s", [event_id])
    assert AuditEvent.objects.filter(pk=event_id, action=action).exists()
