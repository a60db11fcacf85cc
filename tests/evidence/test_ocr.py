"""The OCR engine's calls (evidence/ocr.py, decision 0031) with the real tesseract and poppler
over real scans made by Pillow (tests/scanmakers.py): French text with its accents, one form
feed between PDF pages, and every bad scan ending with a reason, quickly, the next file read
as usual."""

import dataclasses
import os
import time

import pytest

from evidence import ocr
from evidence.extracted import Note
from tests import bombmakers, filemakers, scanmakers

LIMITS = ocr.Limits()


def require_engine(languages: str = LIMITS.languages) -> None:
    """Skip when tesseract (with French) or poppler is missing; fail under CI."""
    problem = ocr.engine_problem(languages)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"OCR engine missing under CI: {problem}", pytrace=False)
        pytest.skip(f"OCR engine missing: {problem} (make system-packages installs it as root)")


@pytest.fixture(autouse=True)
def engine():
    require_engine()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_scanned_certificate_is_read_with_its_accents(tmp_path, fmt):
    path = scanmakers.make_scan_image(tmp_path / f"attestation.{fmt.lower()}", fmt=fmt)

    result = ocr.ocr_path(path, f"image/{fmt.lower()}", LIMITS)

    assert result.note == Note.NONE
    assert "Hélène Dupré" in result.text
    assert "ATTESTATION DE FORMATION" in result.text
    assert result.pages == 1


def test_a_scanned_pdf_is_read_page_by_page_with_one_form_feed_between_pages(tmp_path):
    path = scanmakers.make_scanned_pdf(tmp_path / "manuel.pdf", pages=3, dpi=200)

    result = ocr.ocr_path(path, ocr.PDF, LIMITS)

    assert result.note == Note.NONE
    pages = result.text.split("\f")
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        assert f"page {number}" in page
        assert "réclamation" in page
    assert result.pages == 3


def test_an_image_of_20000_by_20000_pixels_is_refused_from_its_header(tmp_path):
    path = bombmakers.make_png_huge_pixels(tmp_path / "geant.png")
    started = time.monotonic()

    result = ocr.ocr_path(path, ocr.PNG, LIMITS)

    assert (result.text, result.note) == ("", Note.IMAGE_TOO_LARGE)
    assert time.monotonic() - started < 1.0
    assert ocr.image_size(path) == (20_000, 20_000)


def test_image_sizes_come_from_the_headers(tmp_path):
    assert ocr.image_size(filemakers.make_png(tmp_path / "a.png", (640, 480))) == (640, 480)
    assert ocr.image_size(filemakers.make_jpeg(tmp_path / "a.jpg", (1200, 900))) == (1200, 900)
    not_an_image = tmp_path / "x.png"
    not_an_image.write_bytes(b"GIF89a" + b"\0" * 40)
    assert ocr.image_size(not_an_image) is None


def test_a_truncated_jpeg_is_not_read_and_the_next_scan_is(tmp_path):
    broken = scanmakers.make_truncated_jpeg(tmp_path / "coupe.jpg")
    assert ocr.ocr_path(broken, ocr.JPEG, LIMITS).note == Note.OCR_FAILED

    whole = scanmakers.make_scan_image(tmp_path / "entier.jpg", fmt="JPEG")
    assert "Hélène Dupré" in ocr.ocr_path(whole, ocr.JPEG, LIMITS).text


def test_an_encrypted_scan_says_so(tmp_path):
    path = scanmakers.make_encrypted_scan(tmp_path / "confidentiel.pdf")
    assert ocr.ocr_path(path, ocr.PDF, LIMITS).note == Note.ENCRYPTED


def test_a_pdf_poppler_cannot_open_fails_with_a_reason(tmp_path):
    path = scanmakers.make_unrenderable_pdf(tmp_path / "illisible.pdf")
    result = ocr.ocr_path(path, ocr.PDF, LIMITS)
    assert (result.text, result.note) == ("", Note.OCR_FAILED)


def test_children_that_run_out_of_memory_fail_the_pages_not_the_caller(tmp_path):
    path = scanmakers.make_scanned_pdf(tmp_path / "scan.pdf", pages=2)
    starved = dataclasses.replace(LIMITS, memory_bytes=48 << 20)

    result = ocr.ocr_path(path, ocr.PDF, starved)

    assert result.note == Note.OCR_FAILED
    assert result.page_notes == [Note.OCR_FAILED, Note.OCR_FAILED]
    assert "page 2" in ocr.ocr_path(path, ocr.PDF, LIMITS).text


def test_the_page_time_limit_stops_a_slow_page(tmp_path):
    path = scanmakers.make_scanned_pdf(tmp_path / "scan.pdf", pages=2)
    hurried = dataclasses.replace(LIMITS, page_seconds=0.05)

    result = ocr.ocr_path(path, ocr.PDF, hurried)

    assert result.note == Note.OCR_TIME_LIMIT
    assert result.page_notes == [Note.OCR_TIME_LIMIT, Note.OCR_TIME_LIMIT]


def test_the_file_time_limit_keeps_the_pages_read_in_time(tmp_path):
    path = scanmakers.make_scanned_pdf(tmp_path / "scan.pdf", pages=3, dpi=150)
    first = ocr.ocr_path(path, ocr.PDF, dataclasses.replace(LIMITS, dpi=150))
    one_page = first.seconds / 3
    limited = dataclasses.replace(LIMITS, dpi=150, file_seconds=one_page * 1.5)

    result = ocr.ocr_path(path, ocr.PDF, limited)

    assert result.note == Note.OCR_PARTIAL  # pages read in time are kept
    assert "page 1" in result.text.split("\f")[0]
    assert "page 3" not in result.text


def test_a_giant_pdf_page_is_refused_and_the_others_read(tmp_path):
    """A page of 200 x 200 inches (a blank page added by pypdf) would need 3.6 billion pixels
    at 300 dpi and is above the limit even at the lowest resolution read."""
    from pypdf import PdfWriter

    certificate = scanmakers.make_scan_image(tmp_path / "a.png")
    writer = PdfWriter()
    writer.append(_as_pdf(certificate, tmp_path / "a.pdf"))
    writer.add_blank_page(14400, 14400)
    path = tmp_path / "affiche.pdf"
    with open(path, "wb") as out:
        writer.write(out)
    pages = ocr.pdf_page_sizes(path, LIMITS, 10)
    assert pages[1] == (14400.0, 14400.0)
    assert ocr.page_dpi(*pages[1], LIMITS) is None
    assert ocr.page_dpi(595, 842, LIMITS) == 300

    result = ocr.ocr_path(path, ocr.PDF, LIMITS)

    assert result.note == Note.OCR_PARTIAL
    assert result.page_notes == [Note.NONE, Note.IMAGE_TOO_LARGE]
    assert "Hélène Dupré" in result.text.split("\f")[0]


def test_a_photo_without_text_says_no_text_was_found(tmp_path):
    path = filemakers.make_png(tmp_path / "photo.png", (320, 240))
    assert ocr.ocr_path(path, ocr.PNG, LIMITS).note == Note.OCR_NO_TEXT


def test_missing_language_data_makes_ocr_unavailable(tmp_path):
    assert "zzz" in ocr.engine_problem("fra+zzz")
    path = scanmakers.make_scan_image(tmp_path / "a.png")
    result = ocr.ocr_path(path, ocr.PNG, dataclasses.replace(LIMITS, languages="fra+zzz"))
    assert (result.text, result.note) == ("", Note.OCR_UNAVAILABLE)


def _as_pdf(image_path, path):
    from PIL import Image

    with Image.open(image_path) as image:
        image.save(path, format="PDF", resolution=200)
    return str(path)


def test_what_each_ending_says_of_the_text():
    from evidence.text_states import TextStatus

    assert TextStatus.of(Note.OCR_PENDING) == TextStatus.PENDING
    assert TextStatus.of(Note.OCR_PARTIAL) == TextStatus.PARTIAL
    for note in (Note.OCR_TIME_LIMIT, Note.IMAGE_TOO_LARGE, Note.OCR_FAILED, Note.OCR_NO_TEXT,
                 Note.OCR_UNAVAILABLE):
        assert TextStatus.of(note) == TextStatus.UNAVAILABLE
