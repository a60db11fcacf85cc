"""The verification pipeline over real files uploaded through the API: hash, sniff, duplicate
note, text extraction and page count, step outcomes in the audit event, idempotence."""

import io
import zipfile

import pytest

from audit_prep.models import AuditEvent
from evidence import text_extraction, verification
from evidence.models import FileText, Revision, StoredFile, VerificationStatus
from tests import filemakers
from tests.conftest import upload
from tests.factories import EvidenceFactory


def upload_path(api, evidence, path, **fields) -> int:
    with open(path, "rb") as handle:
        response = upload(api, evidence.pk, handle, **fields)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def verified_file(revision_id) -> StoredFile:
    assert verification.verify_revision(revision_id) == VerificationStatus.VERIFIED
    return StoredFile.objects.get(revision_id=revision_id)


def text_of(stored_file) -> str:
    """The text the pipeline kept for search ("" when it kept none)."""
    row = FileText.objects.filter(stored_file=stored_file).first()
    return row.text if row else ""


def event_of(revision_id, action="revision.verified") -> dict:
    return AuditEvent.objects.get(action=action, object_id=str(revision_id)).after


def docx_with_table(path):
    import docx

    document = docx.Document()
    document.add_paragraph("Matrice des compétences")
    table = document.add_table(rows=2, cols=3)
    for column, word in enumerate(["Poste", "Compétence", "Habilitation"]):
        table.cell(0, column).text = word
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "Cariste"
    table.cell(1, 2).text = "CACES R489"
    document.save(str(path))
    return path


def broken_docx(path):
    """A DOCX accepted at upload (a zip with the OOXML content types) whose document part is
    not XML: its text cannot be extracted."""
    source = filemakers.make_docx(path.with_name("source.docx"))
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                data = b"<w:document this is not xml"
            zout.writestr(info, data)
    return path


def encrypted_pdf(path, user_password="secret"):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(filemakers.make_pdf(path.with_name("plain.pdf"), pages=2)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    with open(path, "wb") as out:
        writer.write(out)
    return path


# --------------------------------------------------------------------------- extraction by type


@pytest.mark.parametrize(
    ("name", "make", "expected", "pages"),
    [
        pytest.param("manuel.pdf", lambda p: filemakers.make_pdf(p, pages=3),
                     ["Audit evidence - quality manual", "Page 3 / 3"], 3, id="pdf"),
        pytest.param("procedure.docx", filemakers.make_docx,
                     ["Procédure qualité", "3. Audit evidence"], None, id="docx"),
        pytest.param("competences.docx", docx_with_table,
                     ["Matrice des compétences", "Poste\tCompétence\tHabilitation",
                      "Cariste\tCACES R489"], None, id="docx-table"),
        pytest.param("procedure.odt", filemakers.make_odt, ["Procédure qualité"], None,
                     id="odt"),
        pytest.param("indicateurs.xlsx", filemakers.make_xlsx,
                     ["Indicateurs", "Indicateur\tCible\tRéalisé", "Indicateur 5\t95\t95"], None,
                     id="xlsx"),
        pytest.param("procedure.txt", filemakers.make_txt,
                     ["Hélène Guérin", "« preuves »", "Œuvre collective"], None, id="txt"),
        pytest.param("mesures.csv", filemakers.make_csv, ["2025-01-05,Indicateur 5,95,95"],
                     None, id="csv"),
    ],
)
def test_text_and_page_count_are_stored(api, evidence, tmp_path, name, make, expected, pages):
    revision_id = upload_path(api, evidence, make(tmp_path / name))

    stored = verified_file(revision_id)

    for fragment in expected:
        assert fragment in text_of(stored)
    assert stored.page_count == pages
    assert stored.last_checked_at is not None
    assert not stored.integrity_error
    [step] = event_of(revision_id)["files"]
    assert step["file"] == stored.pk
    assert (step["read"], step["hash"], step["type"]) == ("ok", "ok", "ok")
    assert step["duplicates"] == []
    assert step["text_chars"] == len(text_of(stored))
    assert step["text_note"] == ""
    assert step["page_count"] == pages


def test_image_has_no_text_and_is_verified(api, evidence, tmp_path):
    revision_id = upload_path(api, evidence, filemakers.make_png(tmp_path / "photo.png"))
    stored = verified_file(revision_id)
    assert (text_of(stored), stored.page_count) == ("", None)
    assert event_of(revision_id)["files"][0]["text_note"] == "not_supported"


def test_every_file_of_a_revision_is_extracted(api, evidence, tmp_path):
    pdf = filemakers.make_pdf(tmp_path / "a.pdf", pages=2)
    xlsx = filemakers.make_xlsx(tmp_path / "b.xlsx")
    with open(pdf, "rb") as first, open(xlsx, "rb") as second:
        revision_id = upload(api, evidence.pk, first, second).json()["id"]
    assert verification.verify_revision(revision_id) == VerificationStatus.VERIFIED
    files = {f.name: f for f in StoredFile.objects.filter(revision_id=revision_id)}
    assert files["a.pdf"].page_count == 2
    assert "Indicateur 1" in text_of(files["b.xlsx"])
    assert [f["name"] for f in event_of(revision_id)["files"]] == ["a.pdf", "b.xlsx"]


# --------------------------------------------------------------------------- not rejections


def test_damaged_document_is_verified_with_empty_text(api, evidence, tmp_path):
    revision_id = upload_path(api, evidence, broken_docx(tmp_path / "abime.docx"))
    stored = verified_file(revision_id)
    assert (stored.extracted_text.text, stored.extracted_text.note) == ("", "damaged")
    assert Revision.objects.get(pk=revision_id).is_current
    assert event_of(revision_id)["files"][0]["text_note"] == "damaged"


def test_encrypted_pdf_is_verified_without_text(api, evidence, tmp_path):
    revision_id = upload_path(api, evidence, encrypted_pdf(tmp_path / "confidentiel.pdf"))
    stored = verified_file(revision_id)
    assert text_of(stored) == ""
    assert event_of(revision_id)["files"][0]["text_note"] == "encrypted"


def test_pdf_locked_by_an_owner_password_only_is_read(api, evidence, tmp_path):
    revision_id = upload_path(api, evidence,
                              encrypted_pdf(tmp_path / "protege.pdf", user_password=""))
    stored = verified_file(revision_id)
    assert "Page 2 / 2" in text_of(stored)
    assert stored.page_count == 2


def test_text_is_capped(api, evidence, tmp_path, monkeypatch):
    monkeypatch.setattr(text_extraction, "MAX_TEXT_CHARS", 100)
    revision_id = upload_path(api, evidence, filemakers.make_txt(tmp_path / "long.txt",
                                                                  text="é" * 5000))
    stored = verified_file(revision_id)
    assert text_of(stored) == "é" * 100
    assert event_of(revision_id)["files"][0]["text_note"] == "truncated"


def test_oversized_part_is_not_read(api, evidence, tmp_path, settings):
    settings.TEXT_EXTRACTION_MAX_PART_BYTES = 1000
    revision_id = upload_path(api, evidence, filemakers.make_docx(tmp_path / "gros.docx"))
    stored = verified_file(revision_id)
    assert text_of(stored) == ""
    assert event_of(revision_id)["files"][0]["text_note"] == "part_too_large"


def test_same_content_in_another_evidence_is_noted_not_rejected(api, org, qm, evidence,
                                                                tmp_path):
    pdf = filemakers.make_pdf(tmp_path / "attestation.pdf")
    first = upload_path(api, evidence, pdf)
    original = verified_file(first)
    other = EvidenceFactory(organization=org, created_by=qm, title="Autre preuve")
    second = upload_path(api, other, pdf, allow_duplicate="true")

    copy = verified_file(second)

    assert copy.sha256 == original.sha256
    assert Revision.objects.get(pk=second).is_current
    assert event_of(second)["files"][0]["duplicates"] == [
        {"file": original.pk, "evidence": evidence.pk, "revision": 1}]
    # The first upload had no twin when it was verified.
    assert event_of(first)["files"][0]["duplicates"] == []


# --------------------------------------------------------------------------- rejections


def test_altered_object_is_rejected_with_its_step(api, evidence, tmp_path, media_root):
    revision_id = upload_path(api, evidence, filemakers.make_pdf(tmp_path / "x.pdf"))
    stored = StoredFile.objects.get(revision_id=revision_id)
    (media_root / stored.storage_key).write_bytes(b"%PDF-1.4 altered %%EOF")

    assert verification.verify_revision(revision_id) == VerificationStatus.REJECTED

    [step] = event_of(revision_id, "revision.rejected")["files"]
    assert step["read"] == "ok"
    assert step["rejected"] == "hash_mismatch"
    assert "type" not in step and "text_chars" not in step
    stored.refresh_from_db()
    assert stored.last_checked_at is not None
    assert not FileText.objects.filter(stored_file=stored).exists()  # nothing extracted


def test_content_of_another_type_is_rejected(api, evidence, tmp_path):
    revision_id = upload_path(api, evidence, filemakers.make_txt(tmp_path / "note.txt"))
    StoredFile.objects.filter(revision_id=revision_id).update(mime_type="application/pdf")

    assert verification.verify_revision(revision_id) == VerificationStatus.REJECTED

    assert Revision.objects.get(pk=revision_id).rejection_reason == "content_mismatch"
    [step] = event_of(revision_id, "revision.rejected")["files"]
    assert (step["hash"], step["rejected"]) == ("ok", "content_mismatch")


def test_first_bad_file_stops_the_checks(api, evidence, tmp_path, media_root):
    a = filemakers.make_txt(tmp_path / "a.txt", text="premier fichier\n")
    b = filemakers.make_txt(tmp_path / "b.txt", text="second fichier\n")
    with open(a, "rb") as first, open(b, "rb") as second:
        revision_id = upload(api, evidence.pk, first, second).json()["id"]
    (media_root / StoredFile.objects.get(name="a.txt").storage_key).unlink()

    assert verification.verify_revision(revision_id) == VerificationStatus.REJECTED

    assert Revision.objects.get(pk=revision_id).rejection_reason == "stored_object_missing"
    assert [f["name"] for f in event_of(revision_id, "revision.rejected")["files"]] == ["a.txt"]


# --------------------------------------------------------------------------- idempotence


def test_second_run_writes_nothing_more(api, evidence, tmp_path):
    revision_id = upload_path(api, evidence, filemakers.make_pdf(tmp_path / "x.pdf", pages=3))
    stored = verified_file(revision_id)
    events = AuditEvent.objects.count()

    assert verification.verify_revision(revision_id) == VerificationStatus.VERIFIED

    assert AuditEvent.objects.count() == events
    again = StoredFile.objects.get(pk=stored.pk)
    assert (again.page_count, again.last_checked_at) == (stored.page_count, stored.last_checked_at)
    assert FileText.objects.filter(stored_file=stored).count() == 1


def test_the_worker_task_runs_the_pipeline(api, evidence, tmp_path):
    from workers.tasks import verify_revision

    revision_id = upload_path(api, evidence, filemakers.make_odt(tmp_path / "x.odt"))
    assert verify_revision.apply(args=[revision_id]).get() == "verified"
    assert "Procédure qualité" in text_of(StoredFile.objects.get(revision_id=revision_id))


# --------------------------------------------------------------------------- streaming helpers


class _Pipe(io.RawIOBase):
    """A readable stream that cannot seek, like a socket or a FIFO."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_stream_that_cannot_seek_is_spooled(tmp_path):
    data = filemakers.make_pdf(tmp_path / "x.pdf", pages=2).read_bytes()
    with text_extraction.seekable(_Pipe(data)) as handle:
        assert handle.seekable()
        assert verification.hash_stream(handle)[1] == len(data)
        extraction = text_extraction.extract(handle, "application/pdf")
    assert extraction.page_count == 2
    assert "Page 2 / 2" in extraction.text


def test_windows_1252_text_is_decoded(tmp_path):
    data = "Réalisé;Procédure;Œuvre\n".encode("cp1252")
    extraction = text_extraction.extract(io.BytesIO(data), "text/csv")
    assert extraction.text == "Réalisé;Procédure;Œuvre"


def test_nul_characters_are_dropped():
    extraction = text_extraction.extract(io.BytesIO(b"a\x00b\n"), "text/plain")
    assert extraction.text == "ab"
