"""The evidence pages: the list (filters, sort, pages, scope) and an item's page (facts,
versions and files, requirements, history for those who may read it)."""

import pytest

from audit_prep.roles import Role
from checklists.models import EvidenceLink
from evidence import search
from evidence.models import EvidenceItem
from tests.checklists.conftest import make_referential
from tests.conftest import upload
from tests.factories import EvidenceFactory
from tests.filemakers import make_pdf


@pytest.fixture
def signed_in(client, qm):
    client.force_login(qm)
    return client


def _page(client, path, **params) -> str:
    response = client.get(path, params, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    return response.content.decode()


def test_evidence_list_shows_my_structures_items_only_and_filters(signed_in, org, other_org,
                                                                   qm, outsider):
    EvidenceFactory(organization=org, created_by=qm, title="Procédure d'accueil",
                    kind="document")
    EvidenceFactory(organization=org, created_by=qm, title="Attestation SST", kind="record")
    EvidenceFactory(organization=other_org, created_by=outsider, title="Procédure du voisin")
    search.refresh_items(EvidenceItem.objects.values_list("pk", flat=True))  # factories: by hand

    everything = _page(signed_in, "/evidence/")
    assert "Procédure d&#x27;accueil" in everything and "Attestation SST" in everything
    assert "Procédure du voisin" not in everything
    assert "2 preuves trouvées." in everything

    records = _page(signed_in, "/evidence/", kind="record")
    assert "Attestation SST" in records and "accueil" not in records
    words = _page(signed_in, "/evidence/", q="accueil")
    assert "1 preuve contient ces mots." in words and "Attestation SST" not in words
    # another structure's id as a filter shows nothing of it
    nothing = _page(signed_in, "/evidence/", organization=other_org.pk)
    assert "Aucune preuve ne correspond à ces filtres." in nothing
    no_words = _page(signed_in, "/evidence/", q="voisin")
    assert "Aucune preuve ne contient ces mots : essayez d'autres mots" in no_words.replace(
        "&#x27;", "'")


def test_evidence_list_sorts_and_pages(signed_in, org, qm):
    for index in range(55):
        EvidenceFactory(organization=org, created_by=qm, title=f"Preuve {index:02d}")
    first = _page(signed_in, "/evidence/", ordering="title")
    assert "Preuve 00" in first and "Preuve 49" in first and "Preuve 50" not in first
    assert "Page 1 sur 2" in first
    second = _page(signed_in, "/evidence/", ordering="title", page=2)
    assert "Preuve 54" in second and "Preuve 00" not in second


def test_evidence_list_reports_a_bad_filter_instead_of_failing(signed_in, org):
    response = signed_in.get("/evidence/", {"valid_until_before": "1800-01-01"},
                             HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400  # as the API answers the same filter
    text = response.content.decode()
    assert 'role="alert"' in text and "Aucune recherche n'a été faite" in text


def test_evidence_page_shows_versions_files_requirements_and_history(signed_in, api, org, qm,
                                                                    evidence, tmp_path):
    _referential, clauses = make_referential()
    EvidenceLink.objects.create(evidence=evidence, requirement=clauses["7.2"], created_by=qm)
    with make_pdf(tmp_path / "attestation.pdf").open("rb") as pdf:
        assert upload(api, evidence.pk, pdf).status_code == 201

    text = _page(signed_in, f"/evidence/{evidence.pk}/")
    assert evidence.reference in text and evidence.title in text
    assert "Version 1" in text and "attestation.pdf" in text
    stored = evidence.revisions.get().files.get()
    assert f"/api/v1/files/{stored.pk}/download/" in text and stored.sha256 in text
    assert "Exigence 7.2" in text
    assert "Historique" in text and "<code>revision.upload</code>" in text


def test_evidence_page_hides_the_history_from_those_who_may_not_read_it(client, member, org,
                                                                       evidence):
    viewer = member(Role.VIEWER)
    client.force_login(viewer)
    text = _page(client, f"/evidence/{evidence.pk}/")
    assert evidence.title in text and "Historique" not in text


def test_evidence_page_of_another_structure_is_not_found(signed_in, other_org, outsider):
    foreign = EvidenceFactory(organization=other_org, created_by=outsider)
    assert signed_in.get(f"/evidence/{foreign.pk}/").status_code == 404


def test_the_checklist_lists_a_few_items_and_the_evidence_list_all_of_a_requirement(
        signed_in, org, other_org, qm, outsider):
    from checklists.models import Adoption

    referential, clauses = make_referential()
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)
    for index in range(5):
        item = EvidenceFactory(organization=org, created_by=qm, title=f"Attestation SST {index}")
        EvidenceLink.objects.create(evidence=item, requirement=clauses["7.2"], created_by=qm)
    EvidenceFactory(organization=org, created_by=qm, title="Procédure d'accueil")

    checklist = _page(signed_in, f"/checklists/{adoption.pk}/", chapter="7")
    assert checklist.count("Attestation SST") == 3  # the first three, then the link to all
    see_all = f'5 preuves liées en tout : <a href="/evidence/?requirement={clauses["7.2"].pk}">'
    assert see_all in checklist

    linked = _page(signed_in, "/evidence/", requirement=clauses["7.2"].pk)
    assert "5 preuves trouvées." in linked and "accueil" not in linked
    assert "Preuves liées à 7.2" in linked
    assert f'name="requirement" value="{clauses["7.2"].pk}"' in linked  # kept by the filters

    own, _ = make_referential(code="voisin", clauses=[("P1", None, [], None)])
    own.organization = other_org
    own.kind = "organization"
    own.save()
    foreign = own.requirements.get().pk
    nothing = _page(signed_in, "/evidence/", requirement=foreign)
    assert "Aucune preuve ne correspond à ces filtres." in nothing and "introuvable" in nothing
    unlinked = _page(signed_in, "/evidence/", requirement="7.2")
    assert "Aucune preuve ne correspond à ces filtres." in unlinked
