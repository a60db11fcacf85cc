"""Sealing an engagement into a pack and building its ZIP (the worker's task, run eagerly)."""

import hashlib
import io
import json
import zipfile

import pytest

from audits.packs import manifest as manifests
from audits.packs import services
from audits.packs.models import AuditPack, BuildState

from .packs_setup import PROCEDURE, REVIEW, engagement, proof

pytestmark = pytest.mark.usefixtures("today", "media_root")


def test_seal_then_build(api, org, qm, iso, adoption, django_capture_on_commit_callbacks):
    requirements = {r.ref_id: r for r in iso.requirements.all()}
    proof(api, django_capture_on_commit_callbacks, qm, org, "Procédure d'accueil",
          [requirements["7.2"]], PROCEDURE)
    proof(api, django_capture_on_commit_callbacks, qm, org, "Revue de direction",
          [requirements["9.3.3"], requirements["7.2"]], REVIEW)
    audit = engagement(qm, org, iso)

    with django_capture_on_commit_callbacks(execute=True):
        pack = services.seal(qm, audit)

    pack.refresh_from_db()
    assert pack.state == BuildState.READY, (pack.failure_reason, pack.failure_detail)
    assert hashlib.sha256(pack.manifest.encode()).hexdigest() == pack.seal
    manifest = json.loads(pack.manifest)
    assert manifests.canonical(manifest).decode() == pack.manifest
    from evidence import storage
    with storage.open_object(pack.archive_key) as handle:
        data = handle.read()
    archive = zipfile.ZipFile(io.BytesIO(data))
    print(archive.namelist())
    print(archive.read("SHA256SUMS").decode())
    assert AuditPack.objects.count() == 1
