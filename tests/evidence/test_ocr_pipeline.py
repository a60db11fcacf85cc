"""OCR of scans in the pipeline (decision 0031): after verification a scan waits for OCR
(`pending`, source `ocr`), the task reads it with the real tesseract and keeps its text beside
the file; a bad scan stays verified and downloadable with its reason, on the page and in the
API; nothing is read or enqueued twice; without the engine the pages say scans are not
searchable."""

import datetime

import pytest
import time_machine
from django.core import checks
from django.test import Client
from django.utils import timezone

from evidence import ocr, ocr_results, verification
from evidence.extracted import Note
from evidence.models import FileText, Revision, StoredFile, TextSource, VerificationStatus
from tests import bombmakers, filemakers, scanmakers
from tests.evidence.test_ocr import require_engine
from tests.evidence.test_pipeline import upload_path, verified_file
from tests.factories import EvidenceFactory
from workers.tasks import requeue_stuck_ocr

OCR_TASK = "workers.ocr_file"


def page_of(user, evidence, language="fr") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def text_block(api, stored) -> dict:
    return api.get(f"/api/v1/files/{stored.pk}/").json()["text"]


def verify_and_read(revision_id, capture) -> StoredFile:
    """Verify (the OCR task is sent after commit, run at once: eager Celery), return the file."""
    with capture(execute=True) as callbacks:
        stored = verified_file(revision_id)
    assert len(callbacks) == 1
    return StoredFile.objects.get(pk=stored.pk)


def test_a_scanned_certificate_is_found_by_the_name_written_on_it(
        api, qm, evidence, tmp_path, django_capture_on_commit_callbacks):
    require_engine()
    path = scanmakers.make_scan_image(tmp_path / "attestation-sst.png")
    revision_id = upload_path(api, evidence, path)

    with django_capture_on_commit_callbacks() as queued:
        stored = verified_file(revision_id)
    assert len(queued) == 1  # one OCR task, sent after commit
    assert text_block(api, stored) == {
        "status": "pending", "reason": "ocr_pending", "source": "ocr",
        "reason_label": "Le scan attend d'être lu par OCR."}
    assert "scan en attente de lecture par OCR" in page_of(qm, evidence)

    queued[0]()  # the task, run eagerly

    row = FileText.objects.get(stored_file=stored)
    assert "Hélène Dupré" in row.text
    assert (row.note, row.source) == (Note.NONE, TextSource.OCR)
    assert text_block(api, stored) == {"status": "available", "reason": None,
                                       "reason_label": None, "source": "ocr"}
    assert "Texte lu par OCR" in page_of(qm, evidence)
    assert "Text read by OCR from the scan" in page_of(qm, evidence, "en")
    assert Revision.objects.get(pk=revision_id).verification_status == VerificationStatus.VERIFIED


def test_a_scanned_pdf_is_read_and_a_pdf_with_text_is_not(
        api, evidence, tmp_path, django_capture_on_commit_callbacks):
    require_engine()
    scan = scanmakers.make_scanned_pdf(tmp_path / "manuel-scanne.pdf", pages=2, dpi=200)
    stored = verify_and_read(upload_path(api, evidence, scan),
                             django_capture_on_commit_callbacks)
    pages = stored.extracted_text.text.split("\f")
    assert len(pages) == 2 and "page 2" in pages[1]
    assert stored.page_count == 2

    typed = upload_path(api, evidence, filemakers.make_pdf(tmp_path / "manuel.pdf", pages=2))
    with django_capture_on_commit_callbacks() as queued:
        stored = verified_file(typed)
    assert queued == []
    assert stored.extracted_text.source == TextSource.EXTRACTED


def test_nothing_is_read_or_enqueued_twice(api, evidence, tmp_path,
                                           django_capture_on_commit_callbacks):
    require_engine()
    revision_id = upload_path(api, evidence, scanmakers.make_scan_image(tmp_path / "a.png"))
    stored = verify_and_read(revision_id, django_capture_on_commit_callbacks)
    text = stored.extracted_text.text

    with django_capture_on_commit_callbacks() as queued:
        assert verification.verify_revision(revision_id) == VerificationStatus.VERIFIED
    assert queued == []
    assert ocr_results.ocr_file(stored.pk) == "done"
    assert ocr_results.queue_scans(revision_id) == []
    assert FileText.objects.get(stored_file=stored).text == text


@pytest.mark.parametrize(("name", "make", "note"), [
    ("geant.png", bombmakers.make_png_huge_pixels, Note.IMAGE_TOO_LARGE),
    ("coupe.jpg", scanmakers.make_truncated_jpeg, Note.OCR_FAILED),
    ("illisible.pdf", scanmakers.make_unrenderable_pdf, Note.OCR_FAILED),
])
def test_a_bad_scan_stays_verified_and_downloadable_with_its_reason(
        name, make, note, api, qm, evidence, tmp_path, django_capture_on_commit_callbacks):
    require_engine()
    revision_id = upload_path(api, evidence, make(tmp_path / name))

    stored = verify_and_read(revision_id, django_capture_on_commit_callbacks)

    assert (stored.extracted_text.text, stored.extracted_text.note) == ("", note)
    assert Revision.objects.get(pk=revision_id).is_current
    assert api.get(f"/api/v1/files/{stored.pk}/download/").status_code == 200
    text = text_block(api, stored)
    assert (text["status"], text["reason"], text["source"]) == ("unavailable", note, "ocr")
    page = page_of(qm, evidence)
    assert "Texte illisible" in page
    assert text["reason_label"].replace("'", "&#x27;") in page
    assert "{#" not in page and "#}" not in page  # no template comment printed


def test_an_encrypted_pdf_keeps_its_reason_and_is_not_queued(
        api, evidence, tmp_path, django_capture_on_commit_callbacks):
    revision_id = upload_path(api, evidence,
                              scanmakers.make_encrypted_scan(tmp_path / "confidentiel.pdf"))
    with django_capture_on_commit_callbacks() as queued:
        stored = verified_file(revision_id)
    assert queued == []
    assert text_block(api, stored)["reason"] == Note.ENCRYPTED


@pytest.fixture
def no_ocr_engine(monkeypatch, tmp_path):
    """A machine without tesseract nor poppler: none of them on the PATH."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    ocr.engine_problem.cache_clear()
    yield
    ocr.engine_problem.cache_clear()


def test_without_the_engine_scans_are_kept_and_said_not_searchable(
        no_ocr_engine, api, qm, evidence, tmp_path, django_capture_on_commit_callbacks):
    revision_id = upload_path(api, evidence, scanmakers.make_scan_image(tmp_path / "a.png"))

    stored = verify_and_read(revision_id, django_capture_on_commit_callbacks)

    assert stored.extracted_text.note == Note.OCR_UNAVAILABLE
    assert text_block(api, stored)["reason_label"] == (
        "Le moteur d'OCR n'est pas installé : les scans ne sont pas cherchables.")
    page = page_of(qm, evidence)
    assert 'id="version-scans-notice"' in page  # beside the upload of a new version
    warnings = [message.id for message in checks.run_checks()]
    assert "evidence.W001" in warnings


def test_with_the_engine_no_notice_and_no_warning(qm, evidence):
    require_engine()
    assert "scans-notice" not in page_of(qm, evidence)
    assert "evidence.W001" not in [message.id for message in checks.run_checks()]


def test_the_sweep_sends_again_the_ocr_of_files_left_pending(org, qm):
    item = EvidenceFactory(organization=org, created_by=qm)
    revision = Revision.objects.create(evidence=item, number=1, created_by=qm)
    stored = StoredFile.objects.create(
        organization=org, revision=revision, name="a.png", size=1, mime_type="image/png",
        sha256="0" * 64, storage_key="o/x")
    FileText.objects.create(stored_file=stored, note=Note.OCR_PENDING, source=TextSource.OCR)
    later = timezone.now() + datetime.timedelta(minutes=ocr_results.STUCK_MINUTES + 1)

    assert ocr_results.requeue_stuck_ocr(timezone.now()) == []
    with time_machine.travel(later):
        assert requeue_stuck_ocr.apply().get() == "1"  # the beat's task, run eagerly
    # (the file's object does not exist: the OCR run eagerly ends it with a reason)
    assert FileText.objects.get(stored_file=stored).note == Note.OCR_FAILED


def test_scans_left_unread_without_the_engine_are_read_once_it_is_there(
        no_ocr_engine, api, evidence, tmp_path, django_capture_on_commit_callbacks, monkeypatch):
    revision_id = upload_path(api, evidence, scanmakers.make_scan_image(tmp_path / "a.png"))
    stored = verify_and_read(revision_id, django_capture_on_commit_callbacks)
    assert stored.extracted_text.note == Note.OCR_UNAVAILABLE
    assert ocr_results.requeue_stuck_ocr() == []  # still no engine: nothing to do

    monkeypatch.undo()  # the engine is installed (PATH as it was)
    ocr.engine_problem.cache_clear()
    require_engine()
    assert ocr_results.requeue_stuck_ocr() == [stored.pk]  # sent, and run eagerly

    assert "Hélène Dupré" in FileText.objects.get(stored_file=stored).text


TYPED = ("Procedure d'accueil des salaries en parcours d'insertion : entretien d'accueil, "
         "livret remis, feuille d'emargement signee en fin de session.")


def found(words: str) -> list[int]:
    from evidence import search
    from evidence.models import EvidenceItem

    return [item.pk for item in search.ranked(EvidenceItem.objects.all(), search.parse(words))]


def test_a_pdf_of_typed_and_scanned_pages_keeps_its_text_and_gets_its_scanned_page_read(
        api, qm, evidence, tmp_path, django_capture_on_commit_callbacks):
    from evidence import search

    require_engine()
    path = scanmakers.make_partly_scanned_pdf(tmp_path / "accueil-emargement.pdf", TYPED)
    revision_id = upload_path(api, evidence, path)

    with django_capture_on_commit_callbacks() as queued:
        stored = verified_file(revision_id)
    assert len(queued) == 1  # its scanned page is read by OCR
    assert text_block(api, stored)["status"] == "pending"
    assert text_block(api, stored)["source"] == "mixed"
    assert "ses pages scannées attendent d'être lues par OCR" in page_of(qm, evidence)
    assert found("accueil salaries") == [evidence.pk]  # its typed page, searchable meanwhile
    assert found("Mathilde Roussel") == []

    queued[0]()

    row = FileText.objects.get(stored_file=stored)
    typed, scanned = row.text.split("\f")
    assert "entretien d'accueil" in typed and "Roussel" not in typed
    assert "Mathilde Roussel" in scanned
    assert (row.note, row.source) == (Note.NONE, TextSource.MIXED)
    assert text_block(api, stored) == {"status": "available", "reason": None,
                                       "reason_label": None, "source": "mixed"}
    assert "ses pages scannées lues par OCR" in page_of(qm, evidence)
    assert "its scanned pages read by OCR" in page_of(qm, evidence, "en")
    assert found("Mathilde Roussel") == [evidence.pk]
    assert found("accueil salaries") == [evidence.pk]
    excerpt = search.excerpts([evidence.pk], search.parse("Mathilde Roussel"))[evidence.pk]
    assert excerpt.page == 2 and "<mark>Roussel</mark>" in excerpt.html


def test_without_the_engine_a_partly_scanned_pdf_keeps_its_typed_text_searchable(
        no_ocr_engine, api, qm, evidence, tmp_path, django_capture_on_commit_callbacks):
    # made before the engine goes: the maker needs no OCR, only Pillow, fpdf2 and pypdf
    path = scanmakers.make_partly_scanned_pdf(tmp_path / "accueil-emargement.pdf", TYPED)
    revision_id = upload_path(api, evidence, path)

    stored = verify_and_read(revision_id, django_capture_on_commit_callbacks)

    row = stored.extracted_text
    assert "entretien d'accueil" in row.text
    assert (row.note, row.source) == (Note.OCR_UNAVAILABLE, TextSource.MIXED)
    text = text_block(api, stored)
    assert (text["status"], text["reason"]) == ("partial", Note.OCR_UNAVAILABLE)
    assert "Texte extrait : cherchable, mais pas toutes ses pages scannées" in page_of(
        qm, evidence)
    assert found("accueil salaries") == [evidence.pk]
