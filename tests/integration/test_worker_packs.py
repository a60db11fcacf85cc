"""A sealed pack built by a REAL Celery worker (prefork, Redis, the test's PostgreSQL database,
a shared local store): the seal enqueues the build after commit on the `files` queue, the
worker streams the files into the ZIP and marks the pack ready; the re-verification goes the
same way; a second build message does nothing. See conftest.py for the worker fixtures."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile

from audit_prep.celery import app
from audit_prep.models import AuditEvent
from audits.packs.models import AuditPack, BuildState, VerificationState
from checklists.models import Requirement
from checklists.services import links, tailoring
from tests.audits.packs_setup import engagement
from tests.checklists.conftest import make_referential
from tests.conftest import upload
from workers.models import TaskRun

from .conftest import VERIFY_TIMEOUT, WORKER_TEST_MARKS, wait_for

pytestmark = WORKER_TEST_MARKS
BUILD = "workers.build_audit_pack"


def state_of(pack_id: int, field: str = "state") -> str:
    return AuditPack.objects.values_list(field, flat=True).get(pk=pack_id)


def test_the_real_worker_builds_verifies_and_ignores_a_second_message(live_worker, api, qm, org,
                                                                      evidence):
    referential, _ = make_referential()
    tailoring.adopt(qm, org, referential)
    data = f"Compte rendu {uuid.uuid4().hex}\n".encode()
    response = upload(api, evidence.pk, ("compte-rendu.txt", data))
    assert response.status_code == 201, response.content
    revision_id = response.json()["id"]
    wait_for(lambda: evidence.revisions.filter(pk=revision_id,
                                               verification_status="verified").exists(),
             VERIFY_TIMEOUT, live_worker.log)
    links.link_many(qm, [evidence], [Requirement.objects.get(referential=referential,
                                                             ref_id="9.3.3")])
    audit = engagement(qm, org, referential)

    response = api.post("/api/v1/audit-packs/", {"engagement": audit.pk}, format="json")

    assert response.status_code == 201, response.content
    pack_id = response.json()["id"]
    wait_for(lambda: state_of(pack_id) in (BuildState.READY, BuildState.FAILED), VERIFY_TIMEOUT,
             lambda: f"pack {pack_id} not built\n{live_worker.log()}")
    pack = AuditPack.objects.get(pk=pack_id)
    assert pack.state == BuildState.READY, (pack.failure_reason, live_worker.log())
    archive = zipfile.ZipFile(io.BytesIO((live_worker.store / pack.archive_key).read_bytes()))
    [evidence_path] = [name for name in archive.namelist() if name.endswith(".txt")]
    assert archive.read(evidence_path) == data
    assert hashlib.sha256(archive.read("manifest.json")).hexdigest() == pack.seal

    assert api.post(f"/api/v1/audit-packs/{pack_id}/verify/").status_code == 202
    wait_for(lambda: state_of(pack_id, "verification") == VerificationState.INTACT,
             VERIFY_TIMEOUT, lambda: f"pack {pack_id} not verified\n{live_worker.log()}")

    second = app.tasks[BUILD].apply_async(args=[pack_id])
    run = wait_for(lambda: TaskRun.objects.filter(task_id=second.id, finished_at__isnull=False)
                   .first(), VERIFY_TIMEOUT, live_worker.log)
    assert run.result == "nothing to build"
    assert AuditEvent.objects.filter(action="audit_pack.built").count() == 1
