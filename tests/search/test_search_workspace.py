"""Search in the auditor's workspace (decision 0030): only the engagement's evidence (linked to
requirements of its referentials), never the rest of the structure's vault nor another
structure's; the files' text only where the revision in force on the audit date is the current
one."""

import datetime

import pytest

from audit_prep.roles import Role
from tests.audits.otp import signed_in
from tests.audits.workspace_world import DURING, at, linked_evidence, new_version, requirement

from .corpus import PHRASE, add_item, paged_pdf

pytestmark = pytest.mark.django_db

AFTER_FIRST_DAY = datetime.datetime(2027, 2, 12, 9, tzinfo=datetime.UTC)
HIDDEN = "Le tableau des habilitations électriques est tenu par le chef d'équipe."


@pytest.fixture
def world(org, qm, iso, audited, audit_user, client_for, other_org, member,
          media_root, tmp_path):
    api = client_for(qm)
    procedure = linked_evidence(qm, org, [requirement(iso, "9.3.3")], "Procédure qualité",
                                name="procedure.txt", data=PHRASE.encode())
    # In the vault, in no referential of the audit: the auditor never finds it.
    add_item(org, qm, api, "Registre interne",
             files=[paged_pdf(tmp_path / "interne.pdf", ["Sommaire", HIDDEN])])
    neighbour = member(Role.QUALITY_MANAGER, other_org, username="voisin")
    add_item(other_org, neighbour, client_for(neighbour), "Procédure du voisin",
             files=[paged_pdf(tmp_path / "voisin.pdf", [PHRASE, HIDDEN])])
    return {"procedure": procedure, "api": api}


def evidence_api(client, engagement, **params):
    return client.get(f"/api/v1/audit/engagements/{engagement.pk}/evidence/", params)


def test_the_auditor_finds_the_engagements_evidence_with_its_excerpt(world, audited,
                                                                       audit_user):
    with at(DURING):
        client = signed_in(audit_user)
        response = evidence_api(client, audited, q="reclamations enregistrees")
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["title"] == "Procédure qualité"
    assert row["match"]["file_name"] == "procedure.txt"
    assert "<mark>réclamations</mark>" in row["match"]["excerpt"]


def test_the_auditor_never_finds_evidence_outside_the_engagement(world, audited, audit_user):
    # The structure's own search finds both; the auditor's finds neither.
    assert {row["title"] for row in world["api"].get(
        "/api/v1/evidence/", {"q": "habilitations électriques"}).json()["results"]} == {
        "Registre interne"}
    with at(DURING):
        client = signed_in(audit_user)
        for words in ("habilitations électriques", "registre interne", "voisin"):
            response = evidence_api(client, audited, q=words)
            assert response.status_code == 200
            assert response.json()["results"] == [], words


def test_a_later_revisions_text_is_not_searched_for_the_auditor(world, qm, audited,
                                                                 audit_user):
    procedure = world["procedure"]
    with at(AFTER_FIRST_DAY):
        new_version(qm, procedure.pk, "procedure-v2.txt",
                    b"Version revue : la cellule de veille traite les reclamations.")
        client = signed_in(audit_user)
        assert evidence_api(client, audited, q="cellule veille").json()["results"] == []
        [row] = evidence_api(client, audited, q="procédure").json()["results"]  # its title
    assert row["title"] == "Procédure qualité" and row["match"] is None
    assert row["later_revision"] is True


@pytest.mark.parametrize(("words", "code"), [("x" * 10_000, "query_too_long"),
                                             ("😀", "query_without_words"),
                                             ("-x", "query_without_words")])
def test_a_refused_search_answers_400(world, audited, audit_user, words, code):
    with at(DURING):
        response = evidence_api(signed_in(audit_user), audited, q=words)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["q"][0]["code"] == code


def page_of(client, engagement, **params):
    return client.get(f"/audit/{engagement.pk}/evidence/", params)


def test_the_workspace_page_shows_the_excerpt_and_finds_only_the_engagements_evidence(
        world, audited, audit_user, qm, tmp_path, org):
    pdf_item = linked_evidence(qm, org, [], "Compte rendu de revue")
    with at(DURING):
        client = signed_in(audit_user)
        html = page_of(client, audited, q="réclamations enregistrées").content.decode()
        assert "Procédure qualité" in html and "<mark>réclamations</mark>" in html
        assert "In procedure.txt" in html or "Dans procedure.txt" in html
        assert '<label for="evidence-q">' in html
        assert 'role="status" aria-live="polite"' in html
        for words in ("habilitations électriques", "voisin", "compte rendu"):
            html = page_of(client, audited, q=words).content.decode()
            assert "Registre interne" not in html and "Procédure du voisin" not in html
            assert "Compte rendu de revue" not in html, words
            assert ("No item holds these words" in html
                    or "Aucune preuve ne contient ces mots" in html), words
        refused = page_of(client, audited, q="-x")
    assert pdf_item.requirement_links.count() == 0
    assert refused.status_code == 400
    assert 'id="evidence-q-errors" role="alert"' in refused.content.decode()


def test_the_workspace_links_an_excerpt_to_its_page_in_the_workspaces_preview(
        world, audited, audit_user, qm, org, iso, tmp_path):
    from evidence.models import StoredFile

    pdf = paged_pdf(tmp_path / "habilitations.pdf", ["Sommaire du registre", HIDDEN])
    item = linked_evidence(qm, org, [requirement(iso, "9.3.3")], "Registre des habilitations",
                           name="habilitations.pdf", data=pdf.read_bytes())
    stored = StoredFile.objects.get(revision__evidence=item)
    with at(DURING):
        html = page_of(signed_in(audit_user), audited, q="habilitations électriques")
    assert (f'href="/audit/{audited.pk}/files/{stored.pk}/preview/#page=2"'
            in html.content.decode())
