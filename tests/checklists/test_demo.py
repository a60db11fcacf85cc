"""The issue's demand on the demo, as a new user would try it: the statement of applicability
is consistent with the 8.3 exclusion, 9.2 cannot be excluded, the stage-1 gates read plausibly."""

import pytest
from rest_framework.test import APIClient

from checklists import demo
from checklists.models import Adoption, Exclusion, Requirement
from checklists.services import checklist


@pytest.fixture
def seeded(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # the uploads get verified
        demo.seed()
    adoption = Adoption.objects.get(organization__slug=demo.DEMO_SLUG,
                                    referential__code="iso9001")
    return adoption


def test_demo_statement_of_applicability_and_gates(seeded):
    data = checklist.build(seeded, order="clause")
    items = {item["ref_id"]: item for item in data["items"]}
    design = [ref for ref in items if ref == "8.3" or ref.startswith("8.3.")]
    assert design == ["8.3", "8.3.1", "8.3.2", "8.3.3", "8.3.4", "8.3.5", "8.3.6"]
    justification = Exclusion.objects.get(organization=seeded.organization).justification
    for ref in design:
        assert (items[ref]["status"], items[ref]["justification"]) == (
            "not_applicable", justification), ref
    assert all(item["status"] != "not_applicable" for ref, item in items.items()
               if ref not in design)
    assert data["warnings"] == []
    gates = {gate["code"]: gate for gate in data["gates"]}
    assert gates["scope"]["passed"] and gates["scope"]["exclusions"] == ["8.3"]
    assert gates["management_review"]["passed"]
    assert [e["title"] for e in gates["management_review"]["evidence"]] == [
        "Compte rendu de revue de direction 2026"]
    assert gates["policy"]["passed"]
    # still to do before stage 1, as a structure preparing would have it
    assert not gates["internal_audit"]["passed"]
    # the objectives table is a record: it counts once its file is verified, unapproved (the
    # default of `records_need_approval`), so the objectives gate passes
    assert gates["objectives"]["passed"]
    assert isinstance(data["score"], float)


def test_demo_refuses_to_exclude_internal_audit(seeded):
    client = APIClient()
    client.force_authenticate(seeded.adopted_by)
    nine_two = Requirement.objects.get(referential=seeded.referential, ref_id="9.2")
    response = client.post("/api/v1/exclusions/", {
        "organization": seeded.organization_id, "requirement": nine_two.pk,
        "justification": "Pas le temps"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "exclusion_not_allowed"
    assert Exclusion.objects.filter(organization=seeded.organization).count() == 1

