"""Uploads: real files accepted with their sniffed type, every bad input refused with a stable
code and nothing stored (no row, no object, no audit event)."""

import hashlib
import io
import shutil

import pytest
from django.db import DatabaseError

from audit_prep.models import AuditEvent
from evidence import sweeps
from evidence.models import Revision, StoredFile
from tests import filemakers
from tests.conftest import stored_objects, upload
from tests.factories import EvidenceFactory

BAD = filemakers.BAD_CORPUS_DIR

GOOD_FILES = [
    (filemakers.make_pdf, "procedure.pdf", "application/pdf"),
    (filemakers.make_docx, "procedure.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (filemakers.make_xlsx, "objectifs.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (filemakers.make_pptx, "revue.pptx",
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (filemakers.make_odt, "compte-rendu.odt", "application/vnd.oasis.opendocument.text"),
    (filemakers.make_ods, "suivi.ods", "application/vnd.oasis.opendocument.spreadsheet"),
    (filemakers.make_odp, "presentation.odp", "application/vnd.oasis.opendocument.presentation"),
    (filemakers.make_doc, "ancien.doc", "application/msword"),
    (filemakers.make_xls, "ancien.xls", "application/vnd.ms-excel"),
    (filemakers.make_txt, "note.txt", "text/plain"),
    (filemakers.make_csv, "liste.csv", "text/csv"),
    (lambda p: filemakers.make_csv(p, delimiter=";"), "export-excel-fr.csv", "text/plain"),
    (filemakers.make_png, "photo.png", "image/png"),
    (filemakers.make_jpeg, "photo.jpg", "image/jpeg"),
    (filemakers.make_jpeg, "photo.jpeg", "image/jpeg"),
    (filemakers.make_eml, "courriel.eml", "message/rfc822"),
]


@pytest.mark.parametrize(("maker", "name", "mime_type"), GOOD_FILES,
                         ids=[name for _m, name, _t in GOOD_FILES])
def test_real_files_are_accepted_with_their_sniffed_type(
    maker, name, mime_type, api, evidence, media_root, tmp_path
):
    path = maker(tmp_path / name)
    data = path.read_bytes()
    with path.open("rb") as handle:
        response = upload(api, evidence.pk, handle, note="Première version")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == 1
    assert body["verification_status"] == "pending"
    [file_info] = body["files"]
    assert file_info["name"] == name
    assert file_info["mime_type"] == mime_type
    assert file_info["size"] == len(data)
    assert file_info["sha256"] == hashlib.sha256(data).hexdigest()
    stored = StoredFile.objects.get()
    assert (media_root / stored.storage_key).read_bytes() == data
    assert stored.storage_key == f"o/{evidence.organization_id}/{stored.sha256[:2]}/{stored.sha256}"


def test_xlsx_needing_more_than_2kib_to_sniff_is_recognised(api, evidence, media_root, tmp_path):
    path = filemakers.make_xlsx(tmp_path / "grand.xlsx", rows=50)
    import magic

    assert magic.from_buffer(path.read_bytes()[:2048], mime=True) == "application/zip"
    with path.open("rb") as handle:
        response = upload(api, evidence.pk, handle)
    assert response.status_code == 201
    assert response.json()["files"][0]["mime_type"].endswith("spreadsheetml.sheet")


def _corpus(name, as_name=None):
    data = (BAD / name).read_bytes()
    return (as_name or name, data)


def _renamed(maker, as_name):
    def build(tmp_path):
        path = maker(tmp_path / ("source-" + as_name))
        return (as_name, path.read_bytes())

    return build


BAD_INPUTS = [
    ("executable renamed .pdf", lambda t: _corpus("executable_renamed.pdf"), 400,
     "content_type_not_allowed"),
    ("windows executable renamed .pdf", lambda t: _corpus("windows_exe_renamed.pdf"), 400,
     "content_type_not_allowed"),
    ("HTML with script renamed .pdf", lambda t: _corpus("html_script_renamed.pdf"), 400,
     "content_type_not_allowed"),
    ("SVG with script renamed .pdf", lambda t: _corpus("svg_script_renamed.pdf"), 400,
     "content_type_not_allowed"),
    ("zip renamed .docx", lambda t: _corpus("zip_renamed.docx"), 400, "content_type_not_allowed"),
    ("macro-enabled .docm", lambda t: _corpus("macro.docm"), 400, "macro_not_allowed"),
    ("macro-enabled .xlsm", lambda t: _corpus("macro.xlsm"), 400, "macro_not_allowed"),
    ("docm renamed .docx", lambda t: _corpus("macro.docm", "lettre.docx"), 400,
     "macro_not_allowed"),
    ("xlsm renamed .xlsx", lambda t: _corpus("macro.xlsm", "tableau.xlsx"), 400,
     "macro_not_allowed"),
    ("empty file", lambda t: _corpus("empty.pdf"), 400, "file_empty"),
    ("truncated PDF", lambda t: _corpus("truncated.pdf"), 400, "pdf_truncated"),
    ("PDF named .docx", _renamed(filemakers.make_pdf, "rapport.docx"), 400, "content_mismatch"),
    ("PNG named .pdf", _renamed(filemakers.make_png, "scan.pdf"), 400, "content_mismatch"),
    ("no extension", _renamed(filemakers.make_pdf, "rapport"), 400, "extension_missing"),
    ("path traversal name", lambda t: ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
     400, "extension_missing"),
    ("windows path traversal", lambda t: ("..\\..\\boot.ini", b"[boot loader]\n"), 400,
     "extension_not_allowed"),
    ("executable extension", lambda t: ("setup.exe", b"MZ" + b"\0" * 200), 400,
     "extension_not_allowed"),
    ("name of dots only", lambda t: ("....", b"bonjour"), 400, "file_name_invalid"),
]


@pytest.mark.parametrize(("label", "build", "status", "code"), BAD_INPUTS,
                         ids=[row[0] for row in BAD_INPUTS])
def test_bad_files_are_refused_and_nothing_is_stored(
    label, build, status, code, api, evidence, nothing_stored, tmp_path
):
    response = upload(api, evidence.pk, build(tmp_path))
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    nothing_stored()


def test_bad_file_among_good_ones_refuses_the_whole_upload(api, evidence, nothing_stored,
                                                           tmp_path):
    good = filemakers.make_pdf(tmp_path / "ok.pdf").read_bytes()
    response = upload(api, evidence.pk, ("ok.pdf", good), _corpus("html_script_renamed.pdf"))
    assert response.status_code == 400
    assert response.json()["error"]["details"]["file"] == "html_script_renamed.pdf"
    nothing_stored()


def test_rejection_messages_are_french_by_default_and_english_on_request(
    client_for, qm, evidence, nothing_stored
):
    fr = upload(client_for(qm, "fr"), evidence.pk, _corpus("empty.pdf")).json()["error"]
    en = upload(client_for(qm, "en"), evidence.pk, _corpus("empty.pdf")).json()["error"]
    assert fr["code"] == en["code"] == "file_empty"
    assert en["message"] == "The file is empty."
    assert fr["message"] == "Le fichier est vide."
    nothing_stored()


def test_multipart_without_file_is_refused(api, evidence, nothing_stored):
    response = api.post(f"/api/v1/evidence/{evidence.pk}/revisions/", {"note": "oubli"},
                        format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "file_required"
    nothing_stored()


def test_file_over_the_cap_is_stopped_while_streaming(api, evidence, nothing_stored, settings,
                                                      tmp_path):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    path = filemakers.make_large_pdf(tmp_path / "gros.pdf", 200 * 1024)
    with path.open("rb") as handle:
        response = upload(api, evidence.pk, handle)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "file_too_large"
    assert error["details"]["limit_bytes"] == 64 * 1024
    nothing_stored()


def test_handler_keeps_nothing_past_the_cap(settings):
    from evidence.upload_handlers import HashingUploadHandler

    settings.UPLOAD_MAX_BYTES = 10
    handler = HashingUploadHandler()
    handler.new_file("files", "a.txt", "text/plain", 30)
    for start in range(0, 30, 5):
        handler.receive_data_chunk(b"x" * 5, start)
    result = handler.file_complete(30)
    assert result.too_large is True
    assert result.size == 30
    result.seek(0, io.SEEK_END)
    assert result.tell() == 0  # the kept bytes were dropped


def test_request_larger_than_all_caps_is_refused_before_reading(api, evidence, settings,
                                                                nothing_stored):
    settings.UPLOAD_MAX_BYTES = 1024
    settings.UPLOAD_MAX_FILES = 1
    body = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n"
    body += b"x" * (2 * 1024 * 1024) + b"\r\n--b--\r\n"
    response = api.generic("POST", f"/api/v1/evidence/{evidence.pk}/revisions/", body,
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    nothing_stored()


@pytest.mark.parametrize(("raw_name", "expected"), [
    ("rap\x00port\x07.pdf", "rapport.pdf"),
    ("Proce\u0301dure qualite\u0301.pdf", "Procédure qualité.pdf"),
    ("facture\u202efdp.exe.pdf", "facturefdp.exe.pdf"),
    ("  .cache.pdf", "cache.pdf"),
    ("a<b>c:d|e?.pdf", "a_b_c_d_e_.pdf"),
    ("C:\\Users\\camille\\Bureau\\politique.pdf", "politique.pdf"),
])
def test_names_are_sanitised(raw_name, expected, api, evidence, media_root, tmp_path):
    data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
    response = upload(api, evidence.pk, (raw_name, data))
    assert response.status_code == 201, response.json()
    assert response.json()["files"][0]["name"] == expected


def test_long_names_are_cut_keeping_the_extension(api, evidence, media_root, tmp_path):
    data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
    response = upload(api, evidence.pk, ("é" * 300 + ".pdf", data))
    assert response.status_code == 201
    name = response.json()["files"][0]["name"]
    assert len(name) == 200
    assert name.endswith("é.pdf")


def test_lying_content_type_header_is_ignored(api, evidence, media_root, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
    response = upload(api, evidence.pk, SimpleUploadedFile("vrai.pdf", pdf, "text/html"))
    assert response.json()["files"][0]["mime_type"] == "application/pdf"
    html = (BAD / "html_script_renamed.pdf").read_bytes()
    response = upload(api, evidence.pk, SimpleUploadedFile("faux.pdf", html, "application/pdf"))
    assert response.json()["error"]["code"] == "content_type_not_allowed"


def test_polyglot_pdf_is_served_only_as_an_attachment(api, evidence, media_root):
    """A PDF that also carries HTML is a valid PDF: accepted, but never rendered inline."""
    response = upload(api, evidence.pk, _corpus("polyglot_pdf_html.pdf"))
    assert response.status_code == 201
    download = api.get(response.json()["files"][0]["download_url"])
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


class TestDuplicates:
    """Policy: the same content already held by the same structure is refused with 409 and a
    link to what holds it, unless the user sends allow_duplicate=true. The content is stored
    once either way. Other structures' files are never consulted."""

    def test_duplicate_in_the_structure_is_reported_with_a_link(self, api, org, qm, evidence,
                                                                media_root, tmp_path):
        data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
        assert upload(api, evidence.pk, ("original.pdf", data)).status_code == 201
        other = EvidenceFactory(organization=org, created_by=qm)
        response = upload(api, other.pk, ("copie.pdf", data))
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "duplicate_content"
        [holder] = error["details"]["existing"]
        assert holder["evidence_id"] == evidence.pk
        assert holder["file_name"] == "original.pdf"
        assert holder["evidence_url"] == f"/api/v1/evidence/{evidence.pk}/"
        assert other.revisions.count() == 0

    def test_allow_duplicate_keeps_one_stored_object(self, api, org, qm, evidence, media_root,
                                                     tmp_path):
        data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
        upload(api, evidence.pk, ("original.pdf", data))
        other = EvidenceFactory(organization=org, created_by=qm)
        response = upload(api, other.pk, ("copie.pdf", data), allow_duplicate="true")
        assert response.status_code == 201
        assert StoredFile.objects.count() == 2
        assert len(stored_objects(media_root)) == 1

    def test_same_file_twice_in_one_request_is_refused(self, api, evidence, nothing_stored,
                                                       tmp_path):
        data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
        response = upload(api, evidence.pk, ("a.pdf", data), ("b.pdf", data))
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "duplicate_in_request"
        nothing_stored()

    def test_other_structures_content_is_not_revealed(self, client_for, outsider, other_org,
                                                      api, evidence, media_root, tmp_path):
        data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
        assert upload(api, evidence.pk, ("a.pdf", data)).status_code == 201
        theirs = EvidenceFactory(organization=other_org, created_by=outsider)
        response = upload(client_for(outsider), theirs.pk, ("b.pdf", data))
        assert response.status_code == 201


class TestFailures:
    def test_storage_failure_leaves_no_row(self, api, org, evidence, nothing_stored,
                                           monkeypatch, tmp_path):
        from django.core.files.storage import FileSystemStorage

        def broken(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(FileSystemStorage, "_save", broken)
        data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
        response = upload(api, evidence.pk, ("a.pdf", data))
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "storage_unavailable"
        handle = io.BytesIO(data)
        handle.name = "a.pdf"
        response = api.post("/api/v1/evidence/", {
            "organization": org.pk, "title": "Avec fichier", "kind": "document",
            "effective_date": "2026-01-01", "files": [handle]}, format="multipart")
        assert response.status_code == 503
        nothing_stored()

    def test_database_failure_after_write_leaves_a_recognisable_orphan(
        self, api, evidence, media_root, monkeypatch, tmp_path
    ):
        def broken(*args, **kwargs):
            raise DatabaseError("connection lost")

        monkeypatch.setattr(StoredFile.objects, "bulk_create", broken)
        data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
        with pytest.raises(DatabaseError):
            upload(api, evidence.pk, ("a.pdf", data))
        assert Revision.objects.count() == 0
        [key] = stored_objects(media_root)
        assert sweeps.orphaned_objects(grace=__import__("datetime").timedelta(0)) == [key]
        assert sweeps.orphaned_objects() == []  # still within the grace period
        monkeypatch.undo()
        sweeps.remove_orphans(grace=__import__("datetime").timedelta(0))
        assert stored_objects(media_root) == []

    def test_sweep_never_removes_referenced_objects(self, api, evidence, media_root, tmp_path):
        import datetime

        data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
        upload(api, evidence.pk, ("a.pdf", data))
        assert sweeps.remove_orphans(grace=datetime.timedelta(0)) == []
        assert len(stored_objects(media_root)) == 1


def test_archived_evidence_refuses_uploads(api, evidence, nothing_stored, tmp_path):
    api.post(f"/api/v1/evidence/{evidence.pk}/archive/", {"reason": "Remplacée"})
    before = AuditEvent.objects.count()
    response = upload(api, evidence.pk, ("a.txt", b"bonjour"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
    assert AuditEvent.objects.count() == before
    shutil.rmtree(tmp_path, ignore_errors=True)
