"""`EvidenceItem.file_check` follows the current revision and its files through the real
verification pipeline and integrity sweep; the checklist reads it instead of joining files."""

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from audit_prep import audit
from evidence import sweeps, verification
from evidence.file_checks import refresh_file_check
from evidence.filetypes import RejectionReason
from evidence.models import EvidenceItem, FilesState, Revision, StoredFile
from tests import filemakers
from tests.conftest import upload
from tests.factories import EvidenceFactory, evidence_with_file


@pytest.fixture
def evidence(org, qm):
    return EvidenceFactory(organization=org, created_by=qm, title="Registre des formations",
                           status="approved", approved_at=timezone.now())


def add_revision(api, evidence, name, data) -> int:
    response = upload(api, evidence.pk, (name, data))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def file_check_of(evidence) -> str:
    # The stored value must also be what the definition gives: nothing left to repair.
    assert refresh_file_check([evidence.pk]) == 0
    return EvidenceItem.objects.get(pk=evidence.pk).file_check


def test_follows_verification_and_the_integrity_sweep(api, evidence, media_root, tmp_path):
    first = add_revision(api, evidence, "v1.pdf", filemakers.make_pdf(tmp_path / "v1.pdf")
                         .read_bytes())
    assert file_check_of(evidence) == FilesState.PENDING  # uploaded, not verified yet

    assert verification.verify_revision(first) == "verified"
    assert file_check_of(evidence) == FilesState.VERIFIED

    second = add_revision(api, evidence, "v2.txt", b"seconde version\n")
    assert file_check_of(evidence) == FilesState.VERIFIED  # v1 stays current meanwhile

    stored_v1 = StoredFile.objects.get(revision_id=first)
    original = (media_root / stored_v1.storage_key).read_bytes()
    (media_root / stored_v1.storage_key).write_bytes(b"%PDF-1.4 altered on disk %%EOF")
    sweeps.rehash_sample(all_files=True)
    assert file_check_of(evidence) == FilesState.ALTERED  # the current file is altered

    assert verification.verify_revision(second) == "verified"
    assert file_check_of(evidence) == FilesState.VERIFIED  # the altered file is no longer current

    (media_root / stored_v1.storage_key).write_bytes(original)
    sweeps.rehash_sample(all_files=True)
    assert not StoredFile.objects.get(pk=stored_v1.pk).integrity_error
    assert file_check_of(evidence) == FilesState.VERIFIED


def test_a_rejected_revision_leaves_the_current_one(api, evidence, media_root, tmp_path):
    first = add_revision(api, evidence, "v1.txt", b"premiere version\n")
    verification.verify_revision(first)
    second = add_revision(api, evidence, "v2.txt", b"seconde version\n")
    (media_root / StoredFile.objects.get(revision_id=second).storage_key).unlink()

    assert verification.verify_revision(second) == "rejected"
    assert file_check_of(evidence) == FilesState.VERIFIED


def test_restoring_the_current_file_clears_altered(api, evidence, media_root):
    revision = add_revision(api, evidence, "v1.txt", b"premiere version\n")
    verification.verify_revision(revision)
    path = media_root / StoredFile.objects.get(revision_id=revision).storage_key
    path.unlink()
    sweeps.rehash_sample(all_files=True)
    assert file_check_of(evidence) == FilesState.ALTERED

    path.write_bytes(b"premiere version\n")
    sweeps.rehash_sample(all_files=True)
    assert file_check_of(evidence) == FilesState.VERIFIED


def test_refresh_repairs_every_drifted_row_and_only_those(org, qm, api, evidence):
    revision = add_revision(api, evidence, "v1.txt", b"premiere version\n")
    verification.verify_revision(revision)
    untouched = EvidenceFactory(organization=org, created_by=qm)
    EvidenceItem.objects.filter(pk=evidence.pk).update(file_check=FilesState.PENDING)

    assert refresh_file_check() == 1
    assert EvidenceItem.objects.get(pk=evidence.pk).file_check == FilesState.VERIFIED
    assert EvidenceItem.objects.get(pk=untouched.pk).file_check == FilesState.PENDING


def test_the_api_shows_and_filters_altered_evidence(api, evidence, org, qm, media_root):
    revision = add_revision(api, evidence, "v1.txt", b"premiere version\n")
    verification.verify_revision(revision)
    other = EvidenceFactory(organization=org, created_by=qm, title="Sans fichier")
    (media_root / StoredFile.objects.get(revision_id=revision).storage_key).unlink()
    sweeps.rehash_sample(all_files=True)

    body = api.get(f"/api/v1/evidence/{evidence.pk}/").json()
    assert body["file_check"] == "altered"
    altered = api.get("/api/v1/evidence/?file_check=altered").json()["results"]
    assert [item["id"] for item in altered] == [evidence.pk]
    pending = api.get("/api/v1/evidence/?file_check=pending").json()["results"]
    assert [item["id"] for item in pending] == [other.pk]
    response = api.get("/api/v1/evidence/?file_check=broken")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="row locks and concurrent writers: PostgreSQL (SQLite runs one writer)")
@pytest.mark.django_db(transaction=True)
def test_a_flag_racing_a_new_current_revision_leaves_the_right_state(org, qm, monkeypatch):
    """The sweep flags a file of the current revision v1 while verification makes v2 current:
    whichever order they commit in, the item ends `verified` (v2's files are sound)."""
    evidence = evidence_with_file(org, qm, status="approved", approved_at=timezone.now())
    first = Revision.objects.get(evidence=evidence)
    old_file = StoredFile.objects.get(revision=first)
    second = Revision.objects.create(evidence=evidence, number=2, created_by=qm)
    refreshed, flag_started = threading.Event(), threading.Event()
    record = audit.record

    def slow_record(actor, action, *args, **kwargs):
        # Verification has refreshed file_check (v2 current, its transaction still open): let
        # the sweep start flagging v1's file before this transaction commits.
        if threading.current_thread().name == "verify" and action.startswith("revision."):
            refreshed.set()
            flag_started.wait(10)
            time.sleep(0.3)
        return record(actor, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", slow_record)
    outcome = {}

    def verify():
        try:
            outcome["decision"] = verification._decide(second.pk, [])
        finally:
            connections.close_all()

    def sweep():
        try:
            refreshed.wait(10)
            flag_started.set()
            outcome["flagged"] = sweeps._flag(old_file, RejectionReason.HASH_MISMATCH, {},
                                              timezone.now())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=verify, name="verify"),
               threading.Thread(target=sweep, name="sweep")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert outcome == {"decision": "verified", "flagged": True}
    assert Revision.objects.get(evidence=evidence, is_current=True).pk == second.pk
    assert EvidenceItem.objects.get(pk=evidence.pk).file_check == FilesState.VERIFIED
    assert refresh_file_check([evidence.pk]) == 0


def test_the_nightly_rehash_repairs_a_stale_state(org, qm, api, evidence, media_root, caplog):
    revision = add_revision(api, evidence, "v1.txt", b"premiere version\n")
    verification.verify_revision(revision)
    without_file = EvidenceFactory(organization=org, created_by=qm, title="Sans fichier")
    EvidenceItem.objects.filter(pk=without_file.pk).update(file_check=FilesState.VERIFIED)

    sweeps.rehash_sample(all_files=True)  # re-hashes the other item's file only

    assert EvidenceItem.objects.get(pk=without_file.pk).file_check == FilesState.PENDING
    assert EvidenceItem.objects.get(pk=evidence.pk).file_check == FilesState.VERIFIED
    assert "file_check of 1 evidence item(s) was stale; repaired" in caplog.text
