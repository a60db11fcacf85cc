"""Full-text search's engine on the database the suite runs on (SQLite's FTS5 or PostgreSQL's
French configuration): what a person typing words would find, in which order, with which
excerpt, and the queries that are refused."""

import pytest

from evidence import search, verification
from evidence.models import EvidenceItem
from evidence.services import evidence as evidence_service
from tests import filemakers
from tests.conftest import upload

pytestmark = pytest.mark.django_db

COMPLAINTS = ("Les reclamations des clients sont enregistrees par l'accueil.\n"
              "La responsable qualite repond sous huit jours.")
TRAINING = "Attestation de formation : sauveteur secouriste du travail, 14 heures."


def item(org, qm, title, description="", tags=(), files=(), api=None):
    created = evidence_service.create_evidence(qm, org, {
        "title": title, "description": description, "kind": "record",
        "effective_date": "2026-01-15", "tags": list(tags)})
    for path in files:
        with open(path, "rb") as handle:
            response = upload(api, created.pk, handle)
        assert response.status_code == 201, response.content
        assert verification.verify_revision(response.json()["id"]) == "verified"
    return created


def found(query: str, org=None) -> list[str]:
    items = EvidenceItem.objects.all()
    return list(search.ranked(items, search.parse(query)).values_list("title", flat=True))


@pytest.fixture
def vault(org, qm, api, media_root, tmp_path):
    complaint_pdf = filemakers.make_pdf(tmp_path / "reclamations.pdf", pages=1,
                                        text="Sommaire du manuel")
    # A second page holding the phrase: the excerpt must name page 2.
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Sommaire du manuel qualité")
    pdf.add_page()
    pdf.multi_cell(0, 8, "Les réclamations des clients sont enregistrées par l'accueil.")
    pdf.output(str(complaint_pdf))
    training = filemakers.make_txt(tmp_path / "sst.txt", text=TRAINING)
    return {
        "manual": item(org, qm, "Manuel qualité 2026", files=[complaint_pdf], api=api),
        "training": item(org, qm, "Attestation SST", tags=["formation"], files=[training], api=api),
        "review": item(org, qm, "Revue de direction", description="Réclamations : bilan annuel"),
    }


def test_a_phrase_only_inside_a_pdf_finds_it_with_or_without_accents(vault):
    assert found("réclamations enregistrées") == ["Manuel qualité 2026"]
    assert found("reclamations enregistrees") == ["Manuel qualité 2026"]
    assert found('"réclamations des clients"') == ["Manuel qualité 2026"]


def test_partial_words_match_as_prefixes(vault):
    assert found("secour") == ["Attestation SST"]
    assert found("enregistr") == ["Manuel qualité 2026"]


def test_title_outranks_description_and_content(vault):
    assert found("réclamations") == ["Revue de direction", "Manuel qualité 2026"]
    assert found("qualité") == ["Manuel qualité 2026"]


def test_tags_are_searched_and_excluded_words_remove_results(vault):
    assert found("formation") == ["Attestation SST"]
    assert found("réclamations -bilan") == ["Manuel qualité 2026"]


def test_excerpt_highlights_the_words_and_names_the_page(vault):
    manual = vault["manual"]
    excerpt = search.excerpts([manual.pk], search.parse("reclamations accueil"))[manual.pk]
    assert "<mark>réclamations</mark>" in excerpt.html
    assert "<mark>accueil</mark>" in excerpt.html
    assert excerpt.page == 2
    assert excerpt.file_name == "reclamations.pdf"


def test_excerpt_escapes_the_document_text(org, qm, api, media_root, tmp_path):
    hostile = filemakers.make_txt(
        tmp_path / "x.txt", text="Compte rendu : seuil 3 < 5 & 7 > 2 lors de l'audit interne")
    created = item(org, qm, "Notes", files=[hostile], api=api)
    excerpt = search.excerpts([created.pk], search.parse("audit"))[created.pk]
    assert "3 &lt; 5 &amp; 7 &gt; 2" in excerpt.html
    assert "<mark>audit</mark>" in excerpt.html


def test_a_renamed_item_is_found_by_its_new_title_at_once(vault, qm):
    evidence_service.update_evidence(qm, vault["review"], {"title": "Bilan de l'année"})
    assert found("bilan") == ["Bilan de l'année"]
    assert found("direction") == []


@pytest.mark.parametrize("query", [
    "'; DROP TABLE evidence_evidenceitem; --", "a & b | !c <-> d:*", "(((", 'NEAR("x" "y")',
    "réclam* OR qualité", "😀 qualité 🎉", "-", '"unterminated phrase', "col:value ^start",
])
def test_operators_and_sql_looking_text_are_read_as_words_or_refused(vault, query):
    try:
        results = found(query)
    except search.QueryRefused as refused:  # no word at all in it
        assert refused.code == "query_without_words"
    else:
        assert EvidenceItem.objects.count() == 3  # nothing dropped, whatever was typed
        assert all(title in {"Manuel qualité 2026", "Attestation SST", "Revue de direction"}
                   for title in results)


@pytest.mark.parametrize(("query", "code"), [
    ("x" * 10_000, "query_too_long"), ("😀 🎉 !!! ***", "query_without_words"),
    ("-qualité", "query_without_words"), (" ".join(f"mot{n}" for n in range(20)),
                                          "query_too_many_words"),
])
def test_unanswerable_queries_are_refused_with_a_code(query, code):
    with pytest.raises(search.QueryRefused) as refused:
        search.parse(query)
    assert refused.value.code == code
    assert str(refused.value.message)


def test_reindex_rebuilds_entries_lost_by_a_bulk_load(vault):
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:  # what a restore from an older dump leaves
        cursor.execute("DELETE FROM evidence_searchentry")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM evidence_search_fts")
    assert found("réclamations") == []
    call_command("reindex_search")
    assert found("réclamations") == ["Revue de direction", "Manuel qualité 2026"]


def test_a_search_leaves_the_planner_settings_of_the_transaction_as_they_were(vault):
    """The first matches are read with hash and merge joins off (PostgreSQL): for that statement
    only, even inside a longer transaction (a request's, a service's)."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's; SQLite reads the matches as a subquery")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_mergejoin = off")  # a caller's own choice is kept too
        assert found("réclamations") == ["Revue de direction", "Manuel qualité 2026"]
        cursor.execute("SELECT current_setting('enable_hashjoin'), "
                       "current_setting('enable_mergejoin')")
        assert cursor.fetchone() == ("on", "off")
