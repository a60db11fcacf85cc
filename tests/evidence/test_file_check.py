"""`EvidenceItem.file_check` follows the current revision and its files through the real
verification pipeline and integrity sweep; the checklist reads it instead of joining files."""

import pytest
from django.utils import timezone

from evidence import sweeps, verification
from evidence.file_checks import refresh_file_check
from evidence.models import EvidenceItem, FileCheck, StoredFile
from tests import filemakers
from tests.conftest import upload
from tests.factories import EvidenceFactory


@pytest.fixture
def api(client_for, qm):
    return client_for(qm)


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
    assert file_check_of(evidence) == FileCheck.PENDING  # uploaded, not verified yet

    assert verification.verify_revision(first) == "verified"
    assert file_check_of(evidence) == FileCheck.VERIFIED

    second = add_revision(api, evidence, "v2.txt", b"seconde version\n")
    assert file_check_of(evidence) == FileCheck.VERIFIED  # v1 stays current meanwhile

    stored_v1 = StoredFile.objects.get(revision_id=first)
    original = (media_root / stored_v1.storage_key).read_bytes()
    (media_root / stored_v1.storage_key).write_bytes(b"%PDF-1.4 altered on disk %%EOF")
    sweeps.rehash_sample(all_files=True)
    assert file_check_of(evidence) == FileCheck.ALTERED  # the current file is altered

    assert verification.verify_revision(second) == "verified"
    assert file_check_of(evidence) == FileCheck.VERIFIED  # the altered file is no longer current

    (media_root / stored_v1.storage_key).write_bytes(original)
    sweeps.rehash_sample(all_files=True)
    assert not StoredFile.objects.get(pk=stored_v1.pk).integrity_error
    assert file_check_of(evidence) == FileCheck.VERIFIED


def test_a_rejected_revision_leaves_the_current_one(api, evidence, media_root, tmp_path):
    first = add_revision(api, evidence, "v1.txt", b"premiere version\n")
    verification.verify_revision(first)
    second = add_revision(api, evidence, "v2.txt", b"seconde version\n")
    (media_root / StoredFile.objects.get(revision_id=second).storage_key).unlink()

    assert verification.verify_revision(second) == "rejected"
    assert file_check_of(evidence) == FileCheck.VERIFIED


def test_restoring_the_current_file_clears_altered(api, evidence, media_root):
    revision = add_revision(api, evidence, "v1.txt", b"premiere version\n")
    verification.verify_revision(revision)
    path = media_root / StoredFile.objects.get(revision_id=revision).storage_key
    path.unlink()
    sweeps.rehash_sample(all_files=True)
    assert file_check_of(evidence) == FileCheck.ALTERED

    path.write_bytes(b"premiere version\n")
    sweeps.rehash_sample(all_files=True)
    assert file_check_of(evidence) == FileCheck.VERIFIED


def test_refresh_repairs_every_drifted_row_and_only_those(org, qm, api, evidence):
    revision = add_revision(api, evidence, "v1.txt", b"premiere version\n")
    verification.verify_revision(revision)
    untouched = EvidenceFactory(organization=org, created_by=qm)
    EvidenceItem.objects.filter(pk=evidence.pk).update(file_check=FileCheck.PENDING)

    assert refresh_file_check() == 1
    assert EvidenceItem.objects.get(pk=evidence.pk).file_check == FileCheck.VERIFIED
    assert EvidenceItem.objects.get(pk=untouched.pk).file_check == FileCheck.PENDING


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
