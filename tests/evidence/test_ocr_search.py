"""What OCR gives search (issue 14, "done when"): the demo's scanned certificate (a JPEG) is
found by the name written on it, typed without its accents; words read on the second page of
a scanned PDF are found with that page named."""

import pytest
from rest_framework.test import APIClient

from audit_prep.models import Membership
from checklists import demo
from evidence import search
from evidence.models import EvidenceItem
from tests import scanmakers
from tests.evidence.test_ocr import require_engine
from tests.evidence.test_ocr_pipeline import verify_and_read
from tests.evidence.test_pipeline import upload_path


def found(query: str) -> list[str]:
    items = EvidenceItem.objects.all()
    return list(search.ranked(items, search.parse(query)).values_list("title", flat=True))


def test_the_demos_scanned_certificate_is_found_by_the_name_on_it(
        db, settings, tmp_path, django_capture_on_commit_callbacks):
    require_engine()
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # verification, then OCR
        demo.seed()

    certificate = EvidenceItem.objects.get(title="Attestation SST — encadrant technique")
    [stored] = certificate.revisions.get().files.all()
    assert stored.mime_type == "image/jpeg"
    assert "Hélène Dupré" in stored.extracted_text.text
    assert found("helene dupre") == [certificate.title]
    quality_manager = Membership.objects.filter(organization=certificate.organization,
                                                role="quality_manager").first().user
    api = APIClient()
    api.force_authenticate(quality_manager)
    text = api.get(f"/api/v1/files/{stored.pk}/").json()["text"]
    assert (text["status"], text["source"]) == ("available", "ocr")


@pytest.mark.django_db
def test_words_read_on_a_scanned_page_are_found_with_their_page(
        api, evidence, tmp_path, django_capture_on_commit_callbacks):
    require_engine()
    pages = {1: ["Sommaire du manuel qualité"],
             2: ["Traitement des réclamations", "Chaque réclamation reçoit une réponse",
                 "sous huit jours ouvrés."]}
    scan = scanmakers.make_scanned_pdf(tmp_path / "manuel-scanne.pdf", pages=2, dpi=200,
                                       lines_of=pages.__getitem__)
    verify_and_read(upload_path(api, evidence, scan), django_capture_on_commit_callbacks)

    assert found("reclamation") == [evidence.title]
    excerpt = search.excerpts([evidence.pk], search.parse("reclamations"))[evidence.pk]
    assert excerpt.page == 2
    assert excerpt.file_name == "manuel-scanne.pdf"
