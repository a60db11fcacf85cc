"""Permission matrix of the vault: evidence items, their revisions and stored files, downloads.
Subjects and the world: see `world.py`; the checks: `base.py`."""

import datetime

import pytest

from audit_prep.models import AuditEvent
from evidence.models import EvidenceItem, EvidenceStatus, Revision, StoredFile

from .base import (
    Area,
    CrossStructureSuite,
    Endpoint,
    MatrixSuite,
    cross_request,
    invalid_in_other_org,
    multipart_file,
    other_org,
)
from .world import CREATE_PROOF, NEW_PROOF, PROOF

EVIDENCE = "/api/v1/evidence/"


def evidence_create(w):
    return {"organization": w.org.pk, "title": "Procedure d'accueil", "kind": "document",
            "effective_date": "2026-03-01", "tags": ["accueil"]}


def _evidence_create_with_file(w):
    return {**evidence_create(w), "tags": "accueil", "files": [multipart_file(*CREATE_PROOF)]}


def _evidence_put(w):
    return {"title": "Revue de direction 2026 (v2)", "description": "Complet",
            "kind": "document", "effective_date": "2026-02-01", "renewal_months": 24,
            "tags": ["revue", "direction"]}


def _new_proof(w):
    return {"files": [multipart_file(*NEW_PROOF)], "note": "Correction"}


def _page_create(w):
    return {"kind": "document", "effective_date": "2026-03-01",
            "files": [multipart_file(*CREATE_PROOF)]}


def _invalid_evidence(w):
    return {"organization": w.org.pk, "title": "", "kind": "unknown"}


ENDPOINTS = [
    Endpoint("evidence-list", "GET", EVIDENCE, listing=EvidenceItem),
    Endpoint("evidence-detail", "GET", "/api/v1/evidence/{evidence}/"),
    Endpoint("evidence-list", "POST", EVIDENCE, data=evidence_create),
    Endpoint("evidence-list", "POST", EVIDENCE, "with file",
             data=_evidence_create_with_file, multipart=True),
    Endpoint("evidence-list", "POST", EVIDENCE, "invalid body", data=_invalid_evidence),
    Endpoint("evidence-detail", "PATCH", "/api/v1/evidence/{evidence}/",
             data=lambda w: {"title": "Revue de direction 2026 (v2)",
                             "tags": ["revue", "direction"]}),
    Endpoint("evidence-detail", "PUT", "/api/v1/evidence/{evidence}/", data=_evidence_put),
    Endpoint("evidence-submit", "POST", "/api/v1/evidence/{evidence}/submit/"),
    Endpoint("evidence-approve", "POST", "/api/v1/evidence/{evidence}/approve/"),
    Endpoint("evidence-archive", "POST", "/api/v1/evidence/{evidence}/archive/",
             data=lambda w: {"reason": "Remplacee par la revue 2027"}),
    Endpoint("evidence-review", "POST", "/api/v1/evidence/{evidence}/review/",
             data=lambda w: {"reviewed_on": "2026-06-01", "note": "Relue, toujours valable"}),
    Endpoint("evidence-revisions", "GET", "/api/v1/evidence/{evidence}/revisions/",
             listing=Revision, only="revision"),
    Endpoint("evidence-revisions", "POST", "/api/v1/evidence/{evidence}/revisions/",
             data=_new_proof, multipart=True),
    # revisions and files
    Endpoint("revision-list", "GET", "/api/v1/revisions/", listing=Revision),
    Endpoint("revision-detail", "GET", "/api/v1/revisions/{revision}/"),
    Endpoint("storedfile-detail", "GET", "/api/v1/files/{file}/"),
    Endpoint("storedfile-download", "GET", "/api/v1/files/{file}/download/"),
    # web pages that upload
    Endpoint("evidence-page-choose", "GET", "/evidence/new/"),
    Endpoint("evidence-page-add", "GET", "/structures/{org}/evidence/new/"),
    Endpoint("evidence-page-add", "POST", "/structures/{org}/evidence/new/",
             data=_page_create, multipart=True),
    Endpoint("evidence-page-new-version", "GET", "/evidence/{evidence}/versions/new/"),
    Endpoint("evidence-page-new-version", "POST", "/evidence/{evidence}/versions/new/",
             data=_new_proof, multipart=True),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "evidence-list GET":                    (401,  200,   200,        200,            200),
    "evidence-detail GET":                  (401,  200,   200,        200,            404),
    "evidence-list POST":                   (401,  403,   201,        201,            400),
    "evidence-list POST with file":         (401,  403,   201,        201,            400),
    # refused before the body is validated when the role may not create
    "evidence-list POST invalid body":      (401,  403,   400,        400,            400),
    "evidence-detail PATCH":                (401,  403,   200,        200,            404),
    "evidence-detail PUT":                  (401,  403,   200,        200,            404),
    "evidence-submit POST":                 (401,  403,   200,        200,            404),
    "evidence-approve POST":                (401,  403,   403,        200,            404),
    "evidence-archive POST":                (401,  403,   403,        200,            404),
    "evidence-review POST":                 (401,  403,   403,        200,            404),
    "evidence-revisions GET":               (401,  200,   200,        200,            404),
    "evidence-revisions POST":              (401,  403,   201,        201,            404),
    "revision-list GET":                    (401,  200,   200,        200,            200),
    "revision-detail GET":                  (401,  200,   200,        200,            404),
    "storedfile-detail GET":                (401,  200,   200,        200,            404),
    "storedfile-download GET":              (401,  200,   200,        200,            404),
    # pages: anonymous visitors go to the login page; those who may not upload get 403, or 404
    # out of scope; the chooser sends a person with one structure straight to it
    "evidence-page-choose GET":             (302,  403,   302,        302,            302),
    "evidence-page-add GET":                (302,  403,   200,        200,            404),
    "evidence-page-add POST":               (302,  403,   302,        302,            404),
    "evidence-page-new-version GET":        (302,  403,   200,        200,            404),
    "evidence-page-new-version POST":       (302,  403,   302,        302,            404),
}
# fmt: on


def _created_evidence(files):
    def check(w, response, user):
        evidence = EvidenceItem.objects.get(pk=response.json()["id"])
        assert (evidence.organization_id, evidence.created_by_id) == (w.org.pk, user.pk)
        names = set(StoredFile.objects.filter(revision__evidence=evidence)
                    .values_list("name", flat=True))
        assert names == files
    return check


def _evidence_is(**fields):
    def check(w, response, user):
        evidence = EvidenceItem.objects.get(pk=w.ids["evidence"])
        for name, value in fields.items():
            value = user.pk if value == "<actor>" else value
            assert getattr(evidence, name) == value, name
    return check


def _new_revision(w, response, user):
    assert response.json()["number"] == 2
    assert [f["name"] for f in response.json()["files"]] == [NEW_PROOF[0]]
    assert Revision.objects.filter(evidence_id=w.ids["evidence"]).count() == 2


def _page_created(w, response, user):
    evidence = EvidenceItem.objects.get(organization=w.org, title="accueil")
    assert (evidence.created_by_id, evidence.status) == (user.pk, EvidenceStatus.DRAFT)
    assert response["Location"] == f"/structures/{w.org.pk}/evidence/new/?created={evidence.pk}"
    assert set(StoredFile.objects.filter(revision__evidence=evidence)
               .values_list("name", flat=True)) == {CREATE_PROOF[0]}


def _page_new_revision(w, response, user):
    assert response["Location"] == f"/evidence/{w.ids['evidence']}/#versions"
    revision = Revision.objects.get(evidence_id=w.ids["evidence"], number=2)
    assert (revision.note, revision.created_by_id) == ("Correction", user.pk)
    assert [file.name for file in revision.files.all()] == [NEW_PROOF[0]]


def _upload_page(endpoint, w, subject, response):
    """The chooser sends a person with one structure to its page; the pages show the form."""
    if endpoint.route == "evidence-page-choose":
        organization = w.other_org if subject == "outsider" else w.org
        assert response["Location"] == f"/structures/{organization.pk}/evidence/new/"
    else:
        assert 'type="file"' in response.content.decode()
        assert w.org.name in response.content.decode()


def _downloaded(w, response, user):
    assert b"".join(response.streaming_content) == PROOF[1]
    assert response["Content-Disposition"].startswith("attachment")
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id) == ("file.download", str(w.ids["file"]))


EFFECTS = {
    "evidence-list POST": _created_evidence(files=set()),
    "evidence-list POST with file": _created_evidence(files={CREATE_PROOF[0]}),
    "evidence-detail PATCH": _evidence_is(title="Revue de direction 2026 (v2)"),
    "evidence-detail PUT": _evidence_is(effective_date=datetime.date(2026, 2, 1),
                                        valid_until=datetime.date(2028, 2, 1)),
    "evidence-submit POST": _evidence_is(status=EvidenceStatus.IN_REVIEW),
    "evidence-approve POST": _evidence_is(status=EvidenceStatus.APPROVED,
                                          approved_by_id="<actor>"),
    "evidence-archive POST": _evidence_is(status=EvidenceStatus.ARCHIVED,
                                          archive_reason="Remplacee par la revue 2027"),
    "evidence-review POST": _evidence_is(last_reviewed_on=datetime.date(2026, 6, 1),
                                         valid_until=datetime.date(2027, 6, 1)),
    "evidence-revisions POST": _new_revision,
    "storedfile-download GET": _downloaded,
    "evidence-page-add POST": _page_created,
    "evidence-page-new-version POST": _page_new_revision,
}


# --- another structure's ids ------------------------------------------------------------------


def _owner(build, method, path="/api/v1/evidence/{evidence}/"):
    def request(w):
        return method, path.format(**w.ids), {**build(w), "owner": w.users["other_member"].pk}
    return request


def _nothing(w):
    return {}


QM, ORG, NOT_THERE, NOT_MEMBER = ("quality_manager", "organization", "does_not_exist",
                                  "owner_not_member")
# fmt: off
CROSS_CASES = {
    # case: (subject, request, status, refused field, its error code)
    "evidence in other_org":
        (QM, cross_request(EVIDENCE, evidence_create, organization=other_org), 400, ORG,
         NOT_THERE),
    "evidence with file in other_org":
        (QM, cross_request(EVIDENCE, _evidence_create_with_file, organization=other_org), 400,
         ORG, NOT_THERE),
    "owner from other_org (PATCH)": (QM, _owner(_nothing, "patch"), 400, "owner", NOT_THERE),
    "owner from other_org (PUT)": (QM, _owner(_evidence_put, "put"), 400, "owner", NOT_THERE),
    "owner from other_org (create)":
        (QM, _owner(evidence_create, "post", EVIDENCE), 400, "owner", NOT_THERE),
    "both orgs: owner from other_org (PATCH)":
        ("dual", _owner(_nothing, "patch"), 400, "owner", NOT_MEMBER),
    "both orgs: owner from other_org (PUT)":
        ("dual", _owner(_evidence_put, "put"), 400, "owner", NOT_MEMBER),
    "both orgs: owner from other_org (create)":
        ("dual", _owner(evidence_create, "post", EVIDENCE), 400, "owner", NOT_MEMBER),
    "both orgs: evidence where only viewer":
        ("dual", cross_request(EVIDENCE, evidence_create, organization=other_org), 403, None,
         None),
    "both orgs: file where only viewer":
        ("dual", cross_request(EVIDENCE, _evidence_create_with_file, organization=other_org),
         403, None, None),
    "both orgs: invalid evidence-list where only viewer":
        ("dual", invalid_in_other_org(EVIDENCE, _invalid_evidence), 403, None, None),
    "outsider: evidence in org":
        ("outsider", cross_request(EVIDENCE, evidence_create), 400, ORG, NOT_THERE),
}
# fmt: on

MOVES = [
    pytest.param("/api/v1/evidence/{evidence}/", lambda w: {"organization": w.other_org.pk},
                 lambda: list(EvidenceItem.objects.order_by("pk").values_list(
                     "organization_id", flat=True)),
                 id="evidence organization is read-only"),
]
FILTERS = [
    pytest.param("/api/v1/evidence/?organization={}", "org", id="evidence?organization"),
    pytest.param("/api/v1/evidence/?owner={}", "other_member", id="evidence?owner"),
    pytest.param("/api/v1/revisions/?evidence={}", "evidence", id="revisions?evidence"),
]


class TestEvidence(MatrixSuite, CrossStructureSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS,
        storing=frozenset({"evidence-list POST with file", "evidence-revisions POST",
                           "evidence-page-add POST", "evidence-page-new-version POST"}),
        reads={route: _upload_page for route in ("evidence-page-choose", "evidence-page-add",
                                                  "evidence-page-new-version")},
        audited_reads=frozenset({"storedfile-download"}),
        options_paths=("/api/v1/evidence/{evidence}/", "/api/v1/evidence/{evidence}/approve/",
                       "/api/v1/evidence/{evidence}/revisions/", "/api/v1/revisions/{revision}/",
                       "/api/v1/files/{file}/", "/api/v1/files/{file}/download/"),
        cross_cases=CROSS_CASES, moves=MOVES, filters=FILTERS,
    )
