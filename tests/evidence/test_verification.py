"""Verification after upload: re-hash and re-sniff the stored object; idempotent."""

import datetime

import pytest

from audit_prep.models import AuditEvent
from evidence import sweeps, verification
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


class TestAttemptCap:
    """A revision whose verification keeps crashing is rejected once, not retried forever;
    an unreachable store is not the file's fault and uses up no attempt."""

    @pytest.fixture
    def crashing(self, monkeypatch):
        def crash(stored_file, evidence_id):
            raise RuntimeError("extraction blew up")

        monkeypatch.setattr(verification, "check_file", crash)

    def test_rejected_after_the_cap(self, revision, crashing, settings):
        settings.VERIFICATION_MAX_ATTEMPTS = 3
        for attempt in range(1, 4):
            with pytest.raises(RuntimeError):
                verification.verify_revision(revision.pk)
            revision.refresh_from_db()
            assert (revision.verification_status, revision.verification_attempts) == (
                "pending", attempt)

        assert verification.verify_revision(revision.pk) == "rejected"
        revision.refresh_from_db()
        assert revision.rejection_reason == "verification_failed"
        assert not revision.is_current
        event = AuditEvent.objects.get(action="revision.rejected")
        assert event.after["reason"] == "verification_failed"
        future = revision.created_at + datetime.timedelta(days=1)
        assert revision.pk not in sweeps.stuck_revisions(now=future)
        assert verification.verify_revision(revision.pk) == "rejected"  # decided: left alone
        assert AuditEvent.objects.filter(action="revision.rejected").count() == 1

    def test_store_outages_use_up_no_attempt(self, revision, monkeypatch, settings):
        settings.VERIFICATION_MAX_ATTEMPTS = 2

        def unreachable(stored_file, evidence_id):
            raise verification.TransientStorageError("connection refused")

        with monkeypatch.context() as patch:
            patch.setattr(verification, "check_file", unreachable)
            for _ in range(5):
                with pytest.raises(verification.TransientStorageError):
                    verification.verify_revision(revision.pk)
        revision.refresh_from_db()
        assert revision.verification_attempts == 0

        assert verification.verify_revision(revision.pk) == "verified"  # the store is back
        revision.refresh_from_db()
        assert revision.is_current
