"""Hostile documents (decision 0018): the committed bombs of tests/corpus/bad/ are accepted,
verified, and keep no text, with the reason in the API; each limit of the extraction child
(elements, part size, compression ratio, entities, memory, time) is hit for real."""

import io
import re
import zipfile
from pathlib import Path

import pytest

from evidence import isolated_extraction, ocr_results, text_extraction
from evidence.extracted import Limits, Note
from evidence.models import FileText, TextNote
from tests import bombmakers, filemakers
from tests.conftest import upload
from tests.evidence.test_pipeline import event_of, upload_path, verified_file

BAD = filemakers.BAD_CORPUS_DIR
WORKER_BUDGET_KB = 300 * 1024
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
GENEROUS = Limits(part_bytes=1 << 30, ratio=1 << 30, elements=1 << 40)


def isolated(name: str, mime_type: str, limits: Limits = Limits(),
             memory: int = 256 << 20, timeout: float = 30):
    with open(BAD / name, "rb") as handle:
        return isolated_extraction.extract(handle, mime_type, limits, memory, timeout)


@pytest.mark.parametrize(("name", "note"), [
    pytest.param(name, note, id=name) for name, (_, note) in bombmakers.BOMB_CORPUS.items()])
def test_a_bomb_is_verified_and_its_text_unavailable_with_the_reason(
        name, note, api, evidence, tmp_path):
    revision_id = upload_path(api, evidence, bombmakers.copy_bomb(name, tmp_path / name))

    stored = verified_file(revision_id)

    assert FileText.objects.get(stored_file=stored).text == ""
    [step] = event_of(revision_id)["files"]
    assert step["text_note"] == note
    if note == Note.NOT_SUPPORTED:  # an image is never decoded: no child is even started
        assert step["text_peak_kb"] is None
        # then it waits for OCR, which refuses it from its header alone (decision 0031)
        assert FileText.objects.get(stored_file=stored).note == Note.OCR_PENDING
        ocr_results.ocr_file(stored.pk)
        note = Note.IMAGE_TOO_LARGE if ocr_results.engine_problem() is None else (
            Note.OCR_UNAVAILABLE)
    else:
        assert 0 < step["text_peak_kb"] < WORKER_BUDGET_KB
    text = api.get(f"/api/v1/files/{stored.pk}/").json()["text"]
    assert text["status"] == "unavailable"
    assert text["reason"] == note
    assert text["reason_label"] == str(TextNote(note).label)


def test_the_reason_is_french_by_default_and_english_on_request(client_for, qm, evidence,
                                                                   tmp_path):
    name = "bomb_empty_paragraphs.odt"
    revision_id = upload_path(client_for(qm, "fr"), evidence,
                              bombmakers.copy_bomb(name, tmp_path / name))
    verified_file(revision_id)
    fr = client_for(qm, "fr").get(f"/api/v1/revisions/{revision_id}/").json()
    en = client_for(qm, "en").get(f"/api/v1/revisions/{revision_id}/").json()
    assert fr["files"][0]["text"]["reason"] == en["files"][0]["text"]["reason"] == (
        "compression_ratio")
    assert en["files"][0]["text"]["reason_label"] == (
        "A part of the document is compressed abnormally (a possible decompression bomb).")
    assert fr["files"][0]["text"]["reason_label"].startswith("Une partie du document")


def test_text_state_of_a_pending_a_complete_and_a_partial_file(api, evidence, tmp_path,
                                                               monkeypatch):
    revision_id = upload_path(api, evidence, filemakers.make_txt(tmp_path / "note.txt"))
    listed = api.get(f"/api/v1/evidence/{evidence.pk}/revisions/").json()["results"]
    assert listed[0]["files"][0]["text"] == {"status": "pending", "reason": None,
                                             "reason_label": None, "source": None}
    verified_file(revision_id)
    current = api.get(f"/api/v1/evidence/{evidence.pk}/").json()["current_revision"]
    assert current["files"][0]["text"]["status"] == "available"

    monkeypatch.setattr(text_extraction, "MAX_TEXT_CHARS", 10)
    partial = upload_path(api, evidence, filemakers.make_txt(tmp_path / "long.txt",
                                                             text="Rapport " * 10))
    verified_file(partial)
    text = api.get(f"/api/v1/revisions/{partial}/").json()["files"][0]["text"]
    assert (text["status"], text["reason"]) == ("partial", "truncated")


def test_every_bad_file_of_the_corpus_is_tested():
    """Each committed bad file is either refused by test_uploads.py or a bomb tested here."""
    source = (Path(__file__).parent / "test_uploads.py").read_text(encoding="utf-8")
    refused = set(re.findall(r'_corpus\("([^"]+)"', source))
    assert {path.name for path in BAD.iterdir()} == refused | set(bombmakers.BOMB_CORPUS)


def test_the_image_is_a_real_decompression_bomb_for_pillow():
    from PIL import Image

    with pytest.raises(Image.DecompressionBombError):
        Image.open(BAD / "bomb_pixels.png")


def test_streaming_holds_the_empty_paragraphs_without_any_guard():
    """With every guard lifted, the 1.6 million paragraphs are read in a few tens of MB (a few
    seconds of CPU; the time limit is raised for a loaded machine)."""
    extraction = isolated("bomb_empty_paragraphs.odt", ODT, GENEROUS, timeout=120)
    assert (extraction.text, extraction.note) == ("", Note.NONE)
    assert extraction.peak_kb < 100 * 1024


def test_the_element_count_stops_the_empty_paragraphs():
    limits = Limits(ratio=1 << 30, elements=100_000)
    assert isolated("bomb_empty_paragraphs.odt", ODT, limits).note == Note.TOO_MANY_ELEMENTS


def test_a_part_above_the_cap_is_not_read():
    limits = Limits(ratio=1 << 30, part_bytes=8 << 20)
    assert isolated("bomb_empty_paragraphs.odt", ODT, limits).note == Note.PART_TOO_LARGE


def test_entities_are_refused_even_within_every_limit():
    assert isolated("bomb_entities.docx", DOCX, GENEROUS).note == Note.XML_ENTITIES


def test_the_memory_limit_ends_a_child_that_inflates_too_much():
    """pypdf allowed to inflate the 64 MB content stream, in 160 MB of address space."""
    extraction = isolated("bomb_content_stream.pdf", PDF, GENEROUS, memory=160 << 20)
    assert extraction.note == Note.MEMORY_LIMIT
    assert extraction.text == ""


def test_the_time_limit_ends_a_slow_child():
    """1.6 million elements take seconds of CPU to stream: half a second is too little."""
    extraction = isolated("bomb_empty_paragraphs.odt", ODT, GENEROUS, timeout=0.5)
    assert extraction.note == Note.TIME_LIMIT


def test_a_stream_without_a_descriptor_is_handed_over_as_a_copy(tmp_path):
    data = filemakers.make_docx(tmp_path / "a.docx").read_bytes()
    extraction = isolated_extraction.extract(io.BytesIO(data), DOCX, Limits(), 256 << 20, 30)
    assert "Procédure qualité" in extraction.text


def test_the_parent_reads_no_more_than_the_text_cap(tmp_path):
    path = Path(filemakers.make_txt(tmp_path / "long.txt", text="é" * 5000))
    with open(path, "rb") as handle:
        extraction = isolated_extraction.extract(handle, "text/plain", Limits(text_chars=100),
                                                 256 << 20, 30)
    assert (extraction.text, extraction.note) == ("é" * 100, Note.TRUNCATED)


def test_an_oversized_content_types_part_is_refused_at_upload(api, evidence, tmp_path):
    """The upload check reads at most 1 MiB of [Content_Types].xml (a bomb there would be
    inflated by the web process, and padding could hide a macro type past what is read)."""
    source = filemakers.make_docx(tmp_path / "source.docx")
    with zipfile.ZipFile(source) as package:
        types = package.read("[Content_Types].xml")
    padded = types.replace(b"<Types ", b"<!--" + b" " * (2 << 20) + b"--><Types ", 1)
    path = bombmakers._replace_part(source, tmp_path / "gonfle.docx", "[Content_Types].xml",
                                    [padded])
    with open(path, "rb") as handle:
        response = upload(api, evidence.pk, handle)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "file_corrupt"


def test_a_dead_extraction_server_is_started_again(tmp_path):
    path = filemakers.make_txt(tmp_path / "note.txt")
    with open(path, "rb") as handle:
        isolated_extraction.extract(handle, "text/plain", Limits(), 256 << 20, 30)
        server = isolated_extraction._server
        assert server is not None
        server.process.kill()
        server.process.wait()
        extraction = isolated_extraction.extract(handle, "text/plain", Limits(), 256 << 20, 30)
    assert "Procédure de maîtrise des documents" in extraction.text
    assert isolated_extraction._server is not server
