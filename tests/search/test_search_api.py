"""`q=` on /api/v1/evidence/: the words are looked for in the titles, tags, descriptions and
the text of the current files (decision 0030), results best first unless an ordering is asked,
each with where the words were found; refused queries answer 400 with a stable code."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit_prep.roles import Role
from checklists.models import EvidenceLink
from tests.checklists.conftest import make_referential

from .corpus import PHRASE, add_item, complaints_pdf, paged_pdf

pytestmark = pytest.mark.django_db

URL = "/api/v1/evidence/"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.fixture
def vault(org, qm, api, media_root, tmp_path):
    procedure = add_item(org, qm, api, "Procédure qualité", files=[complaints_pdf(tmp_path)],
                         kind="document")
    review = add_item(org, qm, api, "Revue de direction 2026",
                      description="Bilan des réclamations de l'année")
    complaints = add_item(org, qm, api, "Registre des réclamations", tags=["clients"])
    return {"procedure": procedure, "review": review, "complaints": complaints}


@pytest.mark.parametrize("words", ["réclamations enregistrées", "reclamations enregistrees",
                                   "RÉCLAMATIONS ENREGISTRÉES", '"réclamations des clients"',
                                   "enregistr accueil"])
def test_a_phrase_only_inside_a_pdf_is_found_with_its_excerpt_and_page(vault, api, words):
    response = api.get(URL, {"q": words})
    assert titles(response) == ["Procédure qualité"]
    match = response.json()["results"][0]["match"]
    assert match["file_name"] == "procedure-reclamations.pdf"
    assert match["page"] == 2
    assert match["file"] == vault["procedure"].revisions.get().files.get().pk
    assert "<mark>" in match["excerpt"] and "accueil" in match["excerpt"]


def test_results_come_best_first_unless_an_ordering_is_asked(vault, api):
    # title (A) > tags (B) > description (C) > content (D)
    assert titles(api.get(URL, {"q": "réclamations"})) == [
        "Registre des réclamations", "Revue de direction 2026", "Procédure qualité"]
    assert titles(api.get(URL, {"q": "réclamations", "ordering": "title"})) == [
        "Procédure qualité", "Registre des réclamations", "Revue de direction 2026"]
    # no words, no ranking: the latest changes first as before
    assert titles(api.get(URL))[0] == "Registre des réclamations"


def test_only_file_matches_carry_an_excerpt(vault, api):
    rows = {row["title"]: row["match"] for row in api.get(URL, {"q": "réclamations"}).json()[
        "results"]}
    assert rows["Registre des réclamations"] is None  # found by its title
    assert rows["Procédure qualité"]["page"] == 2
    assert all(row["match"] is None for row in api.get(URL).json()["results"])


def test_excluded_words_and_partial_words(vault, api):
    assert titles(api.get(URL, {"q": "réclam -registre -bilan"})) == ["Procédure qualité"]
    assert titles(api.get(URL, {"q": "chanti"})) == ["Procédure qualité"]


def test_filters_combine_with_the_words(vault, api, org, qm, member):
    other_owner = member(Role.CONTRIBUTOR, username="owner2")
    referential, requirements = make_referential()
    EvidenceLink.objects.create(evidence=vault["procedure"], requirement=requirements["9.3.3"],
                                created_by=qm)
    EvidenceLink.objects.create(evidence=vault["review"], requirement=requirements["7.2"],
                                created_by=qm)
    vault["complaints"].owner = other_owner
    vault["complaints"].save(update_fields=["owner"])
    search = {"q": "réclamations"}
    assert titles(api.get(URL, {**search, "kind": "document"})) == ["Procédure qualité"]
    assert titles(api.get(URL, {**search, "referential": referential.pk})) == [
        "Revue de direction 2026", "Procédure qualité"]
    assert titles(api.get(URL, {**search, "requirement": requirements["7.2"].pk})) == [
        "Revue de direction 2026"]
    assert titles(api.get(URL, {**search, "owner": other_owner.pk})) == [
        "Registre des réclamations"]
    assert titles(api.get(URL, {**search, "status": "archived"})) == []
    assert len(titles(api.get(URL, {**search, "updated_after": "2020-01-01",
                                    "effective_before": "2026-01-15"}))) == 3
    assert titles(api.get(URL, {**search, "effective_after": "2026-01-16"})) == []
    assert titles(api.get(URL, {**search, "updated_before": "2020-01-01"})) == []


def test_at_the_cap_the_filters_choose_among_every_match_not_the_first_found(
        vault, api, qm, monkeypatch):
    """A search ranks the first RANKED_AT_MOST matches found: the filters (a requirement, a
    referential, a reference) narrow the items before that, so that an item they keep is
    found even when many others hold the words."""
    from evidence import search
    from evidence.references import reference

    referential, requirements = make_referential()
    EvidenceLink.objects.create(evidence=vault["complaints"], requirement=requirements["7.2"],
                                created_by=qm)
    monkeypatch.setattr(search, "RANKED_AT_MOST", 1)  # 1,000 in use: the same rule, smaller
    search_words = {"q": "réclamations"}
    assert titles(api.get(URL, {**search_words, "requirement": requirements["7.2"].pk})) == [
        "Registre des réclamations"]
    assert titles(api.get(URL, {**search_words, "referential": referential.pk})) == [
        "Registre des réclamations"]
    assert titles(api.get(URL, {**search_words,
                                "reference": reference(vault["complaints"].pk)})) == [
        "Registre des réclamations"]


def test_dates_are_filters_without_words_too(vault, api, org, qm):
    add_item(org, qm, api, "Ancien contrat", effective_date="2019-05-02")
    assert titles(api.get(URL, {"effective_before": "2020-01-01"})) == ["Ancien contrat"]
    response = api.get(URL, {"effective_after": "not a date"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["effective_after"][0]["code"] == "invalid"


@pytest.mark.parametrize(("words", "code"), [
    ("x" * 10_000, "query_too_long"), ("😀🎉", "query_without_words"),
    ("-x", "query_without_words"), ("!!! *** ???", "query_without_words"),
    (" ".join(f"mot{n}" for n in range(13)), "query_too_many_words"),
])
def test_unanswerable_queries_answer_400_with_a_stable_code(api, client_for, qm, words, code):
    response = api.get(URL, {"q": words})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["q"][0]["code"] == code
    english = client_for(qm, language="en").get(URL, {"q": words}).json()["error"]
    assert english["fields"]["q"][0]["message"] != error["fields"]["q"][0]["message"]


@pytest.mark.parametrize("words", [
    "'; DROP TABLE evidence_evidenceitem; --", "réclamations OR 1=1", 'NEAR("a" "b")',
    "a & b | !c <-> d:*", '"unterminated phrase', "« réclamations des clients »", "((réclam",
    "😀 réclamations 🎉", "title:réclamations", "%_%", "\\x00 réclam",
])
def test_operators_quotes_and_sql_text_are_answered(vault, api, words):
    response = api.get(URL, {"q": words})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["error"]["fields"]["q"][0]["code"].startswith("query_")
    assert api.get(URL).json()["count"] == 3


def test_another_structures_items_are_never_found(vault, api, other_org, outsider, member,
                                                  client_for, tmp_path, org):
    other_api = client_for(outsider)
    theirs = paged_pdf(tmp_path / "voisin.pdf", [PHRASE])
    add_item(other_org, outsider, other_api, "Procédure du voisin", files=[theirs])
    assert titles(api.get(URL, {"q": "réclamations enregistrées"})) == ["Procédure qualité"]
    assert titles(api.get(URL, {"q": "réclamations enregistrées",
                                "organization": other_org.pk})) == []
    assert titles(other_api.get(URL, {"q": "réclamations enregistrées"})) == [
        "Procédure du voisin"]
    viewer = client_for(member(Role.VIEWER, username="lecteur"))
    assert titles(viewer.get(URL, {"q": "reclamations enregistrees"})) == ["Procédure qualité"]


def test_excerpts_cost_the_same_queries_for_one_result_or_many(org, qm, api, media_root,
                                                                tmp_path):
    add_item(org, qm, api, "Premier", files=[paged_pdf(tmp_path / "a.pdf", [PHRASE])])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(URL, {"q": "accueil"}).status_code == 200
        return len(captured)

    one = queries()
    for number in range(4):
        add_item(org, qm, api, f"Autre {number}",
                 files=[paged_pdf(tmp_path / f"b{number}.pdf", [f"Sommaire {number}", PHRASE])])
    assert len(api.get(URL, {"q": "accueil"}).json()["results"]) == 5
    assert queries() == one


def test_tag_filter_and_words_together(vault, api, org, qm):
    add_item(org, qm, api, "Fiche de suivi des réclamations", tags=["clients", "suivi"])
    both = {"q": "réclamations", "tag": "clients"}
    assert sorted(titles(api.get(URL, both))) == [  # once each, whatever the joins
        "Fiche de suivi des réclamations", "Registre des réclamations"]
    assert titles(api.get(URL, {**both, "ordering": "created_at"})) == [
        "Registre des réclamations", "Fiche de suivi des réclamations"]
