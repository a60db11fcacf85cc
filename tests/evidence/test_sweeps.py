"""Self-healing sweeps: verification re-enqueued for stuck revisions (the outbox), and the
re-hash of stored files that flags silent corruption, alerts quality managers and shows on the
readiness checklist."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from audit_prep.celery import app
from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from checklists.models import Adoption, EvidenceLink
from evidence import sweeps, verification
from evidence.models import Revision, StoredFile, VerificationStatus
from notices import alerts
from notices.models import Notification
from tests import filemakers
from tests.checklists.conftest import make_referential
from tests.conftest import upload
from tests.factories import EvidenceFactory


@pytest.fixture
def evidence(org, qm):
    return EvidenceFactory(organization=org, created_by=qm, title="Attestations SST",
                           status="approved", approved_at=timezone.now())


def upload_pdf(api, evidence, path, text="Attestation de formation") -> int:
    filemakers.make_pdf(path, text=text)
    with open(path, "rb") as handle:
        response = upload(api, evidence.pk, handle)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def past_threshold(settings, minutes=1):
    return timezone.now() + datetime.timedelta(minutes=settings.STUCK_REVISION_MINUTES + minutes)


# --------------------------------------------------------------------------- outbox


class TestRequeueStuckRevisions:
    def test_a_stuck_revision_is_enqueued_again_and_verified(self, api, evidence, tmp_path,
                                                             media_root, settings):
        # Under test, the upload's on-commit enqueue never runs: the revision stays pending,
        # as when the broker was down at commit.
        revision_id = upload_pdf(api, evidence, tmp_path / "a.pdf")
        assert Revision.objects.get(pk=revision_id).verification_status == "pending"

        requeued = sweeps.requeue_stuck_revisions(now=past_threshold(settings))

        assert requeued == [revision_id]
        revision = Revision.objects.get(pk=revision_id)  # CELERY_TASK_ALWAYS_EAGER: ran at once
        assert revision.verification_status == VerificationStatus.VERIFIED
        assert revision.is_current
        assert "Attestation de formation" in revision.files.get().extracted_text.text
        assert sweeps.requeue_stuck_revisions(now=past_threshold(settings)) == []

    def test_recent_and_decided_revisions_are_left_alone(self, api, evidence, tmp_path,
                                                          media_root, settings):
        recent = upload_pdf(api, evidence, tmp_path / "a.pdf")
        assert sweeps.requeue_stuck_revisions() == []
        assert sweeps.requeue_stuck_revisions(now=past_threshold(settings, minutes=-2)) == []
        verification.verify_revision(recent)
        assert sweeps.requeue_stuck_revisions(now=past_threshold(settings)) == []

    def test_oldest_first_and_messages_expire(self, api, evidence, tmp_path, media_root,
                                              settings, monkeypatch):
        first = upload_pdf(api, evidence, tmp_path / "a.pdf", text="un")
        second = upload_pdf(api, evidence, tmp_path / "b.pdf", text="deux")
        sent = []
        monkeypatch.setattr(app.tasks[sweeps.VERIFY_TASK], "apply_async",
                            lambda args, expires: sent.append((args, expires)))

        assert sweeps.requeue_stuck_revisions(now=past_threshold(settings)) == [first, second]
        assert sent == [([first], settings.STUCK_REVISION_MINUTES * 60),
                        ([second], settings.STUCK_REVISION_MINUTES * 60)]

    def test_broker_down_enqueues_nothing_and_loses_nothing(self, api, evidence, tmp_path,
                                                            media_root, settings, monkeypatch,
                                                            caplog):
        revision_id = upload_pdf(api, evidence, tmp_path / "a.pdf")
        upload_pdf(api, evidence, tmp_path / "b.pdf", text="deux")
        calls = []

        def refuse(**kwargs):
            calls.append(kwargs)
            raise ConnectionError("broker down")

        monkeypatch.setattr(app.tasks[sweeps.VERIFY_TASK], "apply_async", refuse)

        assert sweeps.requeue_stuck_revisions(now=past_threshold(settings)) == []
        assert len(calls) == 1  # stops at the first refusal
        assert f"could not enqueue {sweeps.VERIFY_TASK}[{revision_id}]" in caplog.text
        monkeypatch.undo()
        assert Revision.objects.get(pk=revision_id).verification_status == "pending"
        assert revision_id in sweeps.requeue_stuck_revisions(now=past_threshold(settings))

    def test_command_and_task(self, api, evidence, tmp_path, media_root, settings):
        import time_machine

        from workers.tasks import requeue_stuck_revisions

        first = upload_pdf(api, evidence, tmp_path / "a.pdf")
        with time_machine.travel(past_threshold(settings)):
            out = io.StringIO()
            call_command("requeue_stuck_revisions", stdout=out)
            assert f"re-enqueued verification of revision {first}" in out.getvalue()
            assert "1 stuck revision(s) re-enqueued" in out.getvalue()
            second = upload_pdf(api, evidence, tmp_path / "b.pdf", text="deux")
        with time_machine.travel(past_threshold(settings, minutes=30)):
            assert requeue_stuck_revisions.apply().get() == "1"
        assert Revision.objects.get(pk=second).verification_status == "verified"


# --------------------------------------------------------------------------- integrity


@pytest.fixture
def quality_managers(member, qm, org, other_org):
    """Two quality managers of the structure, a contributor, and another structure's QM."""
    second = member(Role.QUALITY_MANAGER, username="direction")
    member(Role.CONTRIBUTOR, username="contributeur")
    member(Role.QUALITY_MANAGER, organization=other_org, username="voisin")
    return [qm, second]


@pytest.fixture
def verified(api, evidence, tmp_path, media_root):
    """verified(name, text) -> the StoredFile of a new verified revision of `evidence`."""

    def make(name="attestation.pdf", text="Attestation de formation", target=None):
        revision_id = upload_pdf(api, target or evidence, tmp_path / name, text=text)
        assert verification.verify_revision(revision_id) == "verified"
        return StoredFile.objects.get(revision_id=revision_id)

    return make


def alter(media_root, stored, data=b"%PDF-1.4 altered on disk %%EOF"):
    path = media_root / stored.storage_key
    original = path.read_bytes()
    path.write_bytes(data)
    return original


def checklist_item(api, adoption, ref_id):
    response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/")
    assert response.status_code == 200, response.content
    return next(item for item in response.json()["items"] if item["ref_id"] == ref_id)


class TestRehash:
    def test_altered_file_is_flagged_reported_shown_and_cleared_when_restored(
            self, api, org, qm, evidence, verified, media_root, quality_managers,
            django_capture_on_commit_callbacks):
        referential, requirements = make_referential()
        adoption = Adoption.objects.create(organization=org, referential=referential,
                                           adopted_by=qm)
        EvidenceLink.objects.create(evidence=evidence, requirement=requirements["7.2"],
                                    created_by=qm)
        stored = verified()
        before = checklist_item(api, adoption, "7.2")
        assert (before["status"], before["integrity_error"]) == ("covered", False)
        original = alter(media_root, stored)

        with django_capture_on_commit_callbacks(execute=True):
            result = sweeps.rehash_sample()

        assert (result.checked, result.mismatches, result.flagged) == (1, 1, (stored.pk,))
        stored.refresh_from_db()
        assert stored.integrity_error
        event = AuditEvent.objects.get(action="file.integrity_error")
        assert (event.object_id, event.organization_id) == (str(stored.pk), org.pk)
        assert event.after["problem"] == "hash_mismatch"
        assert event.after["found"]["sha256"] != stored.sha256
        # Every quality manager of the structure, and no one else.
        notes = Notification.objects.filter(kind="integrity_error")
        assert sorted(n.user.username for n in notes) == ["direction", "qualite"]
        assert all(n.organization_id == org.pk for n in notes)
        assert all(n.link == f"/evidence/{evidence.pk}/" for n in notes)
        assert all("attestation.pdf" in n.title and "Attestations SST" in n.body
                   for n in notes)
        assert sorted(m.to[0] for m in mail.outbox) == ["direction@example.org",
                                                        "qualite@example.org"]
        assert all("attestation.pdf" in m.body for m in mail.outbox)
        # The checklist: the evidence no longer covers the requirement, and says why.
        item = checklist_item(api, adoption, "7.2")
        assert item["integrity_error"] is True
        assert (item["status"], item["reason"]) == ("pending", "integrity_error")
        assert item["evidence"][0]["state"] == "integrity_error"
        assert checklist_item(api, adoption, "4.3")["integrity_error"] is False

        # A second run finds it again but does not alert twice.
        with django_capture_on_commit_callbacks(execute=True):
            again = sweeps.rehash_sample()
        assert (again.mismatches, again.flagged) == (1, ())
        assert Notification.objects.count() == 2 and len(mail.outbox) == 2
        assert AuditEvent.objects.filter(action="file.integrity_error").count() == 1

        # The bytes are restored: the flag clears, the checklist is covered again.
        (media_root / stored.storage_key).write_bytes(original)
        restored = sweeps.rehash_sample()
        assert (restored.mismatches, restored.restored) == (0, (stored.pk,))
        stored.refresh_from_db()
        assert not stored.integrity_error
        assert AuditEvent.objects.filter(action="file.integrity_restored",
                                         object_id=str(stored.pk)).exists()
        item = checklist_item(api, adoption, "7.2")
        assert (item["status"], item["integrity_error"]) == ("covered", False)

    def test_missing_object_is_flagged(self, verified, media_root, quality_managers):
        stored = verified()
        (media_root / stored.storage_key).unlink()
        result = sweeps.rehash_sample()
        assert result.flagged == (stored.pk,)
        assert AuditEvent.objects.get(action="file.integrity_error").after == {
            "problem": "stored_object_missing", "found": None}

    def test_one_mail_per_quality_manager_per_run(self, verified, media_root, quality_managers,
                                                  django_capture_on_commit_callbacks):
        first, second = verified("a.pdf", "un"), verified("b.pdf", "deux")
        alter(media_root, first)
        (media_root / second.storage_key).unlink()
        with django_capture_on_commit_callbacks(execute=True):
            result = sweeps.rehash_sample()
        assert result.mismatches == 2
        assert Notification.objects.count() == 4  # one per file and quality manager
        assert len(mail.outbox) == 2
        assert all("a.pdf" in m.body and "b.pdf" in m.body for m in mail.outbox)

    def test_mail_server_down_keeps_the_notifications(self, verified, media_root,
                                                      quality_managers, monkeypatch,
                                                      django_capture_on_commit_callbacks):
        def refuse(*args, **kwargs):
            raise ConnectionRefusedError("smtp down")

        monkeypatch.setattr(alerts, "send_mail", refuse)
        alter(media_root, verified())
        with django_capture_on_commit_callbacks(execute=True):
            sweeps.rehash_sample()
        assert Notification.objects.count() == 2

    def test_least_recently_checked_first(self, verified, settings):
        files = [verified(f"{n}.pdf", f"fichier {n}") for n in range(3)]
        now = timezone.now()
        StoredFile.objects.filter(pk=files[0].pk).update(last_checked_at=None)
        StoredFile.objects.filter(pk=files[1].pk).update(
            last_checked_at=now - datetime.timedelta(days=2))
        StoredFile.objects.filter(pk=files[2].pk).update(
            last_checked_at=now - datetime.timedelta(days=1))
        order = []
        for _round in range(4):
            checked_before = dict(StoredFile.objects.values_list("pk", "last_checked_at"))
            assert sweeps.rehash_sample(size=1).checked == 1
            checked_after = dict(StoredFile.objects.values_list("pk", "last_checked_at"))
            order += [pk for pk in checked_after if checked_after[pk] != checked_before[pk]]
        assert order == [files[0].pk, files[1].pk, files[2].pk, files[0].pk]

        settings.REHASH_SAMPLE_SIZE = 2
        assert sweeps.rehash_sample().checked == 2
        assert sweeps.rehash_sample(size=0).checked == 0
        assert sweeps.rehash_sample(size=1, all_files=True).checked == 3

    def test_only_files_of_verified_revisions(self, api, evidence, verified, tmp_path,
                                              media_root):
        verified()
        upload_pdf(api, evidence, tmp_path / "pending.pdf", text="en attente")
        assert sweeps.rehash_sample(all_files=True).checked == 1

    def test_unreachable_store_flags_nothing(self, verified, monkeypatch):
        for n in range(2):
            verified(f"{n}.pdf", f"fichier {n}")
        stamps = dict(StoredFile.objects.values_list("pk", "last_checked_at"))

        def unreachable(key):
            raise PermissionError(key)

        monkeypatch.setattr(sweeps, "hash_object", unreachable)
        result = sweeps.rehash_sample()
        assert (result.checked, result.mismatches, result.unreadable) == (0, 0, 2)
        assert not StoredFile.objects.filter(integrity_error=True).exists()
        assert dict(StoredFile.objects.values_list("pk", "last_checked_at")) == stamps

    def test_unreachable_store_stops_the_run_early(self, verified, monkeypatch):
        for n in range(sweeps.MAX_CONSECUTIVE_UNREADABLE + 2):
            verified(f"{n}.pdf", f"fichier {n}")

        def store_down(key):
            raise OSError("store down")

        monkeypatch.setattr(sweeps, "hash_object", store_down)
        result = sweeps.rehash_sample()
        assert result.unreadable == sweeps.MAX_CONSECUTIVE_UNREADABLE

    def test_command_and_task(self, verified, media_root, quality_managers):
        from workers.tasks import rehash_sample

        good, bad = verified("a.pdf", "un"), verified("b.pdf", "deux")
        alter(media_root, bad)
        out = io.StringIO()
        call_command("rehash_files", "--size", "1", stdout=out)
        assert "checked 1," in out.getvalue()
        out = io.StringIO()
        call_command("rehash_files", "--all", stdout=out)
        assert f"integrity error: file {bad.pk} ({bad.storage_key})" in out.getvalue()
        assert "checked 2, mismatches 1 (newly flagged 1)" in out.getvalue()
        assert rehash_sample.apply().get().startswith("checked 2, mismatches 1 (newly flagged 0)")
        assert good.pk not in StoredFile.objects.filter(integrity_error=True).values_list(
            "pk", flat=True)
