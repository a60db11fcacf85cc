"""A REAL Celery worker process (prefork, on Redis and PostgreSQL) verifying the hostile
documents of tests/corpus/bad/: each revision is verified, its text unavailable with the reason,
and memory stays under 300 MB where it is measured:

- the worker's pool process that ran the task: its peak resident memory (VmHWM in
  /proc/<pid>/status, Linux), which counts what it shares with the worker's main process;
- the worker's main process, the same way;
- the extraction child: its own VmHWM, which it reports and the audit event keeps
  (`text_peak_kb`).

Before issue 11 the ODT alone made the pool process hold 1.45 GB.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence import ocr
from evidence.models import FileText, StoredFile
from tests import bombmakers
from tests.evidence.test_pipeline import event_of, upload_path

from .conftest import WORKER_TEST_MARKS
from .test_worker_faults import wait_verified
from .test_worker_ocr import wait_read

pytestmark = WORKER_TEST_MARKS
BUDGET_KB = 300 * 1024


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")


@pytest.mark.timeout(180)
def test_the_worker_verifies_every_bomb_in_less_than_300_mb(live_worker, api, evidence,
                                                            tmp_path):
    notes = {}
    for name, (_, note) in bombmakers.BOMB_CORPUS.items():
        revision_id = upload_path(api, evidence, bombmakers.copy_bomb(name, tmp_path / name))
        wait_verified(live_worker, revision_id)
        stored = StoredFile.objects.get(revision_id=revision_id)
        if stored.mime_type.startswith("image/"):  # then read by OCR, from its header alone
            wait_read(live_worker, stored)
        notes[name] = FileText.objects.get(stored_file=stored).note
        child_kb = event_of(revision_id)["files"][0]["text_peak_kb"]
        assert child_kb is None or child_kb < BUDGET_KB, (name, child_kb)
    read_by_ocr = "image_too_large" if ocr.engine_problem() is None else "ocr_unavailable"
    assert notes == {name: note for name, (_, note) in bombmakers.BOMB_CORPUS.items()} | {
        "bomb_pixels.png": read_by_ocr}
    [pool_process] = live_worker.pool_children()
    assert peak_kb(pool_process) < BUDGET_KB, live_worker.log()
    assert peak_kb(live_worker.process.pid) < BUDGET_KB
