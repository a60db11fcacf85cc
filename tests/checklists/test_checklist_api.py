"""The readiness checklist through the API: adoption, exclusions, links, checklist, snapshots,
exports, and a query budget that does not grow with the vault."""

import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from checklists.models import Adoption, EvidenceLink, Exclusion, ReadinessSnapshot
from evidence.file_checks import refresh_file_check
from evidence.models import EvidenceItem, Revision, VerificationStatus
from tests.factories import EvidenceFactory, evidence_with_file

from .conftest import make_referential

NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def approved_evidence(org, user, title, **fields):
    """Approved evidence with a verified current revision."""
    return evidence_with_file(org, user, title=title, status="approved", approved_at=NOW,
                              **fields)


def link(api, evidence, requirement, **extra):
    return api.post("/api/v1/links/", {"evidence": evidence.pk, "requirement": requirement.pk,
                                       **extra}, format="json")


def checklist(api, adoption, **params):
    response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/", params)
    assert response.status_code == 200, response.content
    return response.json()


def items_by_ref(body):
    return {item["ref_id"]: item for item in body["items"]}


class TestAdoption:
    def test_adopt_and_refuse_a_second_time(self, api, org, iso):
        referential, _ = iso
        response = api.post("/api/v1/adoptions/", {
            "organization": org.pk, "referential": referential.pk,
            "target_audit_date": "2027-03-15"}, format="json")
        assert response.status_code == 201, response.json()
        again = api.post("/api/v1/adoptions/", {
            "organization": org.pk, "referential": referential.pk}, format="json")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "already_adopted"
        assert Adoption.objects.count() == 1

    def test_absurd_audit_date(self, api, org, iso):
        response = api.post("/api/v1/adoptions/", {
            "organization": org.pk, "referential": iso[0].pk,
            "target_audit_date": "1900-01-01"}, format="json")
        assert response.status_code == 400
        assert not Adoption.objects.exists()

    def test_unknown_referential_version(self, api, org):
        response = api.post("/api/v1/adoptions/", {"organization": org.pk, "referential": 99999},
                            format="json")
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["referential"][0]["code"] == "does_not_exist"

    def test_contributor_cannot_adopt(self, client_for, member, org, iso):
        response = client_for(member(Role.CONTRIBUTOR)).post("/api/v1/adoptions/", {
            "organization": org.pk, "referential": iso[0].pk}, format="json")
        assert response.status_code == 403
        assert not Adoption.objects.exists()


class TestChecklist:
    def test_statuses_gates_and_order(self, api, org, qm, adoption, iso):
        _ref, req = iso
        today = NOW.date()
        policy = approved_evidence(org, qm, "Périmètre du SMQ", kind="document",
                                   effective_date=today - datetime.timedelta(days=100))
        training = approved_evidence(org, qm, "Attestation SST",
                                     effective_date=today - datetime.timedelta(days=700),
                                     valid_until=today + datetime.timedelta(days=10))
        review = approved_evidence(org, qm, "Revue de direction 2025",
                                   effective_date=datetime.date(2025, 10, 1))
        draft = EvidenceFactory(organization=org, created_by=qm, title="Audit interne (brouillon)")
        for evidence, ref_id in [(policy, "4.3"), (training, "7.2"), (review, "9.3.3"),
                                 (draft, "9.2.2")]:
            assert link(api, evidence, req[ref_id]).status_code == 201
        response = api.post("/api/v1/exclusions/", {
            "organization": org.pk, "requirement": req["8.3"].pk,
            "justification": "Pas de conception : la structure met à disposition du personnel."},
            format="json")
        assert response.status_code == 201, response.json()

        body = checklist(api, adoption)
        items = items_by_ref(body)
        assert items["4.3"]["status"] == "covered"
        assert items["7.2"]["status"] == "expiring"
        assert items["7.2"]["valid_until"] == (today + datetime.timedelta(days=10)).isoformat()
        assert items["9.3.3"]["status"] == "expired"  # renewal 12 months elapsed
        assert items["9.3.3"]["reason"] == "renewal_period_elapsed"
        assert items["9.2.2"]["status"] == "pending"
        assert items["8.3"]["status"] == "not_applicable"
        assert items["8.3"]["justification"].startswith("Pas de conception")
        assert items["6.2.1"]["status"] == "missing"
        assert items["6.2.1"]["status_label"] == "manquant"
        assert "4" not in items  # chapters are headings, not assessable
        # clause order by default; by status on request (documented information first)
        assert [i["ref_id"] for i in body["items"]][:3] == ["4.3", "6.2", "6.2.1"]
        assert body["order"] == "clause"
        priority = checklist(api, adoption, order="priority")
        assert priority["items"][0]["ref_id"] == "6.2.1" and priority["order"] == "priority"
        # every requirement is a requirement: the JSON says what documented information it needs
        assert "mandatory" not in items["6.2.2"]
        assert (items["6.2.1"]["documented_information_code"],
                items["6.2.1"]["documented_information_label"]) == ("maintain", "à tenir à jour")
        assert (items["9.3.3"]["documented_information_code"],
                items["9.3.3"]["documented_information_label"]) == ("retain", "à conserver")
        assert (items["6.2.2"]["documented_information_code"],
                items["6.2.2"]["documented_information_label"]) == ("none", "aucune")
        # 9.2 and 9.3 have no evidence of their own: they take their sub-clauses' status.
        assert (items["9.3"]["status"], items["9.3"]["reason"]) == ("expired",
                                                                    "from_sub_clauses")
        assert items["9.2"]["status"] == "pending"
        assert items["6.2"]["status"] == "missing"
        # each assessable requirement once: the leaves (4.3, 6.2.1, 6.2.2, 7.2, 7.5.3, 8.3,
        # 9.2.2, 9.3.3), not the clauses that sum up their sub-clauses
        assert sorted(ref for ref, item in items.items() if not item["counted"]) == [
            "6.2", "9.2", "9.3"]
        assert body["counts"] == {"missing": 3, "expired": 1, "pending": 1, "expiring": 1,
                                  "covered": 1, "not_applicable": 1}
        assert body["score"] == 28.6  # 2 of 7 applicable, a percentage with one decimal
        gates = {g["code"]: g for g in body["gates"]}
        assert not gates["management_review"]["passed"]  # Oct 2025 is over 12 months ago
        assert not gates["internal_audit"]["passed"]
        assert gates["scope"]["passed"] and gates["scope"]["exclusions"] == ["8.3"]
        assert gates["scope"]["evidence"] == [{
            "id": policy.pk, "title": "Périmètre du SMQ", "kind": "document",
            "effective_date": (today - datetime.timedelta(days=100)).isoformat()}]
        assert gates["scope"]["label"] and gates["scope"]["message"]
        chapters = {c["ref_id"]: c for c in body["chapters"]}
        assert chapters["7"]["score"] == 50.0
        assert chapters["4"]["score"] == 100.0

        clause_order = checklist(api, adoption, order="clause")
        assert clause_order["items"] == body["items"]

    def test_audit_date_in_the_future_shows_what_will_have_expired(self, api, org, qm, adoption,
                                                                   iso):
        _ref, req = iso
        certificate = approved_evidence(org, qm, "Attestation", valid_until=datetime.date(
            2027, 1, 31), effective_date=datetime.date(2026, 2, 1))
        link(api, certificate, req["7.2"])
        assert items_by_ref(checklist(api, adoption))["7.2"]["status"] == "covered"
        future = checklist(api, adoption, date="2027-03-15")
        assert items_by_ref(future)["7.2"]["status"] == "expired"
        assert future["reference_date"] == "2027-03-15"

    @pytest.mark.parametrize("params", [{"date": "2027-02-30"}, {"date": "1850-01-01"},
                                        {"order": "random"}])
    def test_bad_parameters(self, api, adoption, params):
        response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/", params)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"

    def test_english(self, client_for, qm, adoption):
        body = client_for(qm, "en").get(f"/api/v1/adoptions/{adoption.pk}/checklist/").json()
        item = items_by_ref(body)["6.2.1"]
        assert item["name"] == "Requirement 6.2.1"
        assert item["status_label"] == "missing"


class TestLinksAndExclusions:
    def test_link_to_a_referential_not_adopted(self, api, org, qm, adoption):
        _other_ref, other_req = make_referential(code="cap", version="2015")
        evidence = EvidenceFactory(organization=org, created_by=qm)
        before = AuditEvent.objects.count()
        response = link(api, evidence, other_req["4.3"])
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["requirement"][0]["code"] == \
            "requirement_not_adopted"
        assert not EvidenceLink.objects.exists()
        assert AuditEvent.objects.count() == before

    def test_link_other_structures_evidence(self, api, org, adoption, iso, other_org, outsider):
        theirs = EvidenceFactory(organization=other_org, created_by=outsider)
        response = link(api, theirs, iso[1]["4.3"])
        assert response.status_code == 400
        assert "evidence" in response.json()["error"]["fields"]
        assert not EvidenceLink.objects.exists()

    def test_one_evidence_serves_several_requirements_and_bulk(self, api, org, qm, adoption,
                                                               iso):
        _ref, req = iso
        a = EvidenceFactory(organization=org, created_by=qm)
        b = EvidenceFactory(organization=org, created_by=qm)
        assert link(api, a, req["7.2"], note="attestations").status_code == 201
        assert link(api, a, req["7.2"]).json()["error"]["code"] == "already_linked"
        response = api.post("/api/v1/links/bulk/", {
            "evidence": [a.pk, b.pk], "requirements": [req["7.2"].pk, req["9.2.2"].pk]},
            format="json")
        assert response.status_code == 201
        assert response.json()["created"] == 3
        assert EvidenceLink.objects.count() == 4

    def test_bulk_is_all_or_nothing(self, api, org, qm, adoption, iso, other_org, outsider):
        a = EvidenceFactory(organization=org, created_by=qm)
        theirs = EvidenceFactory(organization=other_org, created_by=outsider)
        response = api.post("/api/v1/links/bulk/", {
            "evidence": [a.pk, theirs.pk], "requirements": [iso[1]["7.2"].pk]}, format="json")
        assert response.status_code == 400
        assert not EvidenceLink.objects.exists()

    def test_exclusion_needs_a_justification(self, api, org, adoption, iso):
        response = api.post("/api/v1/exclusions/", {
            "organization": org.pk, "requirement": iso[1]["8.3"].pk, "justification": "  "},
            format="json")
        assert response.status_code == 400
        assert not Exclusion.objects.exists()

    def test_exclusion_withdrawn(self, api, org, adoption, iso):
        exclusion_id = api.post("/api/v1/exclusions/", {
            "organization": org.pk, "requirement": iso[1]["8.3"].pk,
            "justification": "Pas de conception."}, format="json").json()["id"]
        assert api.delete(f"/api/v1/exclusions/{exclusion_id}/").status_code == 204
        assert items_by_ref(checklist(api, adoption))["8.3"]["status"] == "missing"


class TestOwnRequirements:
    def test_create_and_import_csv_and_xlsx(self, api, org):
        response = api.post("/api/v1/requirements/", {
            "organization": org.pk, "ref_id": "D1", "name_fr": "Registre du personnel",
            "documented_information": ["retain"], "renewal_months": 12}, format="json")
        assert response.status_code == 201, response.json()
        csv_body = ("Référence;Intitulé;Type;Périodicité\n"
                    "D1;Registre unique du personnel;enregistrement;12\n"
                    "D2;Attestations de formation des encadrants;enregistrement;24\n"
                    "D3;Livret d'accueil;document;\n").encode()
        handle = io.BytesIO(csv_body)
        handle.name = "liste-auditeur.csv"
        response = api.post("/api/v1/requirements/import/", {"organization": org.pk,
                                                             "file": handle}, format="multipart")
        assert response.status_code == 201, response.json()
        assert response.json() == {"added": 2, "changed": 1, "rows": 3}
        adoption = Adoption.objects.get(organization=org, referential__organization=org)
        items = items_by_ref(checklist(api, adoption))
        assert set(items) == {"D1", "D2", "D3"}
        assert items["D1"]["name"] == "Registre unique du personnel"

        from openpyxl import Workbook

        workbook = Workbook()
        workbook.active.append(["ref_id", "name", "renewal_months"])
        workbook.active.append(["D4", "Convention État-SIAE", 36])
        buffer = io.BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        buffer.name = "demande.xlsx"
        response = api.post("/api/v1/requirements/import/", {"organization": org.pk,
                                                             "file": buffer}, format="multipart")
        assert response.json()["added"] == 1

    def test_list_with_errors_imports_nothing(self, api, org):
        body = b"ref_id,name,renewal_months\nA1,Ok,12\n,Sans reference,\nA1,Doublon,abc\n"
        handle = io.BytesIO(body)
        handle.name = "liste.csv"
        response = api.post("/api/v1/requirements/import/", {"organization": org.pk,
                                                             "file": handle}, format="multipart")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "list_invalid"
        codes = {(p["row"], p["code"]) for p in error["details"]["rows"]}
        assert codes == {(3, "ref_id_invalid"), (4, "ref_id_duplicate"),
                         (4, "renewal_months_range")}
        assert not EvidenceItem.objects.exists()
        from checklists.models import Requirement

        assert not Requirement.objects.filter(referential__organization=org).exists()


class TestSnapshotsAndExports:
    def test_snapshots_make_a_trend(self, api, org, qm, adoption, iso):
        first = api.post(f"/api/v1/adoptions/{adoption.pk}/snapshots/")
        assert first.status_code == 201
        evidence = approved_evidence(org, qm, "Périmètre")
        link(api, evidence, iso[1]["4.3"])
        api.post(f"/api/v1/adoptions/{adoption.pk}/snapshots/")
        trend = api.get(f"/api/v1/adoptions/{adoption.pk}/snapshots/").json()["results"]
        assert len(trend) == 2
        assert float(trend[0]["score"]) > float(trend[1]["score"])
        assert ReadinessSnapshot.objects.count() == 2

    def test_one_score_format_in_every_endpoint(self, api, org, qm, adoption, iso):
        """A percentage with one decimal, a JSON number: checklist, chapters, snapshots (taken
        and listed), the adoption's readiness."""
        from checklists.services import readiness_state

        link(api, approved_evidence(org, qm, "Périmètre", kind="document"), iso[1]["4.3"])
        body = checklist(api, adoption)
        assert body["score"] == 12.5 and isinstance(body["score"], float)  # 1 of 8
        chapters = {c["ref_id"]: c["score"] for c in body["chapters"]}
        assert chapters == {"4": 100.0, "6": 0.0, "7": 0.0, "8": 0.0, "9": 0.0}
        taken = api.post(f"/api/v1/adoptions/{adoption.pk}/snapshots/").json()
        listed = api.get(f"/api/v1/adoptions/{adoption.pk}/snapshots/").json()["results"][0]
        for snapshot in (taken, listed):
            assert snapshot["score"] == 12.5 and isinstance(snapshot["score"], float)
            assert {c["ref_id"]: c["score"] for c in snapshot["chapters"]} == chapters
        assert readiness_state.recompute_dirty() == 1
        shown = api.get(f"/api/v1/adoptions/{adoption.pk}/").json()["readiness"]
        assert shown["score"] == 12.5 and isinstance(shown["score"], float)
        listed = api.get("/api/v1/adoptions/").json()["results"][0]["readiness"]
        assert listed["score"] == 12.5

    @pytest.mark.parametrize("fmt", ["xlsx", "pdf", "csv"])
    def test_exports_open_with_their_own_libraries(self, api, org, qm, adoption, iso, fmt):
        evidence = approved_evidence(org, qm, "Périmètre du système qualité")
        link(api, evidence, iso[1]["4.3"])
        response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/export/{fmt}/",
                           {"date": "2027-03-15"})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        content = response.content
        if fmt == "xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(io.BytesIO(content))
            text = " ".join(str(c.value) for row in workbook.worksheets[0].iter_rows()
                            for c in row if c.value is not None)
        elif fmt == "pdf":
            from pypdf import PdfReader

            text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        else:
            text = content.decode("utf-8-sig")
        assert "Périmètre du système qualité" in text
        assert "6.2.1" in text
        assert AuditEvent.objects.filter(action="checklist.export").count() == 1


def _grow_vault(org, user, referentials, evidence_count, links_per_evidence=2):
    requirements = [r for _ref, reqs in referentials for r in reqs.values() if r.assessable]
    items = EvidenceItem.objects.bulk_create(
        EvidenceFactory.build(organization=org, created_by=user, status="approved",
                              approved_at=NOW) for _ in range(evidence_count))
    Revision.objects.bulk_create(
        Revision(evidence=item, number=1, created_by=user, is_current=True,
                 verification_status=VerificationStatus.VERIFIED) for item in items)
    refresh_file_check([item.pk for item in items])
    EvidenceLink.objects.bulk_create(
        EvidenceLink(evidence=item, requirement=requirements[(i * links_per_evidence + k)
                                                             % len(requirements)],
                     created_by=user)
        for i, item in enumerate(items) for k in range(links_per_evidence))


def _count(api, adoption):
    from audit_prep import access

    access.forget(adoption.adopted_by)  # the test client reuses one user object
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/")
    assert response.status_code == 200
    return len(queries), response.json()


def test_checklist_query_count_does_not_grow_with_the_vault(api, org, qm):
    clauses = [(str(n), None, [], None) for n in range(1, 6)] + [
        (f"{n}.{k}", str(n), ["retain"] if k % 3 == 0 else [], 12 if k % 4 == 0 else None)
        for n in range(1, 6) for k in range(1, 11)]
    referentials = [make_referential(code=code, clauses=clauses)
                    for code in ("iso9001", "cedre", "cap")]
    adoptions = [Adoption.objects.create(organization=org, referential=ref, adopted_by=qm)
                 for ref, _reqs in referentials]
    _grow_vault(org, qm, referentials, 10)
    small, body = _count(api, adoptions[0])
    assert sum(item["evidence_count"] for item in body["items"]) > 0
    _grow_vault(org, qm, referentials, 9_990)
    large, body = _count(api, adoptions[0])
    assert EvidenceLink.objects.count() == 20_000
    assert large == small
    assert max(item["evidence_count"] for item in body["items"]) > 10
    assert max(len(item["evidence"]) for item in body["items"]) == 10
