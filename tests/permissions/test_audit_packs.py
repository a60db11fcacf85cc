"""Permission matrix of sealed audit packs: every member follows an audit's packs and downloads
a built one; only the quality manager seals, builds a failed pack again and re-verifies a seal.
Each structure's audit holds a built pack and one whose build failed (`world.py`); the checks:
`base.py`. The auditor's download from the workspace is specified with the workspace."""

import pytest

from audit_prep.models import AuditEvent
from audits.models import AuditPack, PackFile
from audits.packs.models import BuildState, VerificationState

from .base import Area, CrossStructureSuite, Endpoint, MatrixSuite, cross_request, other

PACKS = "/api/v1/audit-packs/"
PAGE = "/structures/{org}/settings/audits/{packed_engagement}/packs/"
ROW = PAGE + "{pack}/"
FAILED_ROW = PAGE + "{failed_pack}/"


def seal_body(w):
    return {"engagement": w.ids["packed_engagement"]}


ENDPOINTS = [
    Endpoint("audit-pack-list", "GET", PACKS, listing=AuditPack),
    Endpoint("audit-pack-detail", "GET", PACKS + "{pack}/"),
    Endpoint("audit-pack-list", "POST", PACKS, data=seal_body),
    Endpoint("audit-pack-verify", "POST", PACKS + "{pack}/verify/"),
    Endpoint("audit-pack-rebuild", "POST", PACKS + "{failed_pack}/rebuild/"),
    Endpoint("audit-pack-download", "GET", PACKS + "{pack}/download/"),
    Endpoint("audit-pack-list", "POST", PACKS, "invalid body", data=lambda w: {}),
    # the pages, under the audit in the structure's settings
    Endpoint("structure-settings-engagement-packs", "GET", PAGE),
    Endpoint("structure-settings-engagement-packs", "POST", PAGE, multipart=True,
             data=lambda w: {}),
    Endpoint("structure-settings-pack-status", "GET", ROW),
    Endpoint("structure-settings-pack-download", "GET", ROW + "download/"),
    Endpoint("structure-settings-pack-verify", "POST", ROW + "verify/"),
    Endpoint("structure-settings-pack-rebuild", "POST", FAILED_ROW + "rebuild/"),
    Endpoint("structure-settings-pack-verify", "GET", ROW + "verify/"),
]

# fmt: off
MATRIX = {
    # endpoint                              anonymous viewer contributor quality_manager outsider
    "audit-pack-list GET":                      (401,  200,   200,        200,            200),
    "audit-pack-detail GET":                    (401,  200,   200,        200,            404),
    "audit-pack-list POST":                     (401,  403,   403,        201,            400),
    "audit-pack-verify POST":                   (401,  403,   403,        202,            404),
    "audit-pack-rebuild POST":                  (401,  403,   403,        202,            404),
    "audit-pack-download GET":                  (401,  200,   200,        200,            404),
    "audit-pack-list POST invalid body":        (401,  403,   403,        400,            400),
    "structure-settings-engagement-packs GET":  (302,  200,   200,        200,            404),
    "structure-settings-engagement-packs POST": (302,  403,   403,        302,            404),
    "structure-settings-pack-status GET":       (302,  200,   200,        200,            404),
    "structure-settings-pack-download GET":     (302,  200,   200,        200,            404),
    "structure-settings-pack-verify POST":      (302,  403,   403,        302,            404),
    "structure-settings-pack-rebuild POST":     (302,  403,   403,        302,            404),
    "structure-settings-pack-verify GET":       (302,  405,   405,        405,            405),
}
# fmt: on


def _last_event(action):
    return AuditEvent.objects.order_by("-id").first().action == action


def _sealed(w, response, user):
    pack = AuditPack.objects.filter(engagement_id=w.ids["packed_engagement"]).latest("number")
    assert (pack.number, pack.sealed_by_id, pack.state) == (3, user.pk, BuildState.QUEUED)
    assert pack.files.count() == PackFile.objects.filter(pack_id=w.ids["pack"]).count()
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["id"] == pack.pk
    else:
        assert response["Location"] == PAGE.format(**w.ids)
    assert _last_event("audit_pack.seal")


def _verification_queued(w, response, user):
    assert AuditPack.objects.get(pk=w.ids["pack"]).verification == VerificationState.QUEUED
    assert _last_event("audit_pack.verification_request")


def _rebuild_queued(w, response, user):
    assert AuditPack.objects.get(pk=w.ids["failed_pack"]).state == BuildState.QUEUED
    assert _last_event("audit_pack.rebuild")


def _downloaded(w, response, user):
    pack = AuditPack.objects.get(pk=w.ids["pack"])
    assert response["X-Checksum-SHA256"] == pack.archive_sha256
    assert b"".join(response.streaming_content)[:2] == b"PK"
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.after["engagement"]) == ("audit_pack.download",
                                                         w.ids["packed_engagement"])


EFFECTS = {
    "audit-pack-list POST": _sealed,
    "audit-pack-verify POST": _verification_queued,
    "audit-pack-rebuild POST": _rebuild_queued,
    "audit-pack-download GET": _downloaded,
    "structure-settings-engagement-packs POST": _sealed,
    "structure-settings-pack-download GET": _downloaded,
    "structure-settings-pack-verify POST": _verification_queued,
    "structure-settings-pack-rebuild POST": _rebuild_queued,
}


def _packs_page(endpoint, w, subject, response):
    text = response.content.decode()
    assert w.org.name in text and AuditPack.objects.get(pk=w.ids["pack"]).seal in text
    assert ("Sceller l'audit maintenant" in text) == (subject == "quality_manager")


def _pack_row(endpoint, w, subject, response):
    text = response.content.decode()
    assert AuditPack.objects.get(pk=w.ids["pack"]).archive_sha256 in text
    assert ("/verify/" in text) == (subject == "quality_manager")


READS = {"structure-settings-engagement-packs": _packs_page,
         "structure-settings-pack-status": _pack_row}

CROSS_CASES = {
    "pack of other_org's audit":
        ("quality_manager", cross_request(PACKS, seal_body, engagement=other("packed_engagement")),
         400, "engagement", "does_not_exist"),
    "outsider: pack of org's audit":
        ("outsider", cross_request(PACKS, seal_body), 400, "engagement", "does_not_exist"),
}


class TestAuditPacks(MatrixSuite, CrossStructureSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS, reads=READS,
        audited_reads=frozenset({"audit-pack-download", "structure-settings-pack-download"}),
        options_paths=(PACKS + "{pack}/",), cross_cases=CROSS_CASES,
        filters=[(PACKS + "?engagement={}", "packed_engagement")],
    )


@pytest.mark.parametrize("subject", ["viewer", "quality_manager"])
def test_a_pack_not_built_yet_is_not_downloaded(world, subject):
    """The failed pack has no ZIP: the API answers 409 `pack_not_ready`, the page 404."""
    api = world.client(subject).get(PACKS + f"{world.ids['failed_pack']}/download/")
    page = world.client(subject, session=True).get(
        FAILED_ROW.format(**world.ids) + "download/")
    assert (api.status_code, api.json()["error"]["code"], page.status_code) == (
        409, "pack_not_ready", 404)
