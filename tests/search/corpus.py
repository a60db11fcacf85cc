"""A small vault for the search tests of the API and the pages: items made through the
services, with real files (a PDF made by fpdf2 whose second page holds a phrase, a text file),
verified for real, so that their text is extracted and indexed as after any upload."""

from fpdf import FPDF

from evidence import verification
from evidence.services import evidence as evidence_service
from tests.conftest import upload

PHRASE = "Les réclamations des clients sont enregistrées par l'accueil du chantier."


def paged_pdf(path, pages: list[str]):
    """A real PDF with one page per text (Latin-1)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def add_item(org, user, client, title, *, files=(), description="", tags=(), **fields):
    """An item of `org` created by `user`, with `files` uploaded through `client` (the API as
    that user) and verified."""
    created = evidence_service.create_evidence(user, org, {
        "title": title, "description": description, "kind": fields.pop("kind", "record"),
        "effective_date": fields.pop("effective_date", "2026-01-15"), "tags": list(tags),
        **fields})
    for path in files:
        with open(path, "rb") as handle:
            response = upload(client, created.pk, handle)
        assert response.status_code == 201, response.content
        assert verification.verify_revision(response.json()["id"]) == "verified"
    return created


def complaints_pdf(tmp_path, name="procedure-reclamations.pdf"):
    """Page 1: a table of contents; page 2: the phrase (only there, nowhere in a title)."""
    return paged_pdf(tmp_path / name, ["Sommaire de la procédure", PHRASE])
