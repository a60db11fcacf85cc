"""The workflow of an evidence item from its page (submit, approve, archive with a reason,
"reviewed, still valid") and the form of its details: the forms a role sees, what each one
changes and writes to the audit trail, the service's refusal shown beside the form, a forged
POST refused with 403, another structure's item 404, and CSRF."""

import datetime

import pytest
from django.test import Client

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from evidence import services
from evidence.models import EvidenceItem, EvidenceStatus
from tests.conftest import upload
from tests.factories import EvidenceFactory


@pytest.fixture
def with_file(api, evidence):
    assert upload(api, evidence.pk, ("compte-rendu.txt", b"Revue de direction.\n")
                  ).status_code == 201
    return evidence


def _post(client, path, data=None):
    return client.post(path, data or {}, HTTP_ACCEPT_LANGUAGE="fr")


def _text(response) -> str:
    return response.content.decode()


def _events(item, action) -> list:
    return list(AuditEvent.objects.filter(action=action, object_id=str(item.pk)))


def test_each_role_sees_the_forms_it_may_use(as_role, evidence):
    path = f"/evidence/{evidence.pk}/"
    viewer = _text(as_role(Role.VIEWER).get(path, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Soumettre à validation" not in viewer and "Approuver" not in viewer
    assert "Modifier les informations" not in viewer and "Lier à une exigence" not in viewer
    contributor = _text(as_role(Role.CONTRIBUTOR).get(path, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Soumettre à validation" in contributor and "Modifier les informations" in contributor
    assert "Approuver" not in contributor and "Archiver cette preuve" not in contributor
    assert "Revue, toujours valable" not in contributor
    manager = _text(as_role(Role.QUALITY_MANAGER).get(path, HTTP_ACCEPT_LANGUAGE="fr"))
    for form in ("Soumettre à validation", "Approuver", "Archiver cette preuve",
                 "Revue, toujours valable", "Lier à une exigence"):
        assert form in manager, form


def test_a_contributor_submits_for_review(as_role, evidence):
    client = as_role(Role.CONTRIBUTOR)
    response = _post(client, f"/evidence/{evidence.pk}/submit/")
    assert response.status_code == 302 and response["Location"] == f"/evidence/{evidence.pk}/"
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.IN_REVIEW
    assert len(_events(evidence, "evidence.submit")) == 1
    page = _text(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Soumise à validation." in page
    assert "Soumettre à validation" not in page  # no longer a draft


def test_submitting_twice_shows_the_services_refusal(as_role, evidence):
    evidence.status = EvidenceStatus.IN_REVIEW
    evidence.save()
    response = _post(as_role(Role.CONTRIBUTOR), f"/evidence/{evidence.pk}/submit/")
    assert response.status_code == 400
    text = _text(response).replace("&#x27;", "'")
    assert 'id="submit-refusals"' in text
    assert "Cette action n'est pas possible dans l'état actuel." in text


def test_approving_without_a_file_is_refused_with_the_services_message(as_role, evidence):
    response = _post(as_role(Role.QUALITY_MANAGER), f"/evidence/{evidence.pk}/approve/")
    assert response.status_code == 400
    assert ('<li data-code="no_revision">Déposez un fichier avant d&#x27;approuver cette '
            'preuve.</li>') in _text(response)
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.DRAFT and not _events(evidence, "evidence.approve")


def test_a_quality_manager_approves(as_role, with_file):
    manager = as_role(Role.QUALITY_MANAGER)
    response = _post(manager, f"/evidence/{with_file.pk}/approve/")
    assert response.status_code == 302
    with_file.refresh_from_db()
    assert with_file.status == EvidenceStatus.APPROVED
    assert [event.actor for event in _events(with_file, "evidence.approve")] == [
        with_file.approved_by]
    assert "Approuvée" in _text(manager.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr"))


@pytest.mark.parametrize("action", ["approve", "archive", "review"])
def test_a_forged_post_by_a_contributor_is_refused_and_changes_nothing(as_role, with_file,
                                                                      action):
    before = EvidenceItem.objects.filter(pk=with_file.pk).values().get()
    events = AuditEvent.objects.count()
    response = _post(as_role(Role.CONTRIBUTOR), f"/evidence/{with_file.pk}/{action}/",
                     {"reason": "Remplacée", "reviewed_on": "2026-02-01", "note": "Relue"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert EvidenceItem.objects.filter(pk=with_file.pk).values().get() == before
    assert AuditEvent.objects.count() == events


def test_a_viewer_may_not_submit_even_with_a_forged_post(as_role, evidence):
    response = _post(as_role(Role.VIEWER), f"/evidence/{evidence.pk}/submit/")
    assert response.status_code == 403
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.DRAFT


@pytest.mark.parametrize("action", ["submit", "approve", "archive", "review", "edit"])
def test_another_structures_item_is_not_found(client, outsider, evidence, action):
    client.force_login(outsider)
    response = _post(client, f"/evidence/{evidence.pk}/{action}/", {"reason": "x"})
    assert response.status_code == 404
    assert evidence.organization.name not in _text(response)


def test_archiving_needs_a_reason_then_keeps_it(as_role, evidence):
    manager = as_role(Role.QUALITY_MANAGER)
    refused = _post(manager, f"/evidence/{evidence.pk}/archive/", {"reason": "  "})
    assert refused.status_code == 400
    assert 'id="archive-refusals"' in _text(refused)
    assert '<li data-code="blank">' in _text(refused)
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.DRAFT

    response = _post(manager, f"/evidence/{evidence.pk}/archive/",
                     {"reason": "Remplacée par la procédure 2027"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.status, evidence.archive_reason) == (EvidenceStatus.ARCHIVED,
                                                          "Remplacée par la procédure 2027")
    [event] = _events(evidence, "evidence.archive")
    assert event.after["reason"] == "Remplacée par la procédure 2027"
    page = _text(manager.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Remplacée par la procédure 2027" in page and "Archiver cette preuve" not in page


def test_reviewed_still_valid_restarts_the_renewal_period(as_role, org, qm):
    document = EvidenceFactory(organization=org, created_by=qm, renewal_months=12,
                               valid_until=datetime.date(2027, 1, 15))
    response = _post(as_role(Role.QUALITY_MANAGER), f"/evidence/{document.pk}/review/",
                     {"reviewed_on": "2026-03-01", "note": "Relue avec l'équipe"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.last_reviewed_on == datetime.date(2026, 3, 1)
    assert document.valid_until == datetime.date(2027, 3, 1)
    assert _events(document, "evidence.review")[0].after["note"] == "Relue avec l'équipe"


@pytest.mark.parametrize(("fields", "kind", "message"), [
    ({"reviewed_on": "2099-01-01", "note": "Relue"}, "document",
     "La date de revue ne peut pas être dans le futur."),
    ({"reviewed_on": "2026-03-01", "note": "Relue"}, "record",
     "Seul un document à tenir à jour"),
])
def test_a_refused_review_says_why_beside_its_form(as_role, org, qm, fields, kind, message):
    item = EvidenceFactory(organization=org, created_by=qm, kind=kind)
    response = _post(as_role(Role.QUALITY_MANAGER), f"/evidence/{item.pk}/review/", fields)
    assert response.status_code == 400
    text = _text(response)
    assert 'id="review-refusals"' in text
    assert message in text
    item.refresh_from_db()
    assert item.last_reviewed_on is None


def test_the_forms_need_the_csrf_token(qm, evidence):
    client = Client(enforce_csrf_checks=True)
    client.force_login(qm)
    for action in ("submit", "approve", "archive", "review", "edit"):
        response = client.post(f"/evidence/{evidence.pk}/{action}/", {"reason": "x"})
        assert response.status_code == 403, action
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.DRAFT and not AuditEvent.objects.filter(
        action__startswith="evidence.", object_id=str(evidence.pk)).exists()


def test_actions_only_answer_post(as_role, evidence):
    client = as_role(Role.QUALITY_MANAGER)
    for action in ("submit", "approve", "archive", "review"):
        assert client.get(f"/evidence/{evidence.pk}/{action}/").status_code == 405


# --- the item's details -------------------------------------------------------------------


def test_the_details_form_shows_the_item_and_saves_a_change(as_role, evidence):
    client = as_role(Role.CONTRIBUTOR)
    form = _text(client.get(f"/evidence/{evidence.pk}/edit/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert f'value="{evidence.title}"' in form and 'name="effective_date"' in form
    response = _post(client, f"/evidence/{evidence.pk}/edit/", {
        "title": "Procédure d'accueil", "description": "Version relue", "kind": "document",
        "owner": "", "effective_date": "2026-02-01", "renewal_months": "24",
        "tags": "accueil, insertion"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.title, evidence.effective_date, evidence.valid_until) == (
        "Procédure d'accueil", datetime.date(2026, 2, 1), datetime.date(2028, 2, 1))
    assert sorted(evidence.tags.values_list("name", flat=True)) == ["accueil", "insertion"]
    [event] = _events(evidence, "evidence.update")
    assert event.after["tags"] == ["accueil", "insertion"]
    assert "Les informations ont été enregistrées." in _text(
        client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr"))


def test_a_duplicate_title_is_saved_with_the_apis_warning(as_role, org, qm, evidence):
    EvidenceFactory(organization=org, created_by=qm, title="Plan de formation")
    client = as_role(Role.QUALITY_MANAGER)
    response = _post(client, f"/evidence/{evidence.pk}/edit/", {
        "title": "Plan de formation", "kind": "document", "effective_date": "2026-01-15"})
    assert response.status_code == 302
    page = _text(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr"))
    assert "message-warning" in page
    assert "Une autre preuve de cette structure porte déjà ce titre." in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"title": "", "effective_date": "2026-03-01"}, "title", "Ce champ est obligatoire."),
    ({"title": "Plan", "effective_date": "2026-03-01", "valid_until": "2026-01-01"},
     "valid_until", "La fin de validité ne peut pas précéder la date d'effet."),
])
def test_a_refused_detail_is_shown_beside_its_field(as_role, evidence, fields, field, message):
    client = as_role(Role.QUALITY_MANAGER)
    response = _post(client, f"/evidence/{evidence.pk}/edit/", {"kind": "document", **fields})
    assert response.status_code == 400
    text = _text(response).replace("&#x27;", "'")
    errors = text.split(f'id="edit-{field}-errors">', 1)[1].split("</ul>", 1)[0]
    assert message in errors
    assert f'aria-describedby="edit-{field}-errors' in text
    evidence.refresh_from_db()
    assert evidence.title != "Plan" and not _events(evidence, "evidence.update")


def test_a_viewer_gets_no_details_form_and_an_archived_item_cannot_change(as_role, qm,
                                                                        evidence):
    assert as_role(Role.VIEWER).get(f"/evidence/{evidence.pk}/edit/").status_code == 403
    services.archive(qm, evidence, "Remplacée")
    response = _post(as_role(Role.QUALITY_MANAGER), f"/evidence/{evidence.pk}/edit/", {
        "title": "Nouveau titre", "kind": "document", "effective_date": "2026-01-15"})
    assert response.status_code == 400
    assert "Une preuve archivée ne peut pas être modifiée." in _text(response)
