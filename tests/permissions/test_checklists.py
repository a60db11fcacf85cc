"""Permission matrix of the checklists: referentials and requirements (the library, readable by
every signed-in user and never writable, and each structure's own list), adoptions with their
checklist, exports and snapshots, exclusions, links from evidence to requirements.
Subjects and the world: see `world.py`; the checks: `base.py`."""

import datetime

import pytest
from django.utils import timezone

from audit_prep.models import AuditEvent
from checklists import exports
from checklists.models import (
    Adoption,
    EvidenceLink,
    Exclusion,
    ReadinessSnapshot,
    Referential,
    Requirement,
)

from .base import (
    Area,
    CrossStructureSuite,
    Endpoint,
    MatrixSuite,
    cross_request,
    invalid_in_other_org,
    org,
    other,
    other_org,
)
from .checklist_bodies import (
    ADOPTIONS,
    BULK,
    EXCLUSIONS,
    IMPORT,
    INVALID_WRITES,
    LINKS,
    REQUIREMENTS,
    adoption_create,
    bulk_link,
    exclusion_create,
    link_create,
    own_list,
    own_requirement,
    template_completion,
)
from .world import EXPORT_FORMATS, JUSTIFICATION, NEW_JUSTIFICATION, PROOF

MASTER_LIST_FORMATS = ("xlsx", "pdf")

ENDPOINTS = [
    # referentials: the library and the structures' own lists (read-only)
    Endpoint("referential-list", "GET", "/api/v1/referentials/", listing=Referential),
    Endpoint("referential-detail", "GET", "/api/v1/referentials/{referential}/"),
    Endpoint("referential-detail", "GET", "/api/v1/referentials/{library_referential}/",
             "library"),
    # requirements
    Endpoint("requirement-list", "GET", REQUIREMENTS, listing=Requirement),
    Endpoint("requirement-detail", "GET", "/api/v1/requirements/{requirement}/"),
    Endpoint("requirement-detail", "GET", "/api/v1/requirements/{library_requirement}/",
             "library"),
    Endpoint("requirement-list", "POST", REQUIREMENTS, data=own_requirement),
    # a structure's requirement added under a template's node, and completing a template
    Endpoint("requirement-detail", "GET", "/api/v1/requirements/{added_requirement}/",
             "added"),
    Endpoint("requirement-list", "POST", REQUIREMENTS, "template", data=template_completion),
    # withdrawing: a structure's own requirements only, never the library's
    Endpoint("requirement-detail", "DELETE", "/api/v1/requirements/{requirement}/"),
    Endpoint("requirement-detail", "DELETE", "/api/v1/requirements/{added_requirement}/",
             "added"),
    Endpoint("requirement-detail", "DELETE", "/api/v1/requirements/{library_requirement}/",
             "library"),
    Endpoint("requirement-import-list", "POST", IMPORT, data=own_list, multipart=True),
    # adoptions and their checklist
    Endpoint("adoption-list", "GET", ADOPTIONS, listing=Adoption),
    Endpoint("adoption-detail", "GET", "/api/v1/adoptions/{adoption}/"),
    Endpoint("adoption-list", "POST", ADOPTIONS, data=adoption_create),
    Endpoint("adoption-detail", "PATCH", "/api/v1/adoptions/{adoption}/",
             data=lambda w: {"warning_days": 60}),
    Endpoint("adoption-detail", "PUT", "/api/v1/adoptions/{adoption}/",
             data=lambda w: {"target_audit_date": "2027-06-30", "warning_days": 45}),
    Endpoint("adoption-checklist", "GET", "/api/v1/adoptions/{adoption}/checklist/"),
    *(Endpoint("adoption-export", "GET", f"/api/v1/adoptions/{{adoption}}/checklist/export/{fmt}/",
               fmt) for fmt in EXPORT_FORMATS),
    # the master list of documented information of a structure
    *(Endpoint("documented-information-export", "GET",
               f"/api/v1/documented-information/{{org}}/export/{fmt}/", fmt)
      for fmt in MASTER_LIST_FORMATS),
    Endpoint("adoption-snapshots", "GET", "/api/v1/adoptions/{adoption}/snapshots/",
             listing=ReadinessSnapshot, only="snapshot"),
    Endpoint("adoption-snapshots", "POST", "/api/v1/adoptions/{adoption}/snapshots/"),
    # exclusions
    Endpoint("exclusion-list", "GET", EXCLUSIONS, listing=Exclusion),
    Endpoint("exclusion-detail", "GET", "/api/v1/exclusions/{exclusion}/"),
    Endpoint("exclusion-list", "POST", EXCLUSIONS, data=exclusion_create),
    Endpoint("exclusion-detail", "PATCH", "/api/v1/exclusions/{exclusion}/",
             data=lambda w: {"justification": NEW_JUSTIFICATION}),
    Endpoint("exclusion-detail", "PUT", "/api/v1/exclusions/{exclusion}/",
             data=lambda w: {"justification": NEW_JUSTIFICATION}),
    Endpoint("exclusion-detail", "DELETE", "/api/v1/exclusions/{exclusion}/"),
    # links from evidence to requirements
    Endpoint("link-list", "GET", LINKS, listing=EvidenceLink),
    Endpoint("link-detail", "GET", "/api/v1/links/{link}/"),
    Endpoint("link-list", "POST", LINKS, data=link_create),
    Endpoint("link-detail", "DELETE", "/api/v1/links/{link}/"),
    Endpoint("link-bulk", "POST", BULK, data=bulk_link),
    # each structure's readiness policy, by structure id (records count once verified or approved)
    Endpoint("readinesspolicy-list", "GET", "/api/v1/readiness-policies/"),
    Endpoint("readinesspolicy-detail", "GET", "/api/v1/readiness-policies/{org}/"),
    Endpoint("readinesspolicy-detail", "PATCH", "/api/v1/readiness-policies/{org}/",
             data=lambda w: {"records_need_approval": True}),
    Endpoint("readinesspolicy-detail", "PUT", "/api/v1/readiness-policies/{org}/",
             data=lambda w: {"records_need_approval": True}),
    # writes without an object, with a body that does not validate: the role is checked first
    *(Endpoint(route, "POST", path, "invalid body", data=data, multipart=multipart)
      for route, path, data, multipart in INVALID_WRITES),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "referential-list GET":                 (401,  200,   200,        200,            200),
    "referential-detail GET":               (401,  200,   200,        200,            404),
    "referential-detail GET library":       (401,  200,   200,        200,            200),
    "requirement-list GET":                 (401,  200,   200,        200,            200),
    "requirement-detail GET":               (401,  200,   200,        200,            404),
    "requirement-detail GET library":       (401,  200,   200,        200,            200),
    "requirement-list POST":                (401,  403,   403,        201,            400),
    "requirement-detail GET added":         (401,  200,   200,        200,            404),
    "requirement-list POST template":       (401,  403,   403,        201,            400),
    "requirement-detail DELETE":            (401,  403,   403,        204,            404),
    "requirement-detail DELETE added":      (401,  403,   403,        204,            404),
    "requirement-detail DELETE library":    (401,  404,   404,        404,            404),
    "requirement-import-list POST":         (401,  403,   403,        201,            400),
    "adoption-list GET":                    (401,  200,   200,        200,            200),
    "adoption-detail GET":                  (401,  200,   200,        200,            404),
    "adoption-list POST":                   (401,  403,   403,        201,            400),
    "adoption-detail PATCH":                (401,  403,   403,        200,            404),
    "adoption-detail PUT":                  (401,  403,   403,        200,            404),
    "adoption-checklist GET":               (401,  200,   200,        200,            404),
    "adoption-export GET xlsx":             (401,  200,   200,        200,            404),
    "adoption-export GET pdf":              (401,  200,   200,        200,            404),
    "adoption-export GET csv":              (401,  200,   200,        200,            404),
    "documented-information-export GET xlsx": (401, 200,  200,        200,            404),
    "documented-information-export GET pdf": (401,  200,  200,        200,            404),
    "adoption-snapshots GET":               (401,  200,   200,        200,            404),
    "adoption-snapshots POST":              (401,  403,   201,        201,            404),
    "exclusion-list GET":                   (401,  200,   200,        200,            200),
    "exclusion-detail GET":                 (401,  200,   200,        200,            404),
    "exclusion-list POST":                  (401,  403,   403,        201,            400),
    "exclusion-detail PATCH":               (401,  403,   403,        200,            404),
    "exclusion-detail PUT":                 (401,  403,   403,        200,            404),
    "exclusion-detail DELETE":              (401,  403,   403,        204,            404),
    "link-list GET":                        (401,  200,   200,        200,            200),
    "link-detail GET":                      (401,  200,   200,        200,            404),
    "link-list POST":                       (401,  403,   201,        201,            400),
    "link-detail DELETE":                   (401,  403,   204,        204,            404),
    "link-bulk POST":                       (401,  403,   201,        201,            400),
    "readinesspolicy-list GET":             (401,  200,   200,        200,            200),
    "readinesspolicy-detail GET":           (401,  200,   200,        200,            404),
    "readinesspolicy-detail PATCH":         (401,  403,   403,        200,            404),
    # changed with PATCH only
    "readinesspolicy-detail PUT":           (401,  405,   405,        405,            405),
    # invalid bodies: 403 wherever the role does not allow the write, before validation
    "requirement-list POST invalid body":   (401,  403,   403,        400,            400),
    "requirement-import-list POST invalid body": (401, 403, 403,      400,            400),
    "adoption-list POST invalid body":      (401,  403,   403,        400,            400),
    "exclusion-list POST invalid body":     (401,  403,   403,        400,            400),
    "link-list POST invalid body":          (401,  403,   400,        400,            400),
    "link-bulk POST invalid body":          (401,  403,   400,        400,            400),
}
# fmt: on


def _checklist(endpoint, w, subject, response):
    body = response.json()
    assert (body["adoption"], body["organization"]["id"]) == (w.ids["adoption"], w.org.pk)
    assert {item["ref_id"] for item in body["items"]} >= {"4.3", "6.2.1", "9.3.3"}


def own_requirement_added(w, response, user):
    requirement = Requirement.objects.get(referential__organization=w.org, ref_id="P3")
    assert response.json()["id"] == requirement.pk
    assert (requirement.referential_id, requirement.documented_information) == (
        w.ids["referential"], ["maintain"])


def own_list_imported(w, response, user):
    assert response.json() == {"added": 2, "changed": 0, "rows": 2}
    ref_ids = Requirement.objects.filter(referential_id=w.ids["referential"]).values_list(
        "ref_id", flat=True)
    assert set(ref_ids) == {"P1", "P2", "A1", "A2"}


def _adopted(w, response, user):
    adoption = Adoption.objects.get(organization=w.org, referential=w.ids["unadopted_referential"])
    assert response.json()["id"] == adoption.pk
    assert (adoption.adopted_by_id, adoption.target_audit_date) == (
        user.pk, datetime.date(2027, 9, 30))


def _adoption_is(**fields):
    def check(w, response, user):
        adoption = Adoption.objects.get(pk=w.ids["adoption"])
        assert {name: getattr(adoption, name) for name in fields} == fields
    return check


_EXPORT_MAGIC = {"xlsx": b"PK\x03\x04", "pdf": b"%PDF-", "csv": b"\xef\xbb\xbf"}


def _exported(fmt):
    def check(w, response, user):
        assert response["Content-Type"] == exports.EXPORTERS[fmt][1]
        assert response["Content-Disposition"].startswith("attachment")
        assert response.content.startswith(_EXPORT_MAGIC[fmt])
        event = AuditEvent.objects.latest("id")
        assert (event.action, event.object_id, event.organization_id) == (
            "checklist.export", str(w.ids["adoption"]), w.org.pk)
        assert event.after["format"] == fmt
    return check


def _master_list_exported(fmt):
    def check(w, response, user):
        assert response["Content-Type"] == exports.MASTER_LIST_EXPORTERS[fmt][1]
        assert response["Content-Disposition"] == (
            f'attachment; filename="liste-des-informations-documentees_ai-du-val_'
            f'{timezone.localdate().isoformat()}.{fmt}"')
        content = b"".join(response.streaming_content)
        assert content.startswith(_EXPORT_MAGIC[fmt])
        if fmt == "pdf":  # org's item is listed, other_org's is not
            from tests.checklists.exporting import pdf_text

            text = pdf_text(content)
            assert f"EV-{w.ids['evidence']:06d}" in text
            assert f"EV-{w.other_ids['evidence']:06d}" not in text
            assert PROOF[0] not in text
        event = AuditEvent.objects.latest("id")
        assert (event.action, event.object_id, event.organization_id) == (
            "documented_information.export", str(w.org.pk), w.org.pk)
        assert event.after["format"] == fmt
    return check


def _snapshot_taken(w, response, user):
    snapshot = ReadinessSnapshot.objects.get(pk=response.json()["id"])
    assert (snapshot.organization_id, snapshot.taken_by_id) == (w.org.pk, user.pk)
    assert snapshot.referential_id == w.ids["library_referential"]


def _excluded(w, response, user):
    exclusion = Exclusion.objects.get(organization=w.org,
                                          requirement=w.ids["excludable_requirement"])
    assert (exclusion.justification, exclusion.decided_by_id) == (JUSTIFICATION, user.pk)


def _exclusion_rejustified(w, response, user):
    exclusion = Exclusion.objects.get(pk=w.ids["exclusion"])
    assert (exclusion.justification, exclusion.decided_by_id) == (NEW_JUSTIFICATION, user.pk)
    assert exclusion.requirement_id == w.ids["excluded"]


def _exclusion_withdrawn(w, response, user):
    assert not Exclusion.objects.filter(pk=w.ids["exclusion"]).exists()


def _linked(*requirements):
    def check(w, response, user):
        pairs = set(EvidenceLink.objects.filter(evidence=w.ids["evidence"]).values_list(
            "requirement_id", "created_by_id"))
        assert pairs == {(w.ids["requirement"], w.users["quality_manager"].pk)} | {
            (w.ids[key], user.pk) for key in requirements}
    return check


def bulk_linked(w, response, user):
    assert response.json() == {"created": 1}  # the pair already linked is left as it is
    _linked("library_requirement")(w, response, user)


def _unlinked(w, response, user):
    assert not EvidenceLink.objects.filter(pk=w.ids["link"]).exists()


def _records_need_approval(w, response, user):
    assert response.json() == {"organization": w.org.pk, "records_need_approval": True}
    w.org.refresh_from_db()
    assert w.org.records_need_approval is True


def _readiness_policies(endpoint, w, subject, response):
    org = w.other_org if subject == "outsider" else w.org
    assert response.json()["results"] == [{"organization": org.pk,
                                            "records_need_approval": False}]


def _readiness_policy(endpoint, w, subject, response):
    assert response.json() == {"organization": w.org.pk, "records_need_approval": False}


def template_completed(w, response, user):
    requirement = Requirement.objects.get(pk=response.json()["id"])
    assert (requirement.referential_id, requirement.organization_id, requirement.parent.ref_id,
            requirement.urn) == (w.ids["template_referential"], w.org.pk, "T2",
                                 f"{requirement.referential.urn}:org-{w.org.pk}:T2.1")


def _withdrawn(key):
    def check(w, response, user):
        assert Requirement.objects.get(pk=w.ids[key]).retired_at is not None
    return check


EFFECTS = {
    "requirement-list POST": own_requirement_added,
    "requirement-list POST template": template_completed,
    "requirement-detail DELETE": _withdrawn("requirement"),
    "requirement-detail DELETE added": _withdrawn("added_requirement"),
    "requirement-import-list POST": own_list_imported,
    "adoption-list POST": _adopted,
    "adoption-detail PATCH": _adoption_is(warning_days=60,
                                          target_audit_date=datetime.date(2027, 3, 15)),
    "adoption-detail PUT": _adoption_is(warning_days=45,
                                        target_audit_date=datetime.date(2027, 6, 30)),
    **{f"adoption-export GET {fmt}": _exported(fmt) for fmt in EXPORT_FORMATS},
    **{f"documented-information-export GET {fmt}": _master_list_exported(fmt)
       for fmt in MASTER_LIST_FORMATS},
    "adoption-snapshots POST": _snapshot_taken,
    "exclusion-list POST": _excluded,
    "exclusion-detail PATCH": _exclusion_rejustified,
    "exclusion-detail PUT": _exclusion_rejustified,
    "exclusion-detail DELETE": _exclusion_withdrawn,
    "link-list POST": _linked("library_requirement"),
    "link-detail DELETE": _unlinked,
    "link-bulk POST": bulk_linked,
    "readinesspolicy-detail PATCH": _records_need_approval,
}


# --- another structure's ids ------------------------------------------------------------------

QM, ORG, NOT_THERE, NOT_ADOPTED = ("quality_manager", "organization", "does_not_exist",
                                   "requirement_not_adopted")


def _evidence_of_both(w):
    return [w.ids["evidence"], w.other_ids["evidence"]]


# fmt: off
CROSS_CASES = {
    # case: (subject, request, status, refused field, its error code)
    # the quality manager of org names other_org or one of its objects
    "own requirement in other_org":
        (QM, cross_request(REQUIREMENTS, own_requirement, organization=other_org), 400, ORG,
         NOT_THERE),
    "template completed in other_org":
        (QM, cross_request(REQUIREMENTS, template_completion, organization=other_org), 400, ORG,
         NOT_THERE),
    "own list imported into other_org":
        (QM, cross_request(IMPORT, own_list, organization=other_org), 400, ORG, NOT_THERE),
    "adoption for other_org":
        (QM, cross_request(ADOPTIONS, adoption_create, organization=other_org), 400, ORG,
         NOT_THERE),
    "adoption of other_org's own list":
        (QM, cross_request(ADOPTIONS, adoption_create, referential=other("referential")), 400,
         "referential", NOT_THERE),
    "exclusion in other_org":
        (QM, cross_request(EXCLUSIONS, exclusion_create, organization=other_org), 400, ORG,
         NOT_THERE),
    "exclusion of other_org's own requirement":
        (QM, cross_request(EXCLUSIONS, exclusion_create, requirement=other("requirement")),
         400, "requirement", NOT_THERE),
    "link to a requirement of other_org's own list":
        (QM, cross_request(LINKS, link_create, requirement=other("requirement")), 400,
         "requirement", NOT_THERE),
    "link to a requirement other_org added under the template":
        (QM, cross_request(LINKS, link_create, requirement=other("added_requirement")), 400,
         "requirement", NOT_THERE),
    "exclusion of a requirement other_org added under the template":
        (QM, cross_request(EXCLUSIONS, exclusion_create,
                           requirement=other("added_requirement")), 400, "requirement",
         NOT_THERE),
    "link with other_org's evidence":
        (QM, cross_request(LINKS, link_create, evidence=other("evidence")), 400, "evidence",
         NOT_THERE),
    "bulk link to a requirement of other_org's own list":
        (QM, cross_request(BULK, bulk_link, requirements=lambda w: [
            w.ids["library_requirement"], w.other_ids["requirement"]]), 400, "requirements",
         NOT_THERE),
    "bulk link with other_org's evidence":
        (QM, cross_request(BULK, bulk_link, evidence=_evidence_of_both), 400, "evidence",
         NOT_THERE),
    # ... and when the user also is a viewer of other_org: refused (403)
    "both orgs: own requirement where only viewer":
        ("dual", cross_request(REQUIREMENTS, own_requirement, organization=other_org), 403,
         None, None),
    "both orgs: own list where only viewer":
        ("dual", cross_request(IMPORT, own_list, organization=other_org), 403, None, None),
    "both orgs: adoption where only viewer":
        ("dual", cross_request(ADOPTIONS, adoption_create, organization=other_org), 403, None,
         None),
    "both orgs: exclusion where only viewer":
        ("dual", cross_request(EXCLUSIONS, exclusion_create, organization=other_org), 403,
         None, None),
    "both orgs: link of evidence where only viewer":
        ("dual", cross_request(LINKS, link_create, evidence=other("evidence")), 403, None,
         None),
    "both orgs: bulk link of evidence where only viewer":
        ("dual", cross_request(BULK, bulk_link, evidence=_evidence_of_both), 403, None, None),
    # ... before the body is validated, in the structure the body names
    **{f"both orgs: invalid {route} where only viewer":
       ("dual", invalid_in_other_org(path, data), 403, None, None)
       for route, path, data, _multipart in INVALID_WRITES},
    "both orgs: adoption of other_org's own list":
        ("dual", cross_request(ADOPTIONS, adoption_create, referential=other("referential")),
         400, "referential", NOT_THERE),
    "both orgs: exclusion of other_org's own requirement":
        ("dual", cross_request(EXCLUSIONS, exclusion_create,
                               requirement=other("requirement")), 400, "requirement",
         NOT_ADOPTED),
    "both orgs: link to other_org's own requirement":
        ("dual", cross_request(LINKS, link_create, requirement=other("requirement")), 400,
         "requirement", NOT_ADOPTED),
    "both orgs: bulk link to other_org's own requirement":
        ("dual", cross_request(BULK, bulk_link, requirements=lambda w: [
            w.other_ids["requirement"]]), 400, "requirement", NOT_ADOPTED),
    # the outsider names org
    "outsider: own requirement in org":
        ("outsider", cross_request(REQUIREMENTS, own_requirement, organization=org), 400, ORG,
         NOT_THERE),
    "outsider: adoption for org":
        ("outsider", cross_request(ADOPTIONS, adoption_create, organization=org), 400, ORG,
         NOT_THERE),
    "outsider: exclusion in org":
        ("outsider", cross_request(EXCLUSIONS, exclusion_create, organization=org), 400, ORG,
         NOT_THERE),
    "outsider: link of org's evidence":
        ("outsider", cross_request(LINKS, link_create), 400, "evidence", NOT_THERE),
}
# fmt: on

MOVES = [
    pytest.param("/api/v1/adoptions/{adoption}/",
                 lambda w: {"organization": w.other_org.pk,
                            "referential": w.ids["unadopted_referential"], "warning_days": 10},
                 lambda: list(Adoption.objects.order_by("pk").values_list(
                     "organization_id", "referential_id")),
                 id="adoption organization and referential are read-only"),
    pytest.param("/api/v1/exclusions/{exclusion}/",
                 lambda w: {"organization": w.other_org.pk,
                            "requirement": w.ids["library_requirement"],
                            "justification": NEW_JUSTIFICATION},
                 lambda: list(Exclusion.objects.order_by("pk").values_list(
                     "organization_id", "requirement_id")),
                 id="exclusion organization and requirement are read-only"),
]
FILTERS = [
    pytest.param("/api/v1/referentials/?organization={}", "org", id="referentials?organization"),
    pytest.param("/api/v1/requirements/?referential={}", "referential",
                 id="requirements?referential"),
    pytest.param("/api/v1/adoptions/?organization={}", "org", id="adoptions?organization"),
    pytest.param("/api/v1/adoptions/?referential={}", "referential", id="adoptions?referential"),
    pytest.param("/api/v1/exclusions/?organization={}", "org", id="exclusions?organization"),
    pytest.param("/api/v1/exclusions/?requirement={}", "excluded", id="exclusions?requirement"),
    pytest.param("/api/v1/links/?evidence={}", "evidence", id="links?evidence"),
    pytest.param("/api/v1/links/?requirement={}", "requirement", id="links?requirement"),
]


class TestChecklists(MatrixSuite, CrossStructureSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS,
        reads={"adoption-checklist": _checklist, "readinesspolicy-list": _readiness_policies,
               "readinesspolicy-detail": _readiness_policy},
        audited_reads=frozenset({"adoption-export", "documented-information-export"}),
        options_paths=(
            "/api/v1/referentials/{referential}/", "/api/v1/requirements/{requirement}/",
            "/api/v1/adoptions/{adoption}/", "/api/v1/adoptions/{adoption}/checklist/",
            "/api/v1/adoptions/{adoption}/checklist/export/pdf/",
            "/api/v1/documented-information/{org}/export/pdf/",
            "/api/v1/adoptions/{adoption}/snapshots/", "/api/v1/exclusions/{exclusion}/",
            "/api/v1/links/{link}/", "/api/v1/readiness-policies/{org}/"),
        cross_cases=CROSS_CASES, moves=MOVES, filters=FILTERS,
    )
