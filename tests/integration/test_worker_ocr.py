"""OCR of scans by a REAL Celery worker (prefork, Redis, PostgreSQL) with the real tesseract
(decision 0031), and the message priorities on the real Redis broker: a verification sent after
OCR jobs is taken before them."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from evidence.extracted import Note
from evidence.models import FileText, StoredFile
from tests import scanmakers
from tests.evidence.test_ocr import require_engine
from tests.evidence.test_pipeline import upload_path

from .conftest import (
    REDIS_DBS,
    celery_broker,
    claim_redis_db,
    redis_error,
    requires_postgresql,
    unavailable,
    wait_for,
)
from .test_worker_faults import wait_verified

BUDGET_KB = 300 * 1024


def peak_kb(pid: int) -> int:
    """Peak resident memory of a process (VmHWM, kB)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")

OCR_TIMEOUT = 60.0


def wait_read(worker, stored: StoredFile, timeout: float = OCR_TIMEOUT) -> FileText:
    """The file's text row once its OCR is done."""
    def done():
        row = FileText.objects.filter(stored_file=stored).first()
        return row if row and row.note != Note.OCR_PENDING else None

    return wait_for(done, timeout, lambda: f"file {stored.pk} still pending OCR\n{worker.log()}")


@requires_postgresql
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_a_real_worker_reads_a_scanned_certificate(live_worker, api, evidence, tmp_path):
    require_engine()
    path = scanmakers.make_scan_image(tmp_path / "attestation.png")
    revision_id = upload_path(api, evidence, path)
    wait_verified(live_worker, revision_id)
    stored = StoredFile.objects.get(revision_id=revision_id)

    row = wait_read(live_worker, stored)

    assert "Hélène Dupré" in row.text, live_worker.log()
    assert row.source == "ocr"
    assert "workers.ocr_file" in live_worker.log()


@requires_postgresql
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_the_worker_reads_a_300_dpi_scan_in_less_than_300_mb(live_worker, api, evidence,
                                                             tmp_path):
    """The pool process only copies the file and starts children: its peak (VmHWM, shared
    pages of the main process counted) stays that of a worker verifying files."""
    require_engine()
    scan = scanmakers.make_scanned_pdf(tmp_path / "registre.pdf", pages=2, dpi=300)
    revision_id = upload_path(api, evidence, scan)
    wait_verified(live_worker, revision_id)

    row = wait_read(live_worker, StoredFile.objects.get(revision_id=revision_id), 120)

    assert row.note == Note.NONE and len(row.text.split("\f")) == 2, live_worker.log()
    [pool_process] = live_worker.pool_children()
    print(f"pool process VmHWM {peak_kb(pool_process)} kB, "
          f"main process {peak_kb(live_worker.process.pid)} kB")
    assert peak_kb(pool_process) < BUDGET_KB


@pytest.fixture
def probe_broker():
    """A Redis database of our own (no worker consumes it), this process publishing to it."""
    error = redis_error()
    if error:
        unavailable(error)
    claim = claim_redis_db(f"ocr-priority-{uuid.uuid4()}")
    assert claim.db in REDIS_DBS
    try:
        with celery_broker(claim.url) as app:
            yield app, claim
    finally:
        claim.release()


@pytest.mark.integration
def test_verification_is_taken_before_the_ocr_jobs_queued_earlier(probe_broker):
    from workers.tasks import ocr_file, verify_revision

    app, claim = probe_broker
    queue = "files-priority-probe"  # the routes' priorities, on a queue nobody consumes
    for stored_file_id in (1, 2, 3):
        ocr_file.apply_async(args=[stored_file_id], queue=queue)
    verify_revision.apply_async(args=[99], queue=queue)

    keys = sorted(key.decode("latin-1") for key in claim.client.keys(f"{queue}*"))
    assert keys == [queue, f"{queue}\x06\x169"]  # step 0 (verification) and step 9 (OCR)
    assert claim.client.llen(f"{queue}\x06\x169") == 3

    taken = []
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            taken.append((message.headers["task"], message.headers["argsrepr"]))
    assert taken == [("workers.verify_revision", "[99]"), ("workers.ocr_file", "[1]"),
                     ("workers.ocr_file", "[2]"), ("workers.ocr_file", "[3]")]
