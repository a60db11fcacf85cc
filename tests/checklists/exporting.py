"""Helpers of the export tests: evidence kept as the pipeline keeps it (verified revisions with
files whose SHA-256 is a real digest), and exports fetched through the API and opened back."""

import datetime
import hashlib
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from evidence.file_checks import refresh_file_check
from evidence.models import Revision, StoredFile, VerificationStatus
from tests.factories import EvidenceFactory

NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)


def kept(org, user, title, *, revisions=1, files=1, status="approved", **fields):
    """An evidence item with `revisions` verified revisions (the last one current, holding
    `files` files); approved by `user` unless another status is given."""
    if status == "approved":
        fields = {"approved_at": NOW, "approved_by": user, **fields}
    evidence = EvidenceFactory(organization=org, created_by=user, title=title, status=status,
                               owner=fields.pop("owner", user), **fields)
    for number in range(1, revisions + 1):
        current = number == revisions
        revision = Revision.objects.create(evidence=evidence, number=number, created_by=user,
                                           is_current=current,
                                           verification_status=VerificationStatus.VERIFIED)
        for k in range(files if current else 1):
            content = f"{evidence.pk}/{number}/{k}".encode()
            StoredFile.objects.create(
                organization=org, revision=revision, name=f"piece-{k}.pdf", size=len(content),
                mime_type="application/pdf", sha256=hashlib.sha256(content).hexdigest(),
                storage_key=f"o/{org.pk}/{evidence.pk}/{number}/{k}")
    refresh_file_check([evidence.pk])
    evidence.refresh_from_db()
    return evidence


def current_hashes(evidence) -> list[str]:
    """The first 12 hex digits of the SHA-256 of each file of the current revision."""
    return [sha[:12] for sha in StoredFile.objects.filter(
        revision__evidence=evidence, revision__is_current=True).order_by("id")
        .values_list("sha256", flat=True)]


def download(api, path, **params):
    response = api.get(path, params)
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    body = (b"".join(response.streaming_content) if response.streaming
            else response.content)
    return response, body


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(content)).pages)


def sheet_rows(content: bytes, sheet: str | int, header_word: str):
    """The rows under the header row that starts with `header_word`, as lists of values."""
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook.worksheets[sheet] if isinstance(sheet, int) else workbook[sheet]
    rows = list(ws.iter_rows())
    start = next(i for i, row in enumerate(rows) if row[0].value == header_word)
    return [cell.value for cell in rows[start]], [row for row in rows[start + 1:]
                                                   if row[0].value is not None]
