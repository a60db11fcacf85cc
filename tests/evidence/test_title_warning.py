"""A title that already exists in the structure is a warning, never a refusal: the item is
created (201) and the response says which items share the title, with a stable code and a
message in the request's language."""

from evidence.models import EvidenceItem
from evidence.services import archive
from tests.factories import EvidenceFactory


def create(api, org, title, **fields):
    payload = {"organization": org.pk, "title": title, "kind": "document",
               "effective_date": "2026-03-01", **fields}
    return api.post("/api/v1/evidence/", payload, format="json")


def test_a_new_title_has_no_warning(api, org):
    response = create(api, org, "Procédure d'accueil")
    assert response.status_code == 201
    assert response.json()["warnings"] == []


def test_a_title_taken_in_the_structure_warns_but_creates(api, org, qm):
    first = EvidenceFactory(organization=org, created_by=qm, title="Politique qualite")
    response = create(api, org, "  POLITIQUE QUALITE ")
    assert response.status_code == 201
    body = response.json()
    [warning] = body["warnings"]
    assert warning["code"] == "duplicate_title"
    assert warning["details"] == {"evidence": [first.pk]}
    assert "titre" in warning["message"]  # French by default
    assert EvidenceItem.objects.filter(organization=org).count() == 2


def test_the_message_follows_the_request_language(client_for, qm, org):
    EvidenceFactory(organization=org, created_by=qm, title="Registre des accueils")
    response = create(client_for(qm, language="en"), org, "Registre des accueils")
    [warning] = response.json()["warnings"]
    assert warning["message"].startswith("Another evidence item of this structure")


def test_other_structures_and_archived_items_do_not_count(api, org, qm, other_org, outsider):
    EvidenceFactory(organization=other_org, created_by=outsider, title="Plan de formation")
    old = EvidenceFactory(organization=org, created_by=qm, title="Plan de formation")
    archive(qm, old, "Remplacé")
    response = create(api, org, "Plan de formation")
    assert response.status_code == 201 and response.json()["warnings"] == []


def test_renaming_onto_a_taken_title_warns_too(api, org, qm):
    taken = EvidenceFactory(organization=org, created_by=qm, title="Revue de direction 2026")
    item = EvidenceFactory(organization=org, created_by=qm, title="Brouillon")
    response = api.patch(f"/api/v1/evidence/{item.pk}/", {"title": "Revue de direction 2026"},
                         format="json")
    assert response.status_code == 200
    assert response.json()["warnings"][0]["details"] == {"evidence": [taken.pk]}
    item.refresh_from_db()
    assert item.title == "Revue de direction 2026"
