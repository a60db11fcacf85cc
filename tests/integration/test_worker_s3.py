"""The evidence store on S3, end to end with a REAL Celery worker process: an upload committed
through the API is written to a bucket on moto's S3 server (tests/s3.py) by the test process, and
verified by a worker that reads it back from the same bucket, configured as production configures
it (STORAGE_BACKEND=s3 and the AWS_* variables of audit_prep/settings.py). The integrity sweep, run
here, then re-hashes the object from the bucket and flags it once it has been altered there.

The worker's local evidence store (MEDIA_ROOT) stays empty: had it not read from S3, the object
would have been missing and the revision rejected. See conftest.py for the worker fixtures.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_prep.models import AuditEvent
from evidence.models import Revision, StoredFile, VerificationStatus
from notices.models import Notification
from tests import filemakers
from tests.conftest import upload
from tests.s3 import (
    S3_ACCESS_KEY,
    S3_REGION,
    S3_SECRET_KEY,
    S3Bucket,
    moto_server,  # noqa: F401 - fixture
    s3_client,
    s3_storage_settings,
)
from workers.models import TaskRun

from .conftest import (
    VERIFY,
    VERIFY_TIMEOUT,
    WORKER_TEST_MARKS,
    Worker,
    celery_broker,
    running_worker,
    wait_for,
)

pytestmark = WORKER_TEST_MARKS
PAGES = 2


@pytest.fixture(scope="module")
def s3_celery_worker(request, redis_server, django_db_setup,
                     moto_server) -> Iterator[tuple[Worker, S3Bucket]]:  # noqa: F811
    """A real Celery worker whose evidence store is a fresh bucket on the moto server, set
    through the environment variables that production reads."""
    client = s3_client(moto_server)
    bucket = S3Bucket(name=f"audit-prep-it-{uuid.uuid4().hex[:16]}", endpoint=moto_server,
                      client=client)
    client.create_bucket(Bucket=bucket.name,
                         CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    env = {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket.name,
        "AWS_S3_ENDPOINT_URL": moto_server,
        "AWS_S3_REGION_NAME": S3_REGION,
        "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    with running_worker(request, env) as worker:
        yield worker, bucket
    # The bucket lives in the moto process only, which stops with the session.


@pytest.fixture
def live_s3_worker(s3_celery_worker, settings) -> Iterator[tuple[Worker, S3Bucket]]:
    """The module's S3 worker, with this test's process publishing to it and storing its
    evidence in the same bucket."""
    worker, bucket = s3_celery_worker
    if not worker.alive():
        pytest.fail(f"the Celery worker died:\n{worker.log()}", pytrace=False)
    worker.claim.refresh()
    settings.STORAGES = {**settings.STORAGES,
                         "default": s3_storage_settings(bucket.endpoint, bucket.name)}
    with celery_broker(worker.broker_url):
        yield worker, bucket


def content_key(org, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"o/{org.pk}/{digest[:2]}/{digest}"


def test_s3_upload_verified_by_the_real_worker_then_altered_object_is_flagged(
    live_s3_worker, api, evidence, org, qm, tmp_path: Path
):
    worker, bucket = live_s3_worker
    token = uuid.uuid4().hex  # unique bytes, hence a key no other test uses
    data = filemakers.make_pdf(tmp_path / "attestation.pdf", pages=PAGES,
                               text=f"Preuve S3 {token}").read_bytes()
    key = content_key(org, data)

    api.credentials(HTTP_X_REQUEST_ID="it-s3-round-trip")
    response = upload(api, evidence.pk, ("attestation.pdf", data))
    assert response.status_code == 201, response.content
    assert response.json()["verification_status"] == "pending"
    revision_id = response.json()["id"]

    # The test process wrote the object to the bucket, under its content-addressed key.
    stored = StoredFile.objects.get(revision_id=revision_id)
    assert stored.storage_key == key
    assert bucket.keys("o/") == [key]
    assert bucket.get(key) == data

    # The worker reads it back from the bucket and verifies the revision.
    wait_for(lambda: Revision.objects.filter(pk=revision_id).exclude(
        verification_status=VerificationStatus.PENDING).exists(), VERIFY_TIMEOUT,
        lambda: f"revision {revision_id} still pending\n{worker.log()}")
    revision = Revision.objects.get(pk=revision_id)
    assert revision.verification_status == VerificationStatus.VERIFIED, (
        revision.rejection_reason, worker.log())
    assert revision.is_current
    stored.refresh_from_db()
    assert token in stored.extracted_text.text  # text extracted by the worker from the object on S3
    assert stored.page_count == PAGES
    assert not stored.integrity_error
    assert not any(worker.store.iterdir()), "the worker must not use its local store"

    [run] = TaskRun.objects.filter(name=VERIFY, args=[revision_id])
    run = wait_for(
        lambda: TaskRun.objects.filter(task_id=run.task_id, finished_at__isnull=False).first(),
        5, lambda: f"ledger row of {run.task_id} not finished\n{worker.log()}")
    assert (run.status, run.attempts, run.result) == ("succeeded", 1, "verified")
    assert run.request_id == response["X-Request-ID"]  # the server's id, not the client's

    from evidence import sweeps  # here: the sweep module is only needed by this test

    # The sweep re-hashes the object from the bucket: it matches.
    clean = sweeps.rehash_sample(all_files=True)
    assert (clean.checked, clean.mismatches, clean.flagged, clean.unreadable) == (1, 0, (), 0)

    # Altered in the bucket, behind the product's back (same size, one bit flipped).
    altered = data[:-1] + bytes([data[-1] ^ 0x01])
    bucket.put(key, altered)
    assert bucket.get(key) == altered

    result = sweeps.rehash_sample(all_files=True)
    assert (result.checked, result.mismatches, result.flagged) == (1, 1, (stored.pk,)), result
    stored.refresh_from_db()
    assert stored.integrity_error
    assert stored.last_checked_at is not None
    [event] = AuditEvent.objects.filter(action="file.integrity_error")
    assert event.after["problem"] == "hash_mismatch"
    assert event.after["found"] == {"sha256": hashlib.sha256(altered).hexdigest(),
                                    "size": len(data)}
    assert Notification.objects.filter(user=qm, kind="integrity_error").count() == 1
