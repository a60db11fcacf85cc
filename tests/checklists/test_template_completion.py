"""A structure completes a template (CEDRE, CAP...) with its own requirements under the
template's nodes: they show in that template's checklist and exports for that structure only,
keep their URN, and survive every re-import of the library file."""

import csv
import io
from pathlib import Path

import pytest
import yaml

import checklists
from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from checklists.library import parse_library
from checklists.models import Adoption, EvidenceLink, Referential, Requirement
from checklists.services import tailoring
from checklists.services.importer import import_library
from tests.factories import EvidenceFactory

CEDRE_FILE = Path(checklists.__file__).resolve().parent / "libraries" / \
    "cedre-iso9001-template.yaml"
REQUIREMENTS = "/api/v1/requirements/"


def _import(text: str):
    return import_library(parse_library(text, CEDRE_FILE.name))


@pytest.fixture
def cedre_text():
    return CEDRE_FILE.read_text(encoding="utf-8")


@pytest.fixture
def cedre(db, cedre_text):
    return _import(cedre_text).referential


@pytest.fixture
def adopted(cedre, org, qm, other_org, outsider):
    tailoring.adopt(qm, org, cedre)
    return {org.pk: Adoption.objects.get(organization=org, referential=cedre),
            other_org.pk: tailoring.adopt(outsider, other_org, cedre)}


def add(api, org, referential, ref_id="T1.1", parent="T1", **fields):
    body = {"organization": org.pk, "referential": referential.pk, "ref_id": ref_id,
            "name_fr": "Livret d'accueil remis et expliqué", "parent": parent,
            "documented_information": ["retain"], **fields}
    return api.post(REQUIREMENTS, body, format="json")


@pytest.fixture
def added(api, org, cedre, adopted):
    response = add(api, org, cedre)
    assert response.status_code == 201, response.content
    return Requirement.objects.get(pk=response.json()["id"])


def _checklist(client, adoption, order="clause"):
    response = client.get(f"/api/v1/adoptions/{adoption.pk}/checklist/?order={order}")
    assert response.status_code == 200
    return response.json()


class TestAdding:
    def test_the_requirement_goes_under_the_template_node(self, added, org, cedre):
        parent = Requirement.objects.get(referential=cedre, ref_id="T1", organization=None)
        assert added.referential == cedre and added.organization == org
        assert added.parent == parent and added.depth == parent.depth + 1
        assert added.urn == f"{cedre.urn}:org-{org.pk}:T1.1"
        assert added.documented_information == ["retain"]

    def test_it_shows_in_the_template_checklist_after_its_parent(self, api, added, adopted, org):
        body = _checklist(api, adopted[org.pk])
        refs = [item["ref_id"] for item in body["items"]]
        assert refs.index("T1.1") == refs.index("T1") + 1
        item = next(i for i in body["items"] if i["ref_id"] == "T1.1")
        assert item["added_by_structure"] and item["urn"] == added.urn
        assert item["chapter"] == "T1" and item["status"] == "missing"
        assert not next(i for i in body["items"] if i["ref_id"] == "T1")["added_by_structure"]

    def test_evidence_linked_to_it_counts(self, api, added, adopted, org, qm):
        evidence = EvidenceFactory(organization=org, created_by=qm, kind="record")
        response = api.post("/api/v1/links/", {"evidence": evidence.pk,
                                               "requirement": added.pk}, format="json")
        assert response.status_code == 201
        item = next(i for i in _checklist(api, adopted[org.pk])["items"]
                    if i["ref_id"] == "T1.1")
        assert item["evidence_count"] == 1

    def test_it_is_in_the_exports(self, api, added, adopted, org):
        response = api.get(f"/api/v1/adoptions/{adopted[org.pk].pk}/checklist/export/csv/")
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert any("T1.1" in row and "Livret d'accueil remis et expliqué" in row
                   for row in rows), text[:500]

    def test_it_may_apply_to_each_member_of_a_population(self, api, org, cedre, adopted):
        response = add(api, org, cedre, ref_id="T3.1", parent="T3",
                       per_member="employees_in_pathway")
        assert response.status_code == 201, response.content
        assert response.json()["per_member"] == "employees_in_pathway"
        assert add(api, org, cedre, ref_id="T3.2", parent="T3",
                   per_member="cats").status_code == 400

    def test_posting_the_same_ref_id_again_updates_it(self, api, added, org, cedre):
        response = add(api, org, cedre, name_fr="Livret d'accueil remis")
        assert response.status_code == 201
        added.refresh_from_db()
        assert added.name_fr == "Livret d'accueil remis"
        assert Requirement.objects.filter(organization=org).count() == 1

    def test_a_list_completes_the_template_too(self, api, org, cedre, adopted):
        text = "ref_id;name_fr;parent\nT2.1;Diagnostic initial;T2\nT2.1.1;Grille;T2.1\n"
        upload = io.BytesIO(text.encode())
        upload.name = "cedre.csv"
        response = api.post(f"{REQUIREMENTS}import/", {
            "organization": org.pk, "referential": cedre.pk, "file": upload},
            format="multipart")
        assert response.status_code == 201, response.content
        rows = {r.ref_id: r for r in Requirement.objects.filter(organization=org)}
        assert rows["T2.1.1"].parent == rows["T2.1"] and rows["T2.1"].depth == 1
        event = AuditEvent.objects.filter(action="requirement.import").latest("pk")
        assert event.organization_id == org.pk
        assert sorted(event.after["urns_added"]) == sorted(r.urn for r in rows.values())


class TestOtherStructures:
    def test_they_never_see_it(self, client_for, outsider, added, adopted, other_org, cedre):
        client = client_for(outsider)
        refs = [item["ref_id"] for item in _checklist(client, adopted[other_org.pk])["items"]]
        assert "T1.1" not in refs and "T1" in refs
        listed = client.get(f"{REQUIREMENTS}?referential={cedre.pk}").json()
        assert added.pk not in {row["id"] for row in listed["results"]}
        assert client.get(f"{REQUIREMENTS}{added.pk}/").status_code == 404
        referential = client.get(f"/api/v1/referentials/{cedre.pk}/").json()
        assert referential["requirement_count"] == 8  # the library's nodes only

    def test_they_cannot_link_or_exclude_it(self, client_for, outsider, added, other_org):
        client = client_for(outsider)
        evidence = EvidenceFactory(organization=other_org, created_by=outsider)
        response = client.post("/api/v1/links/", {"evidence": evidence.pk,
                                                  "requirement": added.pk}, format="json")
        assert response.status_code == 400
        response = client.post("/api/v1/exclusions/", {
            "organization": other_org.pk, "requirement": added.pk,
            "justification": "Sans objet"}, format="json")
        assert response.status_code == 400
        assert not EvidenceLink.objects.filter(requirement=added).exists()

    def test_a_member_of_both_cannot_link_one_structure_to_the_others(
            self, added, org, other_org, member, qm):
        both = member(Role.QUALITY_MANAGER, organization=other_org, username="double")
        from audit_prep.models import Membership

        Membership.objects.create(user=both, organization=org, role=Role.QUALITY_MANAGER)
        evidence = EvidenceFactory(organization=other_org, created_by=both)
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(both)
        response = client.post("/api/v1/links/", {"evidence": evidence.pk,
                                                  "requirement": added.pk}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["requirement"][0]["code"] == \
            "requirement_not_adopted"

    def test_each_structure_may_use_the_same_ref_id(self, client_for, outsider, added, cedre,
                                                    other_org):
        response = add(client_for(outsider), other_org, cedre)
        assert response.status_code == 201
        assert response.json()["urn"] == f"{cedre.urn}:org-{other_org.pk}:T1.1"


class TestLibraryReimport:
    def test_an_unchanged_reimport_keeps_it(self, added, cedre_text):
        report = _import(cedre_text)
        assert not report.has_changes
        added.refresh_from_db()
        assert added.retired_at is None

    def test_a_new_revision_keeps_it_under_its_node(self, added, cedre_text, api, adopted, org):
        data = yaml.safe_load(cedre_text)
        data["library"]["revision"] = 2
        data["nodes"][0]["name"]["fr"] = "Accueil et intégration des salariés"
        data["nodes"] = [n for n in data["nodes"] if n["ref_id"] != "T4.4"]
        # a node of the new revision with the ref_id the structure chose: both live on
        data["nodes"].insert(1, {**data["nodes"][0], "urn": f"{data['library']['urn']}:T1.1",
                                 "parent_urn": data["nodes"][0]["urn"], "ref_id": "T1.1"})
        report = _import(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        assert report.removed == [f"{data['library']['urn']}:T4.4"]
        added.refresh_from_db()
        assert added.retired_at is None and added.parent.ref_id == "T1"
        assert added.urn.endswith(f":org-{org.pk}:T1.1")
        items = [i for i in _checklist(api, adopted[org.pk])["items"] if i["ref_id"] == "T1.1"]
        assert [i["added_by_structure"] for i in items] == [False, True]

    def test_a_moved_parent_carries_its_added_requirements(self, added, cedre_text):
        data = yaml.safe_load(cedre_text)
        data["library"]["revision"] = 2
        t1 = data["nodes"][0]
        t1["parent_urn"] = data["nodes"][1]["urn"]  # T1 now under T2
        data["nodes"][0], data["nodes"][1] = data["nodes"][1], data["nodes"][0]
        _import(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        added.refresh_from_db()
        assert added.parent.depth == 1 and added.depth == 2


class TestRefusals:
    @pytest.mark.parametrize(("fields", "field", "code"), [
        ({"ref_id": "T2"}, "ref_id", "ref_id_taken"),
        ({"parent": "T9"}, "parent", "unknown_parent"),
    ])
    def test_bad_rows(self, api, org, cedre, adopted, fields, field, code):
        response = add(api, org, cedre, **fields)
        assert response.status_code == 400
        assert response.json()["error"]["fields"][field][0]["code"] == code
        assert not Requirement.objects.filter(organization=org).exists()

    def test_only_templates_are_completed(self, api, org, qm, iso):
        referential, _ = iso
        tailoring.adopt(qm, org, referential)
        response = add(api, org, referential, parent="4")
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["referential"][0]["code"] == "not_a_template"

    def test_only_a_template_the_structure_follows(self, api, org, cedre):
        response = add(api, org, cedre)
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["referential"][0]["code"] == \
            "referential_not_adopted"

    def test_a_contributor_may_not(self, client_for, member, org, cedre, adopted):
        response = add(client_for(member(Role.CONTRIBUTOR)), org, cedre)
        assert response.status_code == 403


class TestWithdrawing:
    def test_withdrawn_it_leaves_the_checklist_and_keeps_its_links(self, api, added, adopted,
                                                                   org, qm):
        evidence = EvidenceFactory(organization=org, created_by=qm)
        EvidenceLink.objects.create(evidence=evidence, requirement=added, created_by=qm)
        assert api.delete(f"{REQUIREMENTS}{added.pk}/").status_code == 204
        added.refresh_from_db()
        assert added.retired_at is not None
        assert EvidenceLink.objects.filter(requirement=added).exists()
        assert "T1.1" not in [i["ref_id"] for i in _checklist(api, adopted[org.pk])["items"]]
        event = AuditEvent.objects.get(action="requirement.retire")
        assert event.organization_id == org.pk and event.before["urn"] == added.urn

    def test_not_while_requirements_hang_under_it(self, api, added, org, cedre):
        assert add(api, org, cedre, ref_id="T1.1.1", parent="T1.1").status_code == 201
        response = api.delete(f"{REQUIREMENTS}{added.pk}/")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "requirement_has_children"

    def test_library_nodes_cannot_be_withdrawn(self, api, cedre, adopted):
        node = Requirement.objects.get(referential=cedre, ref_id="T1")
        assert api.delete(f"{REQUIREMENTS}{node.pk}/").status_code == 404
        node.refresh_from_db()
        assert node.retired_at is None


def test_the_structures_own_list_still_works(api, org):
    response = api.post(REQUIREMENTS, {"organization": org.pk, "ref_id": "A1",
                                       "name_fr": "Registre des accueils"}, format="json")
    assert response.status_code == 201
    body = response.json()
    own = Referential.objects.get(organization=org)
    assert body["referential"] == own.pk and body["organization"] is None
    assert body["urn"] == f"{own.urn}:A1"


class TestExclusions:
    """An added row may be declared not applicable exactly when its template parent may."""

    @pytest.fixture
    def cap_iso(self, db, org, qm):
        path = CEDRE_FILE.parent / "cap-iso9001.yaml"
        referential = import_library(parse_library(path.read_text(encoding="utf-8"),
                                                   path.name)).referential
        tailoring.adopt(qm, org, referential)
        return referential

    def test_under_an_excludable_node_it_may_be_excluded(self, api, org, cap_iso):
        body = add(api, org, cap_iso, ref_id="CERT.G.1", parent="CERT.G").json()
        assert body["excludable"] is True
        response = api.post("/api/v1/exclusions/", {
            "organization": org.pk, "requirement": body["id"],
            "justification": "Structure certifiée seule, hors groupe."}, format="json")
        assert response.status_code == 201, response.content

    def test_elsewhere_it_may_not(self, api, org, cap_iso):
        body = add(api, org, cap_iso, ref_id="MET.1", parent="MET").json()
        assert body["excludable"] is False
        response = api.post("/api/v1/exclusions/", {
            "organization": org.pk, "requirement": body["id"],
            "justification": "Pas le temps"}, format="json")
        assert response.status_code == 400
        assert "exclusion_not_allowed" in response.content.decode()
