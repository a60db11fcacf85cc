"""Exclusions as ISO 9001 4.3 allows: excluding a clause excludes its sub-clauses (checklist,
counts, score, statement of applicability); only what the library marks excludable may be
excluded (400 `exclusion_not_allowed` otherwise); an exclusion recorded before the rule is kept,
flagged and not applied."""

import csv
import datetime
import io

import pytest
import time_machine

from audit_prep.models import AuditEvent
from checklists.models import Adoption, Exclusion
from tests.factories import evidence_with_file

from .conftest import make_referential

NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
CLAUSES = [
    ("4", None, [], None), ("4.3", "4", ["maintain"], None),
    ("8", None, [], None), ("8.2", "8", [], None), ("8.3", "8", [], None),
    ("8.3.1", "8.3", [], None), ("8.3.2", "8.3", ["retain"], None),
    ("9", None, [], None), ("9.2", "9", [], None), ("9.2.2", "9.2", ["retain"], 12),
]
NO_DESIGN = "Pas de conception : la structure met à disposition du personnel."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tree(db, org, qm):
    referential, requirements = make_referential(clauses=CLAUSES)
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)
    return adoption, requirements


def exclude(api, org, requirement, justification=NO_DESIGN):
    return api.post("/api/v1/exclusions/", {"organization": org.pk,
                                            "requirement": requirement.pk,
                                            "justification": justification}, format="json")


def checklist(api, adoption):
    response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/", {"order": "clause"})
    assert response.status_code == 200
    return response.json()


def by_ref(body):
    return {item["ref_id"]: item for item in body["items"]}


def test_excluding_a_clause_excludes_its_sub_clauses(api, org, tree):
    adoption, req = tree
    before = checklist(api, adoption)
    assert (before["score"], before["counts"]["missing"]) == (0.0, 5)
    response = exclude(api, org, req["8.3"])
    assert response.status_code == 201, response.json()
    assert response.json()["allowed"] is True

    body = checklist(api, adoption)
    items = by_ref(body)
    assert (items["8.3"]["status"], items["8.3"]["reason"]) == ("not_applicable", "excluded")
    for ref in ("8.3.1", "8.3.2"):
        assert (items[ref]["status"], items[ref]["reason"], items[ref]["excluded_by"],
                items[ref]["justification"]) == ("not_applicable", "excluded_with_parent",
                                                 "8.3", NO_DESIGN), ref
        assert items[ref]["reason_label"] == "Exclue avec son article parent"
    assert items["8.2"]["justification"] == "" and items["8.2"]["excluded_by"] is None
    # counted once each: the two sub-clauses leave the denominator, 8.3 itself is a parent
    assert body["counts"] == {"missing": 3, "expired": 0, "pending": 0, "expiring": 0,
                              "covered": 0, "not_applicable": 2}
    assert body["warnings"] == []

    # the statement of applicability reads the same
    export = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/export/csv/",
                     {"order": "clause"})
    rows = {row[0]: row for row in csv.reader(
        io.StringIO(export.content.decode("utf-8-sig")), delimiter=";")}
    assert {ref: (rows[ref][3], rows[ref][-1]) for ref in ("8.3", "8.3.1", "8.3.2")} == {
        ref: ("not_applicable", NO_DESIGN) for ref in ("8.3", "8.3.1", "8.3.2")}
    assert rows["8.2"][3] == "missing"

    # a new justification: 200, and the sub-clauses follow it
    exclusion = Exclusion.objects.get()
    response = api.patch(f"/api/v1/exclusions/{exclusion.pk}/",
                         {"justification": "Aucune conception."}, format="json")
    assert response.status_code == 200
    assert by_ref(checklist(api, adoption))["8.3.2"]["justification"] == "Aucune conception."


def test_a_sub_clause_of_an_excludable_clause_may_be_excluded_alone(api, org, tree):
    adoption, req = tree
    assert exclude(api, org, req["8.3.2"]).status_code == 201
    items = by_ref(checklist(api, adoption))
    assert (items["8.3.2"]["status"], items["8.3.2"]["reason"]) == ("not_applicable",
                                                                    "excluded")
    assert items["8.3.1"]["status"] == "missing"
    assert (items["8.3"]["status"], items["8.3"]["reason"]) == ("missing", "from_sub_clauses")


@pytest.mark.parametrize("language, words", [
    ("fr", ["9.2 de ISO9001 ne peut pas être déclarée non applicable", "ISO 9001:2015, 4.3",
            ": 8.3."]),
    ("en", ["9.2 of ISO9001 cannot be declared not applicable", "ISO 9001:2015, 4.3",
            ": 8.3."]),
])
def test_any_other_exclusion_is_refused_with_the_rule(api, org, tree, language, words):
    adoption, req = tree
    response = api.post("/api/v1/exclusions/", {
        "organization": org.pk, "requirement": req["9.2"].pk, "justification": "Pas le temps"},
        format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "exclusion_not_allowed"
    assert error["details"] == {"requirement": "9.2", "allowed": ["8.3"]}
    for word in words:
        assert word in error["message"]
    assert not Exclusion.objects.exists()
    assert not AuditEvent.objects.filter(action="requirement.exclude").exists()
    assert exclude(api, org, req["4.3"]).status_code == 400
    assert exclude(api, org, req["9.2.2"]).status_code == 400
    assert checklist(api, adoption)["score"] == 0.0


def test_an_exclusion_recorded_before_the_rule_is_kept_flagged_and_not_applied(
        api, org, qm, tree):
    adoption, req = tree
    legacy = Exclusion.objects.create(organization=org, requirement=req["9.2"],
                                      justification="Pas le temps", decided_by=qm)
    body = checklist(api, adoption)
    items = by_ref(body)
    for ref in ("9.2", "9.2.2"):  # still applicable, assessed like any other
        assert items[ref]["status"] == "missing" and items[ref]["justification"] == ""
    warning = items["9.2"]["exclusion_warning"]
    assert (warning["code"], warning["ref_id"], warning["justification"]) == (
        "exclusion_not_allowed", "9.2", "Pas le temps")
    assert "ne l'admet pas" in warning["message"]
    assert body["warnings"] == [warning]
    assert items["9.2.2"]["exclusion_warning"] is None
    assert body["score"] == 0.0 and body["counts"]["not_applicable"] == 0
    assert Exclusion.objects.filter(pk=legacy.pk).exists()  # kept: no data lost
    listed = api.get("/api/v1/exclusions/").json()["results"]
    assert [(e["requirement_ref_id"], e["allowed"]) for e in listed] == [("9.2", False)]
    # it cannot be re-justified, only withdrawn
    response = api.patch(f"/api/v1/exclusions/{legacy.pk}/", {"justification": "Toujours pas"},
                         format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (
        400, "exclusion_not_allowed")
    assert api.delete(f"/api/v1/exclusions/{legacy.pk}/").status_code == 204
    assert checklist(api, adoption)["warnings"] == []


def test_a_legacy_forbidden_exclusion_fails_the_iso9001_scope_gate(api, org, qm, tree):
    adoption, req = tree
    Exclusion.objects.create(organization=org, requirement=req["9.2"],
                             justification="Pas le temps", decided_by=qm)
    scope_document = evidence_with_file(org, qm, title="Domaine d'application",
                                        status="approved", approved_at=NOW, kind="document")
    assert api.post("/api/v1/links/", {"evidence": scope_document.pk,
                                       "requirement": req["4.3"].pk},
                    format="json").status_code == 201
    gates = {gate["code"]: gate for gate in checklist(api, adoption)["gates"]}
    scope = gates["scope"]
    assert (scope["passed"], scope["reason"], scope["refused_exclusions"]) == (
        False, "exclusion_not_allowed", ["9.2"])
    assert scope["message"] == "Exclusions non admises par le référentiel : 9.2"
    assert [item["id"] for item in scope["evidence"]] == [scope_document.pk]


def test_the_structures_own_requirements_may_be_excluded(api, org):
    response = api.post("/api/v1/requirements/", {"organization": org.pk, "ref_id": "P1",
                                                   "name_fr": "Navette"}, format="json")
    assert response.status_code == 201
    assert response.json()["excludable"] is False
    from checklists.models import Requirement

    own = Requirement.objects.get(pk=response.json()["id"])
    assert exclude(api, org, own, "Plus de navette depuis 2026.").status_code == 201
