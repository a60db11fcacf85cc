"""Sealed packs through the API and the pages: a quality manager seals, follows the build on a
progress bar and downloads the ZIP with the safe headers of every download; members follow and
download; the seal is the quality managers'. On S3 the same pack is built, verified and
downloaded through a signed URL."""

import io
import zipfile

import pytest

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from audits.packs import builder, services
from audits.packs.models import AuditPack, BuildState
from tests.s3 import moto_server, s3_storage  # noqa: F401

from .packs_setup import PROCEDURE, engagement, proof

pytestmark = pytest.mark.usefixtures("today")
PACKS = "/api/v1/audit-packs/"


@pytest.fixture
def audit(media_root, api, org, qm, iso, adoption, django_capture_on_commit_callbacks):
    [requirement] = iso.requirements.filter(ref_id="7.2")
    proof(api, django_capture_on_commit_callbacks, qm, org, "Procédure d'accueil",
          [requirement], PROCEDURE)
    return engagement(qm, org, iso)


def page(org, audit, suffix=""):
    return f"/structures/{org.pk}/settings/audits/{audit.pk}/packs/{suffix}"


def test_the_api_seals_and_the_worker_builds(api, audit, media_root,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(PACKS, {"engagement": audit.pk}, format="json")

    assert response.status_code == 201, response.content
    body = api.get(f"{PACKS}{response.json()['id']}/").json()
    assert (body["state"], body["state_label"], body["file_count"], body["progress"]) == (
        "ready", "prêt à télécharger", 1,
        {"done": len(PROCEDURE[1]), "total": len(PROCEDURE[1]), "files_done": 1,
         "files_total": 1, "percent": 100})
    download = api.get(f"{PACKS}{body['id']}/download/")
    assert download.status_code == 200
    assert (download["Content-Type"], download["X-Content-Type-Options"],
            download["Content-Security-Policy"], download["X-Checksum-SHA256"]) == (
        "application/zip", "nosniff", "default-src 'none'; sandbox", body["archive_sha256"])
    assert download["Content-Disposition"] == (
        'attachment; filename="dossier-audit_ai-du-val_2027-02-10_1.zip"')
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert "SHA256SUMS" in names
    assert AuditEvent.objects.filter(action="audit_pack.download").count() == 1


def test_a_pack_is_downloaded_only_once_built(api, audit, media_root):
    pack = services.seal(api.handler._force_user, audit)  # the build is not run

    response = api.get(f"{PACKS}{pack.pk}/download/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "pack_not_ready"


def test_the_page_shows_the_build_progress_and_polls_until_ready(client, qm, org, audit,
                                                                  media_root):
    pack = services.seal(qm, audit)
    builder.claim(pack.pk)
    AuditPack.objects.filter(pk=pack.pk).update(progress_done=20, files_done=0)
    client.force_login(qm)

    building = client.get(page(org, audit, f"{pack.pk}/")).content.decode()

    assert f'hx-get="{page(org, audit, f"{pack.pk}/")}" hx-trigger="every 1s"' in building
    assert f'max="{len(PROCEDURE[1])}" value="20"' in building
    assert f"20\xa0octets sur {len(PROCEDURE[1])}\xa0octets (0 sur 1 fichier)" in building
    AuditPack.objects.filter(pk=pack.pk).update(progress_at=None)  # as if that build died
    builder.build(pack.pk)
    ready = client.get(page(org, audit, f"{pack.pk}/")).content.decode()
    assert "hx-trigger" not in ready and "<progress" not in ready
    assert "Télécharger le dossier (ZIP" in ready


def test_a_member_follows_and_downloads_but_does_not_seal(client, member, qm, org, audit,
                                                           media_root,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pack = services.seal(qm, audit)
    contributor = member(Role.CONTRIBUTOR)
    client.force_login(contributor)

    listing = client.get(page(org, audit)).content.decode()

    assert "Sceller l'audit maintenant" not in listing
    assert "Vérifier le sceau" not in listing
    assert client.post(page(org, audit)).status_code == 403
    assert client.get(page(org, audit, f"{pack.pk}/download/")).status_code == 200
    assert AuditEvent.objects.filter(action="audit_pack.download",
                                     actor_id=contributor.pk).exists()


def test_a_failed_build_is_named_on_the_page(client, qm, org, audit, media_root):
    pack = services.seal(qm, audit)
    builder.claim(pack.pk)
    AuditPack.objects.filter(pk=pack.pk).update(
        state=BuildState.FAILED, failure_reason="missing_file",
        failure_detail="ISO9001/7/7.2 Procédure d'accueil.txt")
    client.force_login(qm)

    text = client.get(page(org, audit)).content.decode()

    assert "ce fichier manque dans le stockage : ISO9001/7/7.2 Procédure d&#x27;accueil.txt" \
        in text
    assert "Construire le ZIP à nouveau" in text


def test_on_s3_the_pack_is_built_verified_and_signed_for_download(
        api, qm, org, iso, adoption, s3_storage, django_capture_on_commit_callbacks):  # noqa: F811
    [requirement] = iso.requirements.filter(ref_id="7.2")
    proof(api, django_capture_on_commit_callbacks, qm, org, "Procédure d'accueil",
          [requirement], PROCEDURE)
    with django_capture_on_commit_callbacks(execute=True):
        pack = services.seal(qm, engagement(qm, org, iso))
    pack.refresh_from_db()
    assert pack.state == BuildState.READY, pack.failure_detail
    assert pack.archive_key in s3_storage.keys("packs/")
    archive = zipfile.ZipFile(io.BytesIO(s3_storage.get(pack.archive_key)))
    assert archive.read("SHA256SUMS").count(b"\n") == 4

    [evidence_key] = s3_storage.keys("o/")
    s3_storage.put(evidence_key, b"Remplace dans le seau.\n")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_verification(qm, pack)
    pack.refresh_from_db()
    assert pack.verification_report["altered"] == [
        "ISO9001/7 Exigence 7 — œuvre/7.2 Exigence 7.2 — œuvre/7.2 Procédure d'accueil.txt"]

    response = api.get(f"{PACKS}{pack.pk}/download/")
    assert response.status_code == 302
    assert "response-content-disposition=attachment" in response["Location"]


def test_the_list_of_packs_reads_a_fixed_number_of_queries(api, qm, audit, media_root,
                                                            django_assert_max_num_queries,
                                                            django_assert_num_queries):
    services.seal(qm, audit)
    with django_assert_max_num_queries(20) as one:
        assert api.get(PACKS).json()["count"] == 1
    for _ in range(9):
        services.seal(qm, audit)
    with django_assert_num_queries(len(one.captured_queries)):
        assert api.get(PACKS).json()["count"] == 10
