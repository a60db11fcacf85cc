"""OCR of a verified revision's scans, and where its text is kept (decision 0031).

1. `queue_scans`, called by verification in the transaction that marks a revision verified:
   its files that are scans (PNG and JPEG images; PDFs whose extracted text is empty or nearly
   so) get `FileText.note = ocr_pending`, `source = ocr`, and one `workers.ocr_file` task each,
   sent after commit. Verification decides once, so nothing is enqueued twice. A PDF of typed
   pages and scanned ones (a procedure and its signed attendance sheet) keeps its text while
   it waits (`source = mixed`), and only its pages without text are read.
2. `ocr_file`, the task's body, in the worker: a copy of the stored object (re-hashed on the
   way) is read by `evidence.ocr` under its limits, and the text stored beside the file with
   its note, only if the row is still pending (a second run, or a second copy of the message,
   changes nothing). The original file is never changed; the file stays verified whatever
   happens. A missing engine stores `ocr_unavailable`.
3. `requeue_stuck_ocr`: rows still pending past STUCK_MINUTES get their task again (a
   message lost with the broker, or with a worker killed before the broker redelivered it),
   and so do rows stored `ocr_unavailable` once the engine is installed.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest, Length, NullIf
from django.utils import timezone

from audit_prep import audit
from audit_prep.tasks import enqueue, enqueue_after_commit

from . import ocr, search, storage
from .extracted import Note
from .models import FileText, StoredFile, TextSource

logger = logging.getLogger(__name__)

OCR_TASK = "workers.ocr_file"
REQUEUE_BATCH = 500
# A file still pending OCR this long has its task sent again (OCR waits behind everything else
# on the files queue: an hour of backlog is not unusual after a bulk upload).
STUCK_MINUTES = 60


class TransientStorageError(Exception):
    """The store could not be read now; the task retries later."""


def limits() -> ocr.Limits:
    return ocr.Limits(dpi=settings.OCR_DPI,
                      page_seconds=settings.OCR_PAGE_TIMEOUT_SECONDS,
                      file_seconds=settings.OCR_FILE_TIMEOUT_SECONDS,
                      memory_bytes=settings.OCR_MEMORY_BYTES,
                      max_pixels=settings.OCR_MAX_PIXELS)


def engine_problem() -> str | None:
    """Why scans cannot be read on this machine, None when they can."""
    return ocr.engine_problem(ocr.LANGUAGES)


# --- 1. after verification --------------------------------------------------------------------


def scans_of(revision_id: int) -> list[int]:
    """Ids of the revision's files to read by OCR: images, and PDFs whose extracted text is
    empty or nearly so (their note says it was read, or that pypdf could not read it)."""
    images = Q(mime_type__in=ocr.IMAGE_TYPES)
    pages = Greatest(Coalesce("page_count", Value(1)), Value(1))
    bare_pdfs = (Q(mime_type=ocr.PDF, extracted_text__note__in=(Note.NONE, Note.DAMAGED))
                 & Q(text_length__lt=ocr.BARE_PAGE_CHARS * pages))
    return list(
        StoredFile.objects.filter(revision_id=revision_id, extracted_text__isnull=False)
        .exclude(extracted_text__source=TextSource.OCR)
        .annotate(text_length=Length("extracted_text__text"))
        .filter(images | bare_pdfs).order_by("id").values_list("id", flat=True))


def partly_scanned_of(revision_id: int, scans: list[int]) -> list[int]:
    """Ids of the revision's PDFs (other than `scans`) that hold typed pages and scanned ones:
    their whole text was read, and at least one page has none."""
    pdfs = (FileText.objects.filter(stored_file__revision_id=revision_id,
                                    stored_file__mime_type=ocr.PDF,
                                    stored_file__page_count__gt=1, note=Note.NONE,
                                    source=TextSource.EXTRACTED)
            .exclude(stored_file_id__in=scans).order_by("stored_file_id"))
    return [row.stored_file_id for row in pdfs.only("stored_file_id", "text").iterator()
            if any(ocr.is_bare(page) for page in row.text.split(ocr.PAGE_SEPARATOR))]


def queue_scans(revision_id: int) -> list[int]:
    """Mark the revision's scans pending OCR and enqueue their OCR after commit; their ids.
    A PDF of typed and scanned pages keeps its text while it waits (source `mixed`)."""
    scans = scans_of(revision_id)
    partly = partly_scanned_of(revision_id, scans)
    FileText.objects.filter(stored_file_id__in=scans).update(
        note=Note.OCR_PENDING, source=TextSource.OCR, text="")
    FileText.objects.filter(stored_file_id__in=partly).update(
        note=Note.OCR_PENDING, source=TextSource.MIXED)
    ids = scans + partly
    for stored_file_id in ids:
        enqueue_after_commit(OCR_TASK, stored_file_id)
    return ids


# --- 2. in the worker -------------------------------------------------------------------------


@contextmanager
def local_copy(stored_file: StoredFile) -> Iterator[Path | None]:
    """A private copy of the stored object on local disk (the OCR programs read paths), None
    when the object is missing or no longer matches its fingerprint."""
    with tempfile.TemporaryDirectory(prefix="ocr-file-") as workdir:
        path = Path(workdir) / "scan"
        digest = hashlib.sha256()
        try:
            with storage.open_object(stored_file.storage_key) as source, open(path, "wb") as out:
                while chunk := source.read(storage.HASH_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except FileNotFoundError:
            yield None
            return
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                yield None
                return
            raise TransientStorageError(str(exc)) from exc
        except (OSError, BotoCoreError) as exc:
            raise TransientStorageError(str(exc)) from exc
        yield path if digest.hexdigest() == stored_file.sha256 else None


def read_scan(stored_file: StoredFile, own_pages: list[str] | None = None) -> ocr.Result:
    problem = engine_problem()
    if problem:
        logger.warning("file %s: OCR unavailable (%s)", stored_file.pk, problem)
        return ocr.Result(note=Note.OCR_UNAVAILABLE)
    with local_copy(stored_file) as path:
        if path is None:
            return ocr.Result(note=Note.OCR_FAILED)
        return ocr.ocr_path(path, stored_file.mime_type, limits(), own_pages)


def store(stored_file: StoredFile, result: ocr.Result) -> bool:
    """Keep the OCR's text beside the file, if it is still pending (compare-and-set): False
    when another run stored it first."""
    with transaction.atomic():
        # An OCR that read nothing keeps what the row holds while it waits: nothing for a
        # scan, its own text for a PDF of typed and scanned pages (never lost, whatever OCR did).
        stored = FileText.objects.filter(stored_file_id=stored_file.pk,
                                         note=Note.OCR_PENDING).update(
            text=Coalesce(NullIf(Value(result.text), Value("")), F("text")), note=result.note)
        if not stored:
            return False
        search.refresh_items([stored_file.revision.evidence_id])  # its text is searchable now
        audit.record(None, "file.ocr", stored_file, after={
            "note": result.note, "text_chars": len(result.text), "pages": result.pages,
            "seconds": round(result.seconds, 2)})
    return True


def ocr_file(stored_file_id: int) -> str:
    """Read one scan by OCR and store its text; safe to run twice. Returns the note stored,
    "done" when it was already, "missing" for an unknown file."""
    stored_file = (StoredFile.objects.select_related("revision")
                   .filter(pk=stored_file_id).first())
    pending = (FileText.objects.filter(stored_file_id=stored_file_id, note=Note.OCR_PENDING)
               .values_list("source", "text").first())
    if stored_file is None:
        return "missing"
    if pending is None:
        return "done"
    source, own_text = pending
    result = read_scan(stored_file, own_text.split(ocr.PAGE_SEPARATOR)
                       if source == TextSource.MIXED else None)
    if not store(stored_file, result):
        return "done"
    logger.info("file %s read by OCR: %s characters, %s pages, %.1f s, note %r",
                stored_file_id, len(result.text), result.pages, result.seconds, result.note)
    return result.note or "ok"


# --- 3. the sweep -----------------------------------------------------------------------------


def requeue_stuck_ocr(now: datetime.datetime | None = None) -> list[int]:
    """Send the OCR task again for files pending past STUCK_MINUTES (oldest first); the
    message expires after that time, so a backlog does not pile up copies. Once the engine is
    there, files stored `ocr_unavailable` (read when it was not) are pending again and sent."""
    minutes = STUCK_MINUTES
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=minutes)
    ids = list(FileText.objects.filter(note=Note.OCR_PENDING, created_at__lte=cutoff)
               .order_by("created_at", "stored_file_id")
               .values_list("stored_file_id", flat=True)[:REQUEUE_BATCH])
    if engine_problem() is None:
        unread = list(FileText.objects.filter(note=Note.OCR_UNAVAILABLE)
                      .order_by("stored_file_id")
                      .values_list("stored_file_id", flat=True)[:REQUEUE_BATCH])
        FileText.objects.filter(stored_file_id__in=unread, note=Note.OCR_UNAVAILABLE).update(
            note=Note.OCR_PENDING)
        ids += unread
    requeued = []
    for stored_file_id in ids:
        if not enqueue(OCR_TASK, stored_file_id, expires=minutes * 60):
            break
        requeued.append(stored_file_id)
    return requeued
