"""Faults to survive, against a REAL Celery worker process on Redis and PostgreSQL.

- round trip: an upload committed through the API is verified by the worker, with its ledger row;
- a worker child killed with SIGKILL in the middle of a verification: the message is delivered
  again and the revision is verified once, with one audit event;
- Redis unavailable when an upload commits: the upload still succeeds, and the sweep enqueues the
  verification once the broker is back; nothing is lost;
- a task for a revision already verified does nothing (idempotent): one audit event only.

The worker and the test share the database (transactional tests: every write is committed) and a
local evidence store. See conftest.py for the worker fixtures.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import logging
import os
import signal
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit_prep.models import AuditEvent
from evidence.models import Revision, StoredFile, VerificationStatus
from tests import filemakers
from tests.conftest import upload
from workers.models import TaskRun

from .conftest import (
    DEAD_BROKER_URL,
    VERIFY,
    VERIFY_TIMEOUT,
    WORKER_TEST_MARKS,
    celery_broker,
    wait_for,
)

pytestmark = WORKER_TEST_MARKS
# After a pool child dies, the worker waits `worker_lost_wait` (10 s) before it declares the job
# lost and requeues the message.
REDELIVERY_TIMEOUT = 40.0


def unique_pdf(tmp_path: Path) -> bytes:
    """A real PDF whose bytes (hence storage key) no other test uses."""
    token = uuid.uuid4().hex
    return filemakers.make_pdf(tmp_path / f"{token}.pdf", text=f"Preuve {token}").read_bytes()


def upload_pdf(api, evidence, data: bytes, **extra) -> int:
    response = upload(api, evidence.pk, ("attestation.pdf", data), **extra)
    assert response.status_code == 201, response.content
    assert response.json()["verification_status"] == "pending"
    return response.json()["id"]


def status_of(revision_id: int) -> str:
    return Revision.objects.values_list("verification_status", flat=True).get(pk=revision_id)


def verified_events(revision_id: int):
    return AuditEvent.objects.filter(action="revision.verified", object_type="evidence.revision",
                                     object_id=str(revision_id))


def wait_verified(worker, revision_id: int, timeout: float = VERIFY_TIMEOUT) -> Revision:
    wait_for(lambda: status_of(revision_id) != VerificationStatus.PENDING, timeout,
             lambda: f"revision {revision_id} still pending\n{worker.log()}")
    revision = Revision.objects.get(pk=revision_id)
    assert revision.verification_status == VerificationStatus.VERIFIED, (
        revision.rejection_reason, worker.log())
    return revision


def verify_runs(revision_id: int):
    return TaskRun.objects.filter(name=VERIFY, args=[revision_id])


def finished_run(worker, task_id: str) -> TaskRun:
    """The ledger row of `task_id` once finished (written by task_postrun, just after the
    verification's own commit)."""
    return wait_for(
        lambda: TaskRun.objects.filter(task_id=task_id, finished_at__isnull=False).first(),
        5, lambda: f"ledger row of {task_id} not finished\n{worker.log()}")


def send_verify(revision_id: int):
    from audit_prep.celery import app

    return app.tasks[VERIFY].apply_async(args=[revision_id])


class FifoGate:
    """Holds the worker inside a verification, deterministically, with no hook in the code.

    The stored object is swapped for a named pipe: a pool process that opens it to hash it blocks
    until the gate opens. Once `open()`ed, the gate waits for a reader, puts the real file back in
    place (so the next open, for sniffing, reads a regular file), writes the exact stored bytes
    into the pipe and closes it: the reader hashes what was uploaded and the revision verifies.
    """

    def __init__(self, path: Path):
        self.path = path
        self.real = path.with_name(path.name + ".gate")
        self.data = path.read_bytes()
        self._open = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.served = 0
        self.error: BaseException | None = None

    def __enter__(self):
        os.replace(self.path, self.real)
        os.mkfifo(self.path, 0o640)
        self._thread.start()
        return self

    def open(self) -> None:
        self._open.set()

    def _serve(self) -> None:
        try:
            self._open.wait()
            while not self._stop.is_set():
                try:
                    fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError as exc:
                    if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                        raise
                    self._stop.wait(0.02)
                    continue
                # A reader is there: the real file goes back first, then the bytes flow.
                os.replace(self.real, self.path)
                os.set_blocking(fd, True)
                with contextlib.suppress(BrokenPipeError), os.fdopen(fd, "wb") as pipe:
                    pipe.write(self.data)
                self.served += 1
                return
        except BaseException as exc:  # reported by the test
            self.error = exc

    def __exit__(self, *exc_info):
        self._stop.set()
        self._open.set()
        self._thread.join(timeout=5)
        if self.real.exists():  # never served (the test failed): release any reader, restore
            with contextlib.suppress(OSError):
                os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
            os.replace(self.real, self.path)


def process_gone(pid: int) -> bool:
    """Dead: no longer in /proc, or a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def test_round_trip_upload_is_verified_by_the_real_worker(live_worker, api, evidence, tmp_path):
    api.credentials(HTTP_X_REQUEST_ID="it-round-trip")
    revision_id = upload_pdf(api, evidence, unique_pdf(tmp_path))

    revision = wait_verified(live_worker, revision_id)

    assert revision.is_current
    [run] = verify_runs(revision_id)
    run = finished_run(live_worker, run.task_id)
    assert run.status == "succeeded"
    assert run.attempts == 1
    assert run.result == "verified"
    # The server's id of the upload request, carried to the worker with the client's beside it.
    uploaded = AuditEvent.objects.get(action="revision.upload", object_id=str(revision_id))
    assert uploaded.client_request_id == "it-round-trip"
    assert len(uploaded.request_id) == 32
    assert run.request_id == uploaded.request_id
    assert run.finished_at is not None and run.duration_ms is not None
    [event] = verified_events(revision_id)
    assert (event.request_id, event.client_request_id) == (uploaded.request_id, "it-round-trip")
    assert event.actor_label == "system"


def test_worker_killed_mid_verification_redelivers_and_verifies_once(
    live_worker, api, evidence, tmp_path, monkeypatch
):
    # Upload without the automatic enqueue, so that the object can be gated before any worker
    # reads it; then enqueue the verification exactly as the upload would have.
    with monkeypatch.context() as patch:
        patch.setattr("evidence.services.uploads.enqueue_after_commit", lambda *args: None)
        revision_id = upload_pdf(api, evidence, unique_pdf(tmp_path))
    key = StoredFile.objects.get(revision_id=revision_id).storage_key

    with FifoGate(live_worker.store / key) as gate:
        task_id = send_verify(revision_id).id
        wait_for(lambda: TaskRun.objects.filter(task_id=task_id, status="started").exists(),
                 VERIFY_TIMEOUT, lambda: f"verification never started\n{live_worker.log()}")
        pid = live_worker.child_running(task_id)
        assert pid in live_worker.pool_children(), "only ever kill our own worker's child"
        assert status_of(revision_id) == VerificationStatus.PENDING

        os.kill(pid, signal.SIGKILL)  # in the middle of the verification
        wait_for(lambda: process_gone(pid), 5, f"pool process {pid} survived SIGKILL")
        gate.open()  # from now on, whoever reads the object gets its bytes

        # reject_on_worker_lost + acks_late: the message comes back, a new child runs it again.
        wait_for(lambda: TaskRun.objects.filter(task_id=task_id, attempts__gte=2).exists(),
                 REDELIVERY_TIMEOUT, lambda: f"message not redelivered\n{live_worker.log()}")
        revision = wait_verified(live_worker, revision_id)
    assert gate.error is None, gate.error
    assert gate.served == 1

    assert revision.is_current
    assert revision.verification_attempts == 2  # the killed attempt counts (attempt cap)
    assert verified_events(revision_id).count() == 1
    run = finished_run(live_worker, task_id)
    assert (run.status, run.attempts, run.result) == ("succeeded", 2, "verified")
    assert verify_runs(revision_id).count() == 1  # one message, delivered twice
    assert live_worker.alive() and live_worker.ping(), "the worker itself survives"
    assert "SIGKILL" in live_worker.log()


def test_broker_down_at_commit_upload_succeeds_and_sweep_requeues(
    live_worker, api, evidence, tmp_path, caplog
):
    with caplog.at_level(logging.ERROR, logger="audit_prep.tasks"), \
            celery_broker(DEAD_BROKER_URL):
        revision_id = upload_pdf(api, evidence, unique_pdf(tmp_path))
    assert f"could not enqueue {VERIFY}[{revision_id}]" in caplog.text
    # Nothing reached the worker: the revision is only recorded, pending.
    assert status_of(revision_id) == VerificationStatus.PENDING
    assert not verify_runs(revision_id).exists()

    # The broker is back (this process publishes to the worker's Redis again): the sweep finds
    # the revision pending past the threshold and enqueues its verification.
    from evidence import sweeps  # here: a sweep in progress elsewhere fails this test only

    assert hasattr(sweeps, "requeue_stuck_revisions"), (
        "evidence.sweeps.requeue_stuck_revisions(now=None) -> list[int] is not written yet")
    later = timezone.now() + datetime.timedelta(minutes=settings.STUCK_REVISION_MINUTES + 1)
    requeued = sweeps.requeue_stuck_revisions(now=later)
    assert list(requeued) == [revision_id]

    revision = wait_verified(live_worker, revision_id)
    assert revision.is_current
    assert verified_events(revision_id).count() == 1
    [run] = verify_runs(revision_id)
    run = finished_run(live_worker, run.task_id)
    assert (run.status, run.result) == ("succeeded", "verified")

    # Once verified, the sweep has nothing left to do.
    assert list(sweeps.requeue_stuck_revisions(now=later)) == []


def test_task_for_an_already_verified_revision_does_nothing(
    live_worker, api, evidence, tmp_path
):
    revision_id = upload_pdf(api, evidence, unique_pdf(tmp_path))
    first = wait_verified(live_worker, revision_id)
    finished_run(live_worker, verify_runs(revision_id).get().task_id)

    task_id = send_verify(revision_id).id  # a duplicate delivery, e.g. after a sweep
    run = wait_for(
        lambda: TaskRun.objects.filter(task_id=task_id, finished_at__isnull=False).first(),
        VERIFY_TIMEOUT, lambda: f"duplicate task not run\n{live_worker.log()}")

    assert (run.status, run.result) == ("succeeded", "verified")
    again = Revision.objects.get(pk=revision_id)
    assert again.verified_at == first.verified_at
    assert again.is_current
    assert verified_events(revision_id).count() == 1
    assert verify_runs(revision_id).count() == 2
