"""Verification after upload: re-hash and re-sniff the stored object; idempotent."""

import pytest

from audit_prep.models import AuditEvent
from evidence import verification
from evidence.models import Revision, VerificationStatus
from tests import filemakers
from tests.conftest import upload
from tests.factories import EvidenceFactory


@pytest.fixture
def revision(client_for, qm, org, media_root, tmp_path):
    evidence = EvidenceFactory(organization=org, created_by=qm)
    data = filemakers.make_pdf(tmp_path / "x.pdf").read_bytes()
    body = upload(client_for(qm), evidence.pk, ("attestation.pdf", data)).json()
    return Revision.objects.get(pk=body["id"])


def test_verified_once_even_when_run_twice(revision):
    assert verification.verify_revision(revision.pk) == "verified"
    assert verification.verify_revision(revision.pk) == "verified"
    revision.refresh_from_db()
    assert revision.is_current
    assert revision.verified_at is not None
    assert AuditEvent.objects.filter(action="revision.verified").count() == 1


def test_altered_object_is_rejected(revision, media_root):
    stored = revision.files.get()
    (media_root / stored.storage_key).write_bytes(b"%PDF-1.4 altered %%EOF")
    assert verification.verify_revision(revision.pk) == "rejected"
    revision.refresh_from_db()
    assert revision.rejection_reason == "hash_mismatch"
    assert not revision.is_current


def test_missing_object_is_rejected(revision, media_root):
    (media_root / revision.files.get().storage_key).unlink()
    assert verification.verify_revision(revision.pk) == "rejected"
    revision.refresh_from_db()
    assert revision.rejection_reason == "stored_object_missing"


def test_older_revision_verified_late_does_not_become_current(revision, client_for, qm,
                                                              media_root):
    newer = upload(client_for(qm), revision.evidence_id, ("v2.txt", b"seconde version\n")).json()
    assert verification.verify_revision(newer["id"]) == "verified"
    assert verification.verify_revision(revision.pk) == "verified"
    current = Revision.objects.get(evidence_id=revision.evidence_id, is_current=True)
    assert current.pk == newer["id"]


def test_unknown_revision_is_ignored(db):
    assert verification.verify_revision(999_999) == "missing"


def test_legacy_office_file_sniffed_from_a_stream_still_matches(tmp_path):
    from evidence.filetypes import same_type

    assert same_type("application/x-ole-storage", "application/msword")
    assert not same_type("application/x-ole-storage", "application/pdf")
    assert VerificationStatus.VERIFIED == "verified"
