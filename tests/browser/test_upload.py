"""Adding evidence in a real browser: files dropped on the drop zone (a `drop` event carrying a
DataTransfer of real files, as a person's drag and drop does) or chosen with its file input,
each sent in its own request with its own progress bar and result. The first test goes on as the
issue's story does: one of the dropped documents is tagged to ISO 9001 7.2, which turns from
missing to pending, then covered once the document is approved."""

import base64

import pytest
from playwright.sync_api import expect

from evidence.models import EvidenceItem
from tests.filemakers import make_elf, make_pdf

from .conftest import blocking_violations
from .test_item_actions import _status_of_7_2

pytestmark = pytest.mark.browser

DROP = """(files) => {
    const transfer = new DataTransfer();
    for (const file of files) {
        const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], file.name, {type: file.type}));
    }
    return transfer;
}"""


def _drop(page, selector: str, *paths) -> None:
    """Drop files on an element as the browser does at the end of a drag and drop, once the
    page's scripts have run (under load the heading shows before the drop zone listens)."""
    page.wait_for_load_state("load")
    files = [{"name": path.name, "type": "application/pdf",
              "data": base64.b64encode(path.read_bytes()).decode()} for path in paths]
    transfer = page.evaluate_handle(DROP, files)
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def test_quality_manager_drops_two_pdfs_and_gets_two_items(page, live_server, structure,
                                                          sign_in, screenshot, media_root,
                                                          tmp_path):
    first = make_pdf(tmp_path / "revue_de_direction_2026.pdf", text="Revue de direction")
    second = make_pdf(tmp_path / "plan-de-formation.pdf", text="Plan de formation")
    sign_in()
    page.goto(f"{live_server.url}/structures/{structure.pk}/")
    page.get_by_role("link", name="Ajouter des preuves").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter des preuves")

    _drop(page, "[data-drop-zone]", first, second)
    titles = page.get_by_label("Titre de la preuve")
    expect(titles).to_have_count(2)
    expect(titles.first).to_have_value("revue de direction 2026")
    titles.first.fill("Procédure de gestion des compétences")
    # documents to maintain count once approved (records once their file is verified)
    page.get_by_label("Nature de la preuve").select_option("document")
    page.get_by_role("button", name="Envoyer les fichiers").click()

    results = page.locator("li.upload-draft[data-outcome=created]")
    expect(results).to_have_count(2)
    expect(page.get_by_role("progressbar", name="Envoi — plan-de-formation.pdf")
           ).to_have_attribute("value", "100")
    expect(page.get_by_role("status").filter(has_text="enregistré")).to_contain_text(
        "2 fichier(s) enregistré(s) sur 2.")
    expect(page.get_by_role("heading", name="Fichiers à envoyer")).to_be_focused()
    assert blocking_violations(page) == []
    screenshot("evidence-add-results")

    items = EvidenceItem.objects.filter(organization=structure).order_by("pk")
    assert [(item.title, item.kind) for item in items] == [
        ("Procédure de gestion des compétences", "document"), ("plan-de-formation", "document")]
    page.get_by_role("link", name="Procédure de gestion des compétences").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Procédure de gestion des compétences")
    expect(page.get_by_role("link", name="revue_de_direction_2026.pdf", exact=True)).to_be_visible()
    item_page = page.url

    # The path, on from the drop: tag it to ISO 9001 7.2, missing -> pending -> covered.
    assert _status_of_7_2(page, live_server, structure) == "Manquant"
    page.goto(item_page)
    page.get_by_label("Article ou mots de l'exigence").fill("7.2")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("button", name="Lier à ISO 9001:2015 7.2").click()
    expect(page.locator("#messages")).to_contain_text("Reliée à ISO 9001:2015 7.2.")
    assert _status_of_7_2(page, live_server, structure) == "En attente"
    page.goto(item_page)
    page.get_by_role("button", name="Approuver").click()
    expect(page.locator("#messages")).to_contain_text("Approuvée")
    assert _status_of_7_2(page, live_server, structure) == "Couvert"


def test_a_renamed_executable_is_reported_and_the_pdf_beside_it_kept(page, live_server,
                                                                     structure, sign_in,
                                                                     media_root, tmp_path):
    pdf = make_pdf(tmp_path / "procedure-accueil.pdf")
    executable = make_elf(tmp_path / "facture.pdf")
    sign_in()
    page.goto(f"{live_server.url}/structures/{structure.pk}/evidence/new/")
    page.get_by_label("Fichiers", exact=True).set_input_files([executable, pdf])
    page.get_by_role("button", name="Envoyer les fichiers").click()

    refused = page.locator("li.upload-draft[data-outcome=refused]")
    expect(refused).to_contain_text("facture.pdf")
    expect(refused).to_contain_text("Refusé")
    expect(refused).to_contain_text("Le contenu du fichier est d'un type qui n'est pas accepté.")
    expect(refused).to_contain_text("content_type_not_allowed")
    kept = page.locator("li.upload-draft[data-outcome=created]")
    expect(kept).to_contain_text("procedure-accueil.pdf")
    expect(kept.get_by_role("link", name="procedure-accueil")).to_be_visible()
    assert list(EvidenceItem.objects.values_list("title", flat=True)) == ["procedure-accueil"]


def test_a_file_already_held_links_to_its_item_and_can_be_sent_anyway(page, live_server,
                                                                      structure, sign_in,
                                                                      media_root, tmp_path):
    pdf = make_pdf(tmp_path / "registre.pdf")
    sign_in()
    page.goto(f"{live_server.url}/structures/{structure.pk}/evidence/new/")
    page.get_by_label("Fichiers", exact=True).set_input_files([pdf])
    page.get_by_role("button", name="Envoyer les fichiers").click()
    expect(page.locator("li.upload-draft[data-outcome=created]")).to_have_count(1)

    page.get_by_label("Fichiers", exact=True).set_input_files([pdf])
    page.get_by_role("button", name="Envoyer les fichiers").click()
    duplicate = page.locator("li.upload-draft[data-outcome=duplicate]")
    expect(duplicate).to_contain_text("Déjà dans le coffre")
    expect(duplicate.get_by_role("link", name="registre")).to_have_attribute(
        "href", f"/evidence/{EvidenceItem.objects.get().pk}/")
    duplicate.get_by_role("button", name="Envoyer quand même").click()
    expect(page.locator("li.upload-draft[data-outcome=created]")).to_have_count(2)
    assert EvidenceItem.objects.count() == 2


def test_a_new_version_is_dropped_on_the_item_page(page, live_server, structure, sign_in,
                                                   media_root, tmp_path):
    import datetime

    from audit_prep.models import Membership

    manager = Membership.objects.get(organization=structure).user
    item = EvidenceItem.objects.create(organization=structure, title="Procédure d'accueil",
                                       kind="document", effective_date=datetime.date(2026, 1, 5),
                                       created_by=manager)
    procedure = make_pdf(tmp_path / "procedure-accueil-v1.pdf", text="Accueil")
    annex = make_pdf(tmp_path / "annexe-livret.pdf", text="Livret")
    sign_in()
    page.goto(f"{live_server.url}/evidence/{item.pk}/")
    version = page.get_by_role("region", name="Nouvelle version")
    expect(version).to_be_visible()
    assert blocking_violations(page) == []

    _drop(page, "form[data-mode=version] [data-drop-zone]", procedure, annex)
    version.get_by_label("Ce qui a changé").fill("Livret d'accueil ajouté")
    version.get_by_role("button", name="Ajouter la version").click()

    kept = version.locator("li.upload-draft[data-outcome=created]")
    expect(kept).to_have_count(2)
    expect(kept.first).to_contain_text("Conservé dans la version 1")
    version.get_by_role("link", name="Procédure d'accueil").first.click()
    expect(page.get_by_role("heading", name="Version 1")).to_be_visible()
    expect(page.get_by_text("Livret d'accueil ajouté")).to_be_visible()
    expect(page.get_by_role("link", name="annexe-livret.pdf", exact=True)).to_be_visible()
