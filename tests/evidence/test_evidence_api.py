"""Evidence items through the API: creation, validity, life cycle, filters, query budget."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from checklists.services import validity
from evidence import search
from evidence.models import EvidenceItem, Revision, StoredFile, Tag, VerificationStatus
from tests.conftest import upload
from tests.factories import EvidenceFactory


def create(api, org, **fields):
    payload = {"organization": org.pk, "title": "Procédure d'accueil", "kind": "document",
               "effective_date": "2026-03-01", **fields}
    return api.post("/api/v1/evidence/", payload, format="json")


class TestValidity:
    def test_valid_until_is_computed_from_the_renewal_period(self, api, org):
        body = create(api, org, effective_date="2026-01-31", renewal_months=1).json()
        assert body["valid_until"] == "2026-02-28"
        assert body["renewal_months"] == 1

    def test_explicit_valid_until_is_kept(self, api, org):
        body = create(api, org, valid_until="2027-06-30").json()
        assert body["valid_until"] == "2027-06-30"
        assert body["renewal_months"] is None

    def test_both_ways_at_once_is_ambiguous(self, api, org):
        response = create(api, org, valid_until="2027-06-30", renewal_months=12)
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["valid_until"][0]["code"] == \
            "validity_ambiguous"
        assert not EvidenceItem.objects.exists()

    @pytest.mark.parametrize(("fields", "field", "code"), [
        ({"valid_until": "2026-02-01"}, "valid_until", "valid_until_before_effective_date"),
        ({"period_start": "2026-06-01", "period_end": "2026-05-01"}, "period_end",
         "period_end_before_start"),
        ({"retention_until": "2025-01-01"}, "retention_until", "retention_before_effective_date"),
        ({"renewal_months": 0}, "renewal_months", "renewal_months_range"),
        ({"renewal_months": 601}, "renewal_months", "renewal_months_range"),
        ({"effective_date": "2026-02-30"}, "effective_date", "invalid"),
        ({"effective_date": "99999-01-01"}, "effective_date", "invalid"),
        ({"kind": "poster"}, "kind", "invalid_choice"),
        ({"title": ""}, "title", "blank"),
        ({"tags": ["x" * 51]}, "tags", "max_length"),
    ])
    def test_absurd_values_are_refused_with_a_code(self, api, org, fields, field, code):
        response = create(api, org, **fields)
        assert response.status_code == 400
        errors = response.json()["error"]["fields"][field]
        flat = errors if isinstance(errors, list) else []
        codes = {e["code"] for e in flat if isinstance(e, dict)} | {
            e["code"] for group in (errors.values() if isinstance(errors, dict) else [])
            for e in group}
        assert code in codes
        assert not EvidenceItem.objects.exists()

    def test_changing_effective_date_moves_a_computed_validity(self, api, org):
        evidence_id = create(api, org, renewal_months=12).json()["id"]
        body = api.patch(f"/api/v1/evidence/{evidence_id}/", {"effective_date": "2026-05-01"},
                         format="json").json()
        assert body["valid_until"] == "2027-05-01"

    def test_database_refuses_validity_before_effective_date(self, org, qm):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            EvidenceFactory(organization=org, created_by=qm,
                            effective_date=datetime.date(2026, 5, 1),
                            valid_until=datetime.date(2026, 4, 1))


class TestLifeCycle:
    def test_create_update_submit_approve_archive(self, api, org, qm, media_root):
        body = create(api, org, tags=["ISO 9001", "7.5", "ISO 9001"], owner=qm.pk).json()
        evidence_id = body["id"]
        assert body["status"] == "draft"
        assert body["tags"] == ["7.5", "ISO 9001"]
        assert body["owner"] == qm.pk
        response = api.post(f"/api/v1/evidence/{evidence_id}/approve/")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "no_revision"

        assert upload(api, evidence_id, ("accueil.txt", b"Livret d'accueil\n")).status_code == 201
        body = api.patch(f"/api/v1/evidence/{evidence_id}/", {"title": "Livret d'accueil"},
                         format="json").json()
        assert body["title"] == "Livret d'accueil"
        assert api.post(f"/api/v1/evidence/{evidence_id}/submit/").json()["status"] == \
            "in_review"
        body = api.post(f"/api/v1/evidence/{evidence_id}/approve/").json()
        assert body["status"] == "approved"
        assert body["approved_by"] == qm.username
        assert body["approved_at"]

        response = api.post(f"/api/v1/evidence/{evidence_id}/archive/", {}, format="json")
        assert response.status_code == 400
        body = api.post(f"/api/v1/evidence/{evidence_id}/archive/",
                        {"reason": "Remplacé par la version 2027"}, format="json").json()
        assert body["status"] == "archived"
        assert body["archive_reason"] == "Remplacé par la version 2027"
        assert body["archived_by"] == qm.username

        # Archived evidence keeps everything, and refuses changes.
        assert StoredFile.objects.filter(revision__evidence_id=evidence_id).count() == 1
        response = api.patch(f"/api/v1/evidence/{evidence_id}/", {"title": "x"}, format="json")
        assert response.status_code == 409
        assert api.post(f"/api/v1/evidence/{evidence_id}/archive/",
                        {"reason": "encore"}, format="json").status_code == 409
        actions = list(AuditEvent.objects.filter(object_id=str(evidence_id),
                                                 object_type="evidence.evidenceitem")
                       .order_by("id").values_list("action", flat=True))
        assert actions == ["evidence.create", "evidence.update", "evidence.submit",
                           "evidence.approve", "evidence.archive"]

    def test_no_delete_through_the_api(self, api, org):
        evidence_id = create(api, org).json()["id"]
        assert api.delete(f"/api/v1/evidence/{evidence_id}/").status_code == 405
        assert EvidenceItem.objects.filter(pk=evidence_id).exists()

    def test_owner_must_be_a_member(self, api, org, outsider):
        response = create(api, org, owner=outsider.pk)
        assert response.status_code == 400
        assert "owner" in response.json()["error"]["fields"]

    def test_revisions_are_numbered_and_the_verified_one_becomes_current(
        self, api, org, media_root, django_capture_on_commit_callbacks
    ):
        evidence_id = create(api, org).json()["id"]
        with django_capture_on_commit_callbacks(execute=True):
            first = upload(api, evidence_id, ("v1.txt", b"version 1\n")).json()
        with django_capture_on_commit_callbacks(execute=True):
            second = upload(api, evidence_id, ("v2.txt", b"version 2\n"), note="mise à jour").json()
        assert (first["number"], second["number"]) == (1, 2)
        revisions = {r.number: r for r in Revision.objects.filter(evidence_id=evidence_id)}
        assert revisions[1].verification_status == VerificationStatus.VERIFIED
        assert revisions[2].verification_status == VerificationStatus.VERIFIED
        assert not revisions[1].is_current and revisions[2].is_current
        body = api.get(f"/api/v1/evidence/{evidence_id}/").json()
        assert body["current_revision"]["number"] == 2
        assert body["current_revision"]["note"] == "mise à jour"
        listing = api.get(f"/api/v1/evidence/{evidence_id}/revisions/").json()
        assert [r["number"] for r in listing["results"]] == [2, 1]

    def test_create_with_files_in_one_request(self, api, org, media_root):
        from io import BytesIO

        handle = BytesIO(b"Compte rendu de la revue de direction\n")
        handle.name = "revue.txt"
        response = api.post("/api/v1/evidence/", {
            "organization": org.pk, "title": "Revue de direction", "kind": "record",
            "effective_date": "2026-03-01", "tags": ["9.3"], "files": [handle],
            "note": "signé"}, format="multipart")
        assert response.status_code == 201, response.json()
        assert response.json()["revision_count"] == 1
        assert response.json()["tags"] == ["9.3"]


class TestFilters:
    @pytest.fixture
    def items(self, org, qm, member, other_org, outsider):
        contributor = member(Role.CONTRIBUTOR)
        tag = Tag.objects.create(organization=org, name="formation")
        a = EvidenceFactory(organization=org, created_by=qm, title="Attestation SST",
                            kind="record", valid_until=datetime.date(2026, 12, 1),
                            status="approved", approved_at="2026-01-01T00:00Z", owner=contributor)
        a.tags.add(tag)
        b = EvidenceFactory(organization=org, created_by=qm, title="Politique qualité",
                            description="Engagement de la direction",
                            valid_until=datetime.date(2027, 6, 1))
        EvidenceFactory(organization=other_org, created_by=outsider, title="Attestation voisine")
        validity.refresh(on=datetime.date(2026, 11, 1))  # what the workers do after a change
        # Made by factories, not the services: indexed for `q` as a bulk load is (0030).
        search.refresh_items(EvidenceItem.objects.values_list("pk", flat=True))
        return a, b, contributor

    @pytest.mark.parametrize(("query", "titles"), [
        ("", {"Attestation SST", "Politique qualité"}),
        ("?status=approved", {"Attestation SST"}),
        ("?status=draft&status=approved", {"Attestation SST", "Politique qualité"}),
        ("?kind=record", {"Attestation SST"}),
        ("?tag=formation", {"Attestation SST"}),
        ("?valid_until_before=2027-01-01", {"Attestation SST"}),
        ("?q=direction", {"Politique qualité"}),
        ("?q=attestation", {"Attestation SST"}),
        ("?ordering=title", {"Attestation SST", "Politique qualité"}),
    ])
    def test_filters(self, api, items, query, titles):
        response = api.get("/api/v1/evidence/" + query)
        assert response.status_code == 200
        assert {e["title"] for e in response.json()["results"]} == titles

    def test_owner_filter(self, api, items):
        _a, _b, contributor = items
        results = api.get(f"/api/v1/evidence/?owner={contributor.pk}").json()["results"]
        assert [e["title"] for e in results] == ["Attestation SST"]

    def test_bad_filter_value_is_a_400(self, api, items):
        response = api.get("/api/v1/evidence/?valid_until_before=demain")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"


class TestExpiringSoon:
    """"Expiring soon" is a filter, not a stored state: the evidence whose validity ends within
    the next 30 days (today and the 30th day included) through `valid_until_after` and
    `valid_until_before`."""

    def test_quality_manager_lists_what_expires_within_30_days(self, api, org, qm, other_org,
                                                                outsider):
        today = datetime.date(2026, 12, 5)
        for title, days in [("Échue hier", -1), ("Échoit aujourd'hui", 0),
                            ("Échoit dans 30 jours", 30), ("Échoit dans 31 jours", 31)]:
            EvidenceFactory(organization=org, created_by=qm, title=title,
                            valid_until=today + datetime.timedelta(days=days))
        EvidenceFactory(organization=org, created_by=qm, title="Sans échéance")
        EvidenceFactory(organization=other_org, created_by=outsider, title="Voisine",
                        valid_until=today + datetime.timedelta(days=10))
        end = today + datetime.timedelta(days=30)
        validity.refresh(on=today)  # what the workers do after a change of the vault

        with time_machine.travel(datetime.datetime(2026, 12, 5, 12, tzinfo=datetime.UTC),
                                 tick=False):
            response = api.get(f"/api/v1/evidence/?valid_until_after={today}"
                               f"&valid_until_before={end}&ordering=valid_until")
            everything = api.get(f"/api/v1/evidence/?organization={org.pk}")

        assert response.status_code == 200
        assert [e["title"] for e in response.json()["results"]] == [
            "Échoit aujourd'hui", "Échoit dans 30 jours"]
        assert {e["title"]: (e["validity_end"], e["expiry_state"])
                for e in everything.json()["results"]} == {
            "Échue hier": ("2026-12-04", "expired"),
            "Échoit aujourd'hui": ("2026-12-05", "expiring"),
            "Échoit dans 30 jours": ("2027-01-04", "expiring"),
            "Échoit dans 31 jours": ("2027-01-05", "valid"),
            "Sans échéance": (None, "valid")}


def _bulk_evidence(org, user, count):
    tag, _ = Tag.objects.get_or_create(organization=org, name="lot")
    items = EvidenceItem.objects.bulk_create(
        EvidenceFactory.build(organization=org, created_by=user, owner=user) for _ in range(count)
    )
    revisions = Revision.objects.bulk_create(
        Revision(evidence=item, number=1, created_by=user, is_current=True,
                 verification_status=VerificationStatus.VERIFIED) for item in items
    )
    StoredFile.objects.bulk_create(
        StoredFile(organization=org, revision=revision, name="f.pdf", mime_type="application/pdf",
                   size=10, sha256=f"{revision.pk:064d}", storage_key=f"o/{org.pk}/k{revision.pk}")
        for revision in revisions
    )
    EvidenceItem.tags.through.objects.bulk_create(
        EvidenceItem.tags.through(evidenceitem_id=item.pk, tag_id=tag.pk) for item in items
    )


def _count_list_queries(api):
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/evidence/?page_size=50")
    assert response.status_code == 200
    return len(queries), response.json()


def test_list_query_count_does_not_grow_with_the_vault(api, org, qm):
    _bulk_evidence(org, qm, 10)
    small, body = _count_list_queries(api)
    assert body["count"] == 10
    assert body["results"][0]["current_revision"]["files"][0]["name"] == "f.pdf"
    _bulk_evidence(org, qm, 9_990)
    large, body = _count_list_queries(api)
    assert body["count"] == 10_000
    assert len(body["results"]) == 50
    assert large == small
