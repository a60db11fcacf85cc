""""Reviewed, still valid": a quality manager marks a document as reviewed on a date, with a
note; the mark is history, in the audit trail, and restarts the document's periods."""

import datetime

import pytest
import time_machine

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from evidence.models import EvidenceItem, EvidenceReview
from tests.factories import EvidenceFactory

TODAY = datetime.date(2026, 12, 5)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 12, 5, 10, tzinfo=datetime.UTC),
                             tick=False):
        yield


def review(api, evidence, **body):
    payload = {"reviewed_on": "2026-11-20", "note": "Relue en comité qualité, inchangée"}
    payload.update(body)
    return api.post(f"/api/v1/evidence/{evidence.pk}/review/", payload, format="json")


def _unchanged(evidence):
    fresh = EvidenceItem.objects.get(pk=evidence.pk)
    assert (fresh.last_reviewed_on, fresh.valid_until) == (evidence.last_reviewed_on,
                                                          evidence.valid_until)
    assert not EvidenceReview.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.review").exists()


def test_review_restarts_the_own_renewal_period(api, org, qm):
    procedure = EvidenceFactory(organization=org, created_by=qm, title="Procédure d'accueil",
                                effective_date=datetime.date(2024, 1, 15), renewal_months=24,
                                valid_until=datetime.date(2026, 1, 15), status="approved",
                                approved_at="2024-01-15T00:00Z")
    response = review(api, procedure)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["last_reviewed_on"], body["valid_until"]) == ("2026-11-20", "2028-11-20")
    [mark] = EvidenceReview.objects.all()
    assert (mark.evidence_id, mark.reviewed_on, mark.note, mark.created_by_id) == (
        procedure.pk, datetime.date(2026, 11, 20), "Relue en comité qualité, inchangée", qm.pk)
    event = AuditEvent.objects.get(action="evidence.review")
    assert (event.actor_id, event.object_id, event.organization_id) == (
        qm.pk, str(procedure.pk), org.pk)
    assert event.before == {"last_reviewed_on": None, "valid_until": "2026-01-15"}
    assert event.after == {"last_reviewed_on": "2026-11-20", "valid_until": "2028-11-20",
                           "review": mark.pk, "note": "Relue en comité qualité, inchangée"}


def test_reviews_are_kept_as_history_and_a_later_one_moves_the_period_again(api, org, qm):
    policy = EvidenceFactory(organization=org, created_by=qm, renewal_months=12,
                             valid_until=datetime.date(2027, 1, 15))
    assert review(api, policy, reviewed_on="2026-03-01").status_code == 200
    assert review(api, policy, reviewed_on="2026-03-01", note="Seconde lecture"
                  ).status_code == 200  # the same day again: allowed
    response = review(api, policy, reviewed_on="2026-12-05")  # today
    assert response.json()["valid_until"] == "2027-12-05"
    assert list(EvidenceReview.objects.values_list("reviewed_on", flat=True)) == [
        datetime.date(2026, 12, 5), datetime.date(2026, 3, 1), datetime.date(2026, 3, 1)]


def test_an_explicit_end_date_stays_as_it_is(api, org, qm):
    charter = EvidenceFactory(organization=org, created_by=qm,
                              valid_until=datetime.date(2027, 6, 30))
    response = review(api, charter)
    assert response.status_code == 200
    assert (response.json()["valid_until"], response.json()["last_reviewed_on"]) == (
        "2027-06-30", "2026-11-20")


def test_editing_a_reviewed_document_keeps_the_period_from_its_review(api, org, qm):
    policy = EvidenceFactory(organization=org, created_by=qm, renewal_months=12,
                             valid_until=datetime.date(2027, 1, 15))
    review(api, policy, reviewed_on="2026-06-01")
    response = api.patch(f"/api/v1/evidence/{policy.pk}/", {"title": "Politique qualité v2"},
                         format="json")
    assert response.json()["valid_until"] == "2027-06-01"


@pytest.mark.parametrize(("fields", "body", "field", "code"), [
    ({"kind": "record"}, {}, "evidence", "review_not_a_document"),
    ({"status": "archived", "archived_at": "2026-05-01T00:00Z"}, {}, "evidence",
     "review_archived"),
    ({}, {"reviewed_on": "2026-12-06"}, "reviewed_on", "review_in_future"),
    ({}, {"reviewed_on": "2026-01-14"}, "reviewed_on", "review_before_effective_date"),
    ({"last_reviewed_on": datetime.date(2026, 11, 1)}, {"reviewed_on": "2026-10-31"},
     "reviewed_on", "review_before_last_review"),
    ({}, {"reviewed_on": "1900-02-30"}, "reviewed_on", "invalid"),
    ({}, {"reviewed_on": "99999-01-01"}, "reviewed_on", "invalid"),
    ({}, {"reviewed_on": None}, "reviewed_on", "null"),
    ({}, {"note": ""}, "note", "blank"),
    ({}, {"note": "   "}, "note", "blank"),
    ({}, {"note": "x" * 2001}, "note", "max_length"),
])
def test_bad_input_is_refused_with_a_stable_code_and_nothing_written(api, org, qm, fields,
                                                                      body, field, code):
    item = EvidenceFactory(organization=org, created_by=qm, **fields)
    response = review(api, item, **body)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert [e["code"] for e in error["fields"][field]] == [code]
    assert error["fields"][field][0]["message"]
    _unchanged(item)


def test_refusals_speak_french_and_english(client_for, org, qm):
    record = EvidenceFactory(organization=org, created_by=qm, kind="record")
    french = review(client_for(qm, "fr"), record).json()["error"]["fields"]["evidence"][0]
    english = review(client_for(qm, "en"), record).json()["error"]["fields"]["evidence"][0]
    assert english["message"].startswith("Only a document to maintain")
    assert french["message"].startswith("Seul un document à tenir à jour")


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_only_quality_managers_mark_a_review(client_for, org, qm, member, role):
    item = EvidenceFactory(organization=org, created_by=qm)
    response = review(client_for(member(role)), item)
    assert response.status_code == 403
    _unchanged(item)


def test_nothing_half_written_when_the_audit_trail_fails(api, org, qm, monkeypatch):
    from audit_prep import audit

    item = EvidenceFactory(organization=org, created_by=qm, renewal_months=12,
                           valid_until=datetime.date(2027, 1, 15))

    def broken(*args, **kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        review(api, item)
    _unchanged(item)
