"""Sealed audit packs: what a pack freezes, its ZIP opened back and checked with `sha256sum -c`,
a sealed pack unchanged after its evidence is replaced, the revision in force at the audit
date, the worker's build run twice, a file altered or missing in the store named by the
verification and by the build, an empty pack, and the orphan sweep leaving a pack's files."""

import datetime
import hashlib
import io
import json
import subprocess
import zipfile

import openpyxl
import pytest
import time_machine

from audit_prep.models import AuditEvent
from audits.packs import builder, services, verification
from audits.packs import manifest as manifests
from audits.packs.models import AuditPack, BuildState, VerificationState
from checklists.services import tailoring
from evidence import storage, sweeps
from evidence.models import StoredFile
from evidence.references import reference
from workers import tasks

from .packs_setup import PROCEDURE, REVIEW, REVIEW_V2, add_revision, engagement, proof

pytestmark = pytest.mark.usefixtures("today")
EXCLUDED = "Pas de conception : la structure met du personnel à disposition."


@pytest.fixture
def vault(api, org, qm, iso, adoption, media_root, django_capture_on_commit_callbacks):
    """The procedure answers 7.2; the management review answers 9.3.3 and 7.2; 8.3 is
    excluded with its justification; 6.2.1 has nothing."""
    requirements = {r.ref_id: r for r in iso.requirements.all()}
    procedure = proof(api, django_capture_on_commit_callbacks, qm, org, "Procédure d'accueil",
                      [requirements["7.2"]], PROCEDURE)
    review = proof(api, django_capture_on_commit_callbacks, qm, org, "Revue de direction",
                   [requirements["9.3.3"], requirements["7.2"]], REVIEW)
    tailoring.exclude(qm, org, requirements["8.3"], EXCLUDED)
    return {"procedure": procedure, "review": review, "store": media_root}


def sealed(qm, audit, capture):
    with capture(execute=True):
        pack = services.seal(qm, audit)
    pack.refresh_from_db()
    return pack


def archive_of(pack) -> zipfile.ZipFile:
    with storage.open_object(pack.archive_key) as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def extracted_sums_check(pack, tmp_path) -> subprocess.CompletedProcess:
    folder = tmp_path / f"pack-{pack.pk}"
    archive_of(pack).extractall(folder)
    return subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True,
                          text=True, check=False)


def requirement(manifest, ref_id):
    [found] = [r for r in manifest["referentials"][0]["requirements"] if r["ref_id"] == ref_id]
    return found


def test_the_zip_opens_back_with_its_folders_indexes_and_verified_sums(
        qm, iso, vault, tmp_path, django_capture_on_commit_callbacks):
    pack = sealed(qm, engagement(qm, vault["procedure"].organization, iso),
                  django_capture_on_commit_callbacks)

    assert pack.state == BuildState.READY
    archive = archive_of(pack)
    chapter7 = "ISO9001/7 Exigence 7 — œuvre/7.2 Exigence 7.2 — œuvre"
    assert sorted(archive.namelist()) == sorted([
        f"{chapter7}/7.2 Procédure d'accueil.txt", f"{chapter7}/7.2 Revue de direction.txt",
        "ISO9001/9 Exigence 9 — œuvre/9.3.3 Exigence 9.3.3 — œuvre/"
        "9.3.3 Revue de direction.txt",
        "index.xlsx", "index.pdf", "manifest.json", "SHA256SUMS"])
    assert archive.read(f"{chapter7}/7.2 Procédure d'accueil.txt") == PROCEDURE[1]
    # manifest.json is the sealed canonical manifest: its SHA-256 is the seal
    assert hashlib.sha256(archive.read("manifest.json")).hexdigest() == pack.seal
    checked = extracted_sums_check(pack, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 6  # three evidence files and three index files
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("index.xlsx"))).active
    cells = list(sheet.iter_rows(values_only=True))
    assert any(pack.seal in row for row in cells)
    assert [row[:5] for row in cells if row[1] == "7.2"] == [
        ("ISO9001", "7.2", "Exigence 7.2 — œuvre", "couvert", reference(vault[key].pk))
        for key in ("review", "procedure")]  # the checklist's order
    assert [row[3:5] for row in cells if row[1] == "6.2.1"] == [("manquant", "—")]
    assert archive.read("index.pdf").startswith(b"%PDF")


def test_the_manifest_freezes_statuses_exclusions_revisions_and_hashes(
        qm, iso, vault, django_capture_on_commit_callbacks):
    pack = sealed(qm, engagement(qm, vault["procedure"].organization, iso),
                  django_capture_on_commit_callbacks)

    manifest = json.loads(pack.manifest)
    assert manifests.canonical(manifest).decode() == pack.manifest  # canonical as stored
    assert hashlib.sha256(pack.manifest.encode()).hexdigest() == pack.seal
    assert (manifest["audit_date"], manifest["engagement"]["start_date"]) == (
        "2027-02-10", "2027-02-10")
    referential = manifest["referentials"][0]
    assert referential["exclusions"] == [{"ref_id": "8.3", "name": "Exigence 8.3 — œuvre",
                                          "justification": EXCLUDED, "applied": True}]
    assert (requirement(manifest, "8.3")["status"], requirement(manifest, "6.2.1")["status"],
            requirement(manifest, "7.2")["status"]) == ("not_applicable", "missing", "covered")
    [review] = [e for e in requirement(manifest, "9.3.3")["evidence"]]
    stored = StoredFile.objects.get(revision__evidence=vault["review"])
    assert review["revision"]["number"] == 1
    assert review["files"] == [{"id": stored.pk, "name": "revue-direction.txt",
                                "mime_type": "text/plain", "size": len(REVIEW[1]),
                                "sha256": hashlib.sha256(REVIEW[1]).hexdigest(),
                                "path": "ISO9001/9 Exigence 9 — œuvre/9.3.3 Exigence 9.3.3 — "
                                        "œuvre/9.3.3 Revue de direction.txt"}]
    assert (manifest["requests"], manifest["findings"]) == ([], [])
    event = AuditEvent.objects.filter(action="audit_pack.seal").get()
    assert (event.actor_id, event.after["seal"], event.after["files"]) == (qm.pk, pack.seal, 3)


def test_a_sealed_pack_is_unchanged_when_its_evidence_is_replaced(
        api, qm, iso, vault, django_capture_on_commit_callbacks):
    audit = engagement(qm, vault["procedure"].organization, iso)
    pack = sealed(qm, audit, django_capture_on_commit_callbacks)
    before = (pack.manifest, pack.seal, list(pack.files.values_list("stored_file", "sha256")))
    first_zip = archive_of(pack).read("SHA256SUMS")

    add_revision(api, django_capture_on_commit_callbacks, vault["review"], REVIEW_V2)

    pack.refresh_from_db()
    assert (pack.manifest, pack.seal,
            list(pack.files.values_list("stored_file", "sha256"))) == before
    assert archive_of(pack).read("SHA256SUMS") == first_zip
    verification.verify(pack.pk, None)  # nothing queued: nothing done
    assert services.request_verification(qm, pack).verification == VerificationState.QUEUED
    assert verification.verify(pack.pk, qm.pk).startswith("intact")
    # a new seal takes the new version
    newer = sealed(qm, audit, django_capture_on_commit_callbacks)
    assert newer.number == 2 and newer.seal != pack.seal
    assert [e["revision"]["number"] for e in requirement(json.loads(newer.manifest), "9.3.3")
            ["evidence"]] == [2]


def test_the_revision_in_force_on_the_audit_date_is_the_one_sealed(
        api, qm, iso, vault, django_capture_on_commit_callbacks):
    audit = engagement(qm, vault["procedure"].organization, iso)
    with time_machine.travel(datetime.datetime(2027, 2, 15, 10, tzinfo=datetime.UTC),
                             tick=False):
        add_revision(api, django_capture_on_commit_callbacks, vault["review"], REVIEW_V2)
        pack = sealed(qm, audit, django_capture_on_commit_callbacks)

    [review] = requirement(json.loads(pack.manifest), "9.3.3")["evidence"]
    assert review["revision"]["number"] == 1  # version 2 was verified after the audit date
    assert archive_of(pack).read(review["files"][0]["path"]) == REVIEW[1]


def test_an_audit_without_evidence_is_a_valid_empty_pack(
        qm, org, iso, adoption, media_root, tmp_path, django_capture_on_commit_callbacks):
    pack = sealed(qm, engagement(qm, org, iso), django_capture_on_commit_callbacks)

    assert (pack.state, pack.file_count, pack.total_bytes) == (BuildState.READY, 0, 0)
    assert sorted(archive_of(pack).namelist()) == [
        "SHA256SUMS", "index.pdf", "index.xlsx", "manifest.json"]
    checked = extracted_sums_check(pack, tmp_path)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 3


def test_the_build_task_run_twice_builds_once(qm, iso, vault, django_capture_on_commit_callbacks):
    pack = services.seal(qm, engagement(qm, vault["procedure"].organization, iso))  # not run

    first = tasks.build_audit_pack.apply(args=[pack.pk]).get()
    second = tasks.build_audit_pack.apply(args=[pack.pk]).get()

    pack.refresh_from_db()
    assert (first.startswith("built "), second) == (True, "nothing to build")
    assert pack.state == BuildState.READY and pack.build_attempts == 1
    assert AuditEvent.objects.filter(action="audit_pack.built").count() == 1
    assert (pack.progress_done, pack.files_done) == (pack.total_bytes, 3)


def test_a_build_in_progress_is_left_to_its_worker_until_its_heartbeat_stops(
        qm, iso, vault):
    pack = services.seal(qm, engagement(qm, vault["procedure"].organization, iso))
    builder.claim(pack.pk)  # another worker took it

    with pytest.raises(builder.Busy):
        builder.build(pack.pk)

    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, 3, tzinfo=datetime.UTC)):
        assert builder.build(pack.pk).startswith("built ")  # the other one died
    pack.refresh_from_db()
    assert (pack.state, pack.build_attempts) == (BuildState.READY, 2)


def _overwrite(store, stored_file, data: bytes):
    (store / stored_file.storage_key).write_bytes(data)


def test_verification_names_each_file_altered_or_missing_in_the_store(
        qm, iso, vault, django_capture_on_commit_callbacks):
    pack = sealed(qm, engagement(qm, vault["procedure"].organization, iso),
                  django_capture_on_commit_callbacks)
    review = StoredFile.objects.get(revision__evidence=vault["review"])
    procedure = StoredFile.objects.get(revision__evidence=vault["procedure"])
    _overwrite(vault["store"], review, b"Compte rendu falsifie.\n")
    (vault["store"] / procedure.storage_key).unlink()

    with django_capture_on_commit_callbacks(execute=True):
        services.request_verification(qm, pack)

    pack.refresh_from_db()
    chapter7 = "ISO9001/7 Exigence 7 — œuvre/7.2 Exigence 7.2 — œuvre"
    assert pack.verification == VerificationState.ALTERED
    assert pack.verification_report == {
        "seal": "intact", "checked": 3, "archive": "intact",
        "altered": [f"{chapter7}/7.2 Revue de direction.txt",
                    "ISO9001/9 Exigence 9 — œuvre/9.3.3 Exigence 9.3.3 — œuvre/"
                    "9.3.3 Revue de direction.txt"],
        "missing": [f"{chapter7}/7.2 Procédure d'accueil.txt"]}
    event = AuditEvent.objects.filter(action="audit_pack.verify").get()
    assert (event.actor_id, event.after["result"], event.after["missing"]) == (
        qm.pk, "altered", [f"{chapter7}/7.2 Procédure d'accueil.txt"])


def test_verification_finds_a_manifest_changed_in_the_database(qm, iso, vault):
    pack = services.seal(qm, engagement(qm, vault["procedure"].organization, iso))
    AuditPack.objects.filter(pk=pack.pk).update(
        manifest=pack.manifest.replace('"status":"missing"', '"status":"covered"'))
    pack.refresh_from_db()

    report = verification.check(pack)

    assert (report["seal"], report["altered"], report["missing"]) == ("altered", [], [])


def test_a_file_altered_before_the_build_fails_it_by_name(
        qm, iso, vault, django_capture_on_commit_callbacks):
    procedure = StoredFile.objects.get(revision__evidence=vault["procedure"])
    _overwrite(vault["store"], procedure, b"Autre contenu.\n")

    pack = sealed(qm, engagement(qm, vault["procedure"].organization, iso),
                  django_capture_on_commit_callbacks)

    assert (pack.state, pack.failure_reason, pack.failure_detail) == (
        BuildState.FAILED, "altered_file",
        "ISO9001/7 Exigence 7 — œuvre/7.2 Exigence 7.2 — œuvre/7.2 Procédure d'accueil.txt")
    assert AuditEvent.objects.filter(action="audit_pack.build_failed").count() == 1
    _overwrite(vault["store"], procedure, PROCEDURE[1])  # put back from a backup
    with django_capture_on_commit_callbacks(execute=True):
        services.rebuild(qm, pack)
    pack.refresh_from_db()
    assert pack.state == BuildState.READY


def test_the_orphan_sweep_leaves_a_packs_zip_and_files(
        qm, iso, vault, django_capture_on_commit_callbacks):
    pack = sealed(qm, engagement(qm, vault["procedure"].organization, iso),
                  django_capture_on_commit_callbacks)

    with time_machine.travel(datetime.datetime(2027, 6, 1, tzinfo=datetime.UTC)):
        removed = sweeps.remove_orphans()

    assert removed == []
    assert (vault["store"] / pack.archive_key).exists()
    assert verification.check(pack)["archive"] == "intact"


def test_a_sealed_audit_cannot_be_cancelled(api, qm, org, iso, adoption, media_root):
    audit = engagement(qm, org, iso)
    services.seal(qm, audit)

    response = api.delete(f"/api/v1/engagements/{audit.pk}/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "engagement_sealed"


def test_the_published_findings_are_sealed(qm, org, iso, adoption, media_root):
    from audits import findings
    from audits import services as audits
    from audits.models import EngagementKind, GradingScale

    internal = audits.create_engagement(qm, org, {
        "kind": EngagementKind.INTERNAL, "referentials": [iso],
        "start_date": datetime.date(2026, 11, 2), "end_date": datetime.date(2026, 11, 3)})
    grade = GradingScale.objects.get(organization=org, certification_body="").grades.get(
        code="major_nc")
    requirement = iso.requirements.get(ref_id="9.2.2")
    published = findings.publish(qm, findings.draft_finding(qm, internal, {
        "grade": grade.pk, "text": "Aucun audit interne des achats.",
        "requirements": [requirement.pk]}))
    findings.draft_finding(qm, internal, {"grade": grade.pk, "text": "Brouillon",
                                          "requirements": [requirement.pk]})

    pack = services.seal(qm, internal)

    [sealed_finding] = json.loads(pack.manifest)["findings"]  # the draft is not
    version = published.versions.get()
    assert (sealed_finding["text"], sealed_finding["sha256"], sealed_finding["grade"]) == (
        "Aucun audit interne des achats.", version.sha256, "major_nc")


def test_the_requests_are_sealed_as_the_auditor_sees_them(qm, iso, vault):
    from audits.requests import services as requests

    audit = engagement(qm, vault["procedure"].organization, iso)
    review = iso.requirements.get(ref_id="9.3.3")
    asked = requests.create_request(qm, audit, {
        "requirements": [review], "asked": "Le compte rendu de la revue de direction",
        "due_date": datetime.date(2027, 1, 15), "assignee": qm})
    requests.add_answer(qm, asked, vault["review"])
    requests.submit(qm, asked)
    waiting = requests.create_request(qm, audit, {
        "requirements": [review], "asked": "Les indicateurs du trimestre",
        "due_date": datetime.date(2027, 1, 20), "assignee": qm})
    requests.add_answer(qm, waiting, vault["procedure"])  # not submitted: not shown

    pack = services.seal(qm, audit)

    assert [(r["reference"], r["auditor_status"], r["requirements"], r["answers"])
            for r in json.loads(pack.manifest)["requests"]] == [
        (asked.reference, "submitted", ["9.3.3"], [reference(vault["review"].pk)]),
        (waiting.reference, "requested", ["9.3.3"], [])]


def test_a_build_or_verification_left_waiting_is_sent_again(qm, iso, vault, monkeypatch):
    from audits.packs import sweeps as pack_sweeps

    sent = []
    monkeypatch.setattr(pack_sweeps, "enqueue", lambda task, *ids, **options:
                        sent.append((task, *ids)) or True)
    waiting = services.seal(qm, engagement(qm, vault["procedure"].organization, iso))
    services.request_verification(qm, waiting)  # the broker was down: nothing ran
    assert pack_sweeps.requeue_stuck() == []  # too early to call it stuck

    later = datetime.datetime(2026, 12, 5, 9, 11, tzinfo=datetime.UTC)
    assert pack_sweeps.requeue_stuck(later) == [waiting.pk, waiting.pk]
    assert sent == [("workers.build_audit_pack", waiting.pk),
                    ("workers.verify_audit_pack", waiting.pk)]

    assert tasks.build_audit_pack.apply(args=[waiting.pk]).get().startswith("built ")
    assert verification.verify(waiting.pk, None).startswith("intact")
    sent.clear()
    assert pack_sweeps.requeue_stuck(later) == [] and sent == []
