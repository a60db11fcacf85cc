"""The evidence list page searches the files' text too: results best first with their excerpt,
file and page (linked to the file's preview), a count announced, the new filters, and a
refused search shown in the form with a 400, the page still usable; htmx gets the results."""

import re

import pytest
from django.test import Client

from checklists.models import EvidenceLink
from tests.checklists.conftest import make_referential

from .corpus import PHRASE, add_item, complaints_pdf, paged_pdf

pytestmark = pytest.mark.django_db

URL = "/evidence/"


@pytest.fixture
def browser(qm):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(qm)
    return client


@pytest.fixture
def vault(org, qm, api, media_root, tmp_path):
    return {
        "procedure": add_item(org, qm, api, "Procédure qualité",
                              files=[complaints_pdf(tmp_path)], kind="document"),
        "register": add_item(org, qm, api, "Registre des réclamations"),
        "other": add_item(org, qm, api, "Attestation SST"),
    }


def rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/evidence/\d+/">([^<]+)</a>', html)


def test_words_inside_a_pdf_show_the_excerpt_the_file_and_the_page(vault, browser):
    response = browser.get(URL, {"q": "reclamations enregistrees"})
    html = response.content.decode()
    assert response.status_code == 200
    assert rows(html) == ["Procédure qualité"]
    assert "<mark>réclamations</mark>" in html
    assert "procedure-reclamations.pdf" in html
    stored = vault["procedure"].revisions.get().files.get()
    assert f'href="/files/{stored.pk}/preview/#page=2">page 2</a>' in html
    assert re.search(r'id="results-status" role="status" aria-live="polite">1 ', html)
    assert '<label for="evidence-q">' in html


def test_results_come_best_first_and_an_order_chosen_wins(vault, browser):
    assert rows(browser.get(URL, {"q": "réclamations"}).content.decode()) == [
        "Registre des réclamations", "Procédure qualité"]
    assert rows(browser.get(URL, {"q": "réclamations", "ordering": "title"}).content.decode()) \
        == ["Procédure qualité", "Registre des réclamations"]


def test_filters_combine_with_the_words(vault, browser, qm):
    referential, requirements = make_referential()
    EvidenceLink.objects.create(evidence=vault["register"], requirement=requirements["7.2"],
                                created_by=qm)
    html = browser.get(URL, {"q": "réclamations", "referential": referential.pk}).content.decode()
    assert rows(html) == ["Registre des réclamations"]
    html = browser.get(URL, {"q": "réclamations", "kind": "document"}).content.decode()
    assert rows(html) == ["Procédure qualité"]
    html = browser.get(URL, {"q": "", "effective_after": "2027-01-01", "referential": "",
                             "owner": "", "updated_before": ""}).content.decode()
    assert rows(html) == []
    # the form as sent with every filter left empty ("all"): every item, no refusal
    empty = {name: "" for name in ("referential", "status", "kind", "owner", "ordering",
                                   "effective_after", "valid_until_before")}
    response = browser.get(URL, {**empty, "q": "réclamations"})
    assert response.status_code == 200
    assert rows(response.content.decode()) == ["Registre des réclamations", "Procédure qualité"]


@pytest.mark.parametrize(("words", "message"), [
    ("x" * 10_000, "trop longue"), ("😀🎉", "au moins un mot"), ("-x", "au moins un mot")])
def test_a_refused_search_is_a_message_in_the_form(vault, browser, words, message):
    response = browser.get(URL, {"q": words})
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index('<form class="filters"')
    form = html[start:html.index("</form>", start)]
    assert 'id="evidence-q-errors" role="alert"' in form and message in form
    assert 'aria-invalid="true"' in form
    assert rows(html) == []
    assert browser.get(URL, {"q": "réclamations"}).status_code == 200  # still usable


def test_htmx_gets_the_results_the_count_and_the_words_box(vault, browser):
    response = browser.get(URL, {"q": "accueil"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<form" not in html and rows(html) == ["Procédure qualité"]
    assert 'id="results-status" role="status" aria-live="polite" hx-swap-oob="true"' in html
    refused = browser.get(URL, {"q": "-x"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert 'id="search-field" hx-swap-oob="true"' in refused.content.decode()


def test_another_structures_items_never_appear(vault, browser, other_org, outsider,
                                               client_for, tmp_path):
    add_item(other_org, outsider, client_for(outsider), "Procédure du voisin",
             files=[paged_pdf(tmp_path / "voisin.pdf", [PHRASE])])
    assert rows(browser.get(URL, {"q": "accueil chantier"}).content.decode()) == [
        "Procédure qualité"]


def test_excerpts_cost_the_same_queries_for_one_result_or_many(org, qm, api, browser,
                                                                media_root, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_item(org, qm, api, "Premier", files=[paged_pdf(tmp_path / "a.pdf", [PHRASE])])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(URL, {"q": "accueil"}).status_code == 200
        return len(captured)

    one = queries()
    for number in range(4):
        add_item(org, qm, api, f"Autre {number}",
                 files=[paged_pdf(tmp_path / f"b{number}.pdf", [f"Sommaire {number}", PHRASE])])
    assert len(rows(browser.get(URL, {"q": "accueil"}).content.decode())) == 5
    assert queries() == one


def test_a_search_answering_the_most_it_ranks_says_so_and_asks_for_a_word_more(
        vault, qm, monkeypatch):
    from evidence import search

    monkeypatch.setattr(search, "RANKED_AT_MOST", 2)  # 1,000 in use: the same rule, smaller
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(qm)
    html = browser.get(URL, {"q": "qualité réclamations"}).content.decode()
    assert len(rows(html)) == 1
    assert "1 item holds these words" in html
    html = browser.get(URL, {"q": "réclamations"}).content.decode()
    assert len(rows(html)) == 2
    assert "At least 2 items hold these words: the first 2 found are shown" in html
