"""Permission matrix of the certification cycle: certificates per referential and audits
(engagements). Every member reads them; only the quality manager records, changes or cancels
them. Subjects and the world: see `world.py` (each structure holds a certificate for the
library referential and its first surveillance audit, planned on the adoption's target date);
the checks: `base.py`."""

import datetime

import pytest

from audit_prep.models import AuditEvent
from audits.models import Certificate, Engagement
from checklists.models import Adoption

from .base import (
    Area,
    CrossStructureSuite,
    Endpoint,
    MatrixSuite,
    cross_request,
    invalid_in_other_org,
    other,
    other_org,
)

CERTIFICATES, ENGAGEMENTS = "/api/v1/certificates/", "/api/v1/engagements/"
AUDITS_PAGE = "/structures/{org}/settings/audits/"


def certificate_create(w):
    return {"organization": w.org.pk, "referential": w.ids["library_referential"],
            "certification_body": "Bureau Veritas", "decision_date": "2023-03-01",
            "expiry_date": "2026-02-28"}


def engagement_create(w):
    return {"organization": w.org.pk, "kind": "internal",
            "referentials": [w.ids["library_referential"]], "start_date": "2027-01-11",
            "end_date": "2027-01-12", "lead_auditor": "Claire Martin"}


def engagement_put(w):
    return {"kind": "surveillance_1", "referentials": [w.ids["library_referential"]],
            "start_date": "2027-03-15", "end_date": "2027-03-17",
            "certification_body": "AFNOR Certification", "lead_auditor": "Paul Durand",
            "scope": "8.5, 9.2"}


INVALID_WRITES = (
    ("certificate-list", CERTIFICATES,
     lambda w: {**certificate_create(w), "expiry_date": "2022-01-01"}),
    ("engagement-list", ENGAGEMENTS,
     lambda w: {**engagement_create(w), "end_date": "2027-01-01"}),
)

ENDPOINTS = [
    Endpoint("certificate-list", "GET", CERTIFICATES, listing=Certificate),
    Endpoint("certificate-detail", "GET", CERTIFICATES + "{certificate}/"),
    Endpoint("certificate-list", "POST", CERTIFICATES, data=certificate_create),
    Endpoint("certificate-detail", "PATCH", CERTIFICATES + "{certificate}/",
             data=lambda w: {"number": "FR-2026-0042"}),
    Endpoint("certificate-detail", "PUT", CERTIFICATES + "{certificate}/",
             data=lambda w: {"certification_body": "AFNOR Certification", "number": "FR-1",
                             "decision_date": "2026-03-02", "expiry_date": "2029-03-01",
                             "scope": "Mise à disposition de personnel"}),
    Endpoint("engagement-list", "GET", ENGAGEMENTS, listing=Engagement),
    Endpoint("engagement-detail", "GET", ENGAGEMENTS + "{engagement}/"),
    Endpoint("engagement-list", "POST", ENGAGEMENTS, data=engagement_create),
    Endpoint("engagement-detail", "PATCH", ENGAGEMENTS + "{engagement}/",
             data=lambda w: {"lead_auditor": "Paul Durand"}),
    Endpoint("engagement-detail", "PUT", ENGAGEMENTS + "{engagement}/", data=engagement_put),
    Endpoint("engagement-detail", "DELETE", ENGAGEMENTS + "{engagement}/"),
    *(Endpoint(route, "POST", path, "invalid body", data=data)
      for route, path, data in INVALID_WRITES),
    # the pages, in the structure's settings (forms posted as browsers post them)
    Endpoint("structure-settings-audits", "GET", AUDITS_PAGE),
    Endpoint("structure-settings-audits", "POST", AUDITS_PAGE, multipart=True,
             data=lambda w: {"form": "engagement", "kind": "internal",
                             "referentials": [w.ids["library_referential"]],
                             "start_date": "2027-01-11", "end_date": "2027-01-12"}),
    Endpoint("structure-settings-engagement", "GET", AUDITS_PAGE + "{engagement}/"),
    Endpoint("structure-settings-engagement", "POST", AUDITS_PAGE + "{engagement}/",
             multipart=True, data=lambda w: {**engagement_put(w), "certificate": ""}),
    Endpoint("structure-settings-engagement-cancel", "POST",
             AUDITS_PAGE + "{engagement}/cancel/"),
    Endpoint("structure-settings-engagement-cancel", "GET",
             AUDITS_PAGE + "{engagement}/cancel/"),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "certificate-list GET":                 (401,  200,   200,        200,            200),
    "certificate-detail GET":               (401,  200,   200,        200,            404),
    "certificate-list POST":                (401,  403,   403,        201,            400),
    "certificate-detail PATCH":             (401,  403,   403,        200,            404),
    "certificate-detail PUT":               (401,  403,   403,        200,            404),
    "engagement-list GET":                  (401,  200,   200,        200,            200),
    "engagement-detail GET":                (401,  200,   200,        200,            404),
    "engagement-list POST":                 (401,  403,   403,        201,            400),
    "engagement-detail PATCH":              (401,  403,   403,        200,            404),
    "engagement-detail PUT":                (401,  403,   403,        200,            404),
    "engagement-detail DELETE":             (401,  403,   403,        204,            404),
    # invalid bodies: 403 wherever the role does not allow the write, before validation
    "certificate-list POST invalid body":   (401,  403,   403,        400,            400),
    "engagement-list POST invalid body":    (401,  403,   403,        400,            400),
    # pages: anonymous visitors sign in first, another structure's audits are 404
    "structure-settings-audits GET":        (302,  200,   200,        200,            404),
    "structure-settings-audits POST":       (302,  403,   403,        302,            404),
    "structure-settings-engagement GET":    (302,  200,   200,        200,            404),
    "structure-settings-engagement POST":   (302,  403,   403,        302,            404),
    "structure-settings-engagement-cancel POST": (302, 403, 403,      302,            404),
    "structure-settings-engagement-cancel GET":  (302, 405, 405,      405,            405),
}
# fmt: on


def _last_events(*actions):
    events = list(AuditEvent.objects.order_by("-id")[:len(actions)])
    assert [event.action for event in reversed(events)] == list(actions)
    return events


def _target(w):
    return Adoption.objects.get(pk=w.ids["adoption"]).target_audit_date


def _certificate_created(w, response, user):
    certificate = Certificate.objects.get(organization=w.org,
                                          decision_date=datetime.date(2023, 3, 1))
    body = response.json()
    assert body["id"] == certificate.pk and certificate.created_by_id == user.pk
    # expired long ago: its surveillance audits were never recorded
    assert [(step["kind"], step["state"]) for step in body["cycle"]] == [
        ("surveillance_1", "overdue"), ("surveillance_2", "overdue"), ("renewal", "overdue")]
    _last_events("certificate.create")


def _certificate_is(**fields):
    def check(w, response, user):
        certificate = Certificate.objects.get(pk=w.ids["certificate"])
        assert {name: getattr(certificate, name) for name in fields} == fields
        _last_events("certificate.update")
    return check


def _engagement_created(w, response, user):
    engagement = Engagement.objects.get(organization=w.org, kind="internal",
                                        start_date=datetime.date(2027, 1, 11))
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["id"] == engagement.pk
    else:  # the page sends back to the audits, where it is listed
        assert response["Location"] == f"/structures/{w.org.pk}/settings/audits/"
    # the adoption's target date follows the next audit, now this earlier one
    assert _target(w) == datetime.date(2027, 1, 11)
    _last_events("engagement.create", "referential.adoption_update")


def _engagement_is(**fields):
    def check(w, response, user):
        engagement = Engagement.objects.get(pk=w.ids["engagement"])
        assert {name: getattr(engagement, name) for name in fields} == fields
        assert _target(w) == datetime.date(2027, 3, 15)
        _last_events("engagement.update")
    return check


def _engagement_cancelled(w, response, user):
    assert not Engagement.objects.filter(pk=w.ids["engagement"]).exists()
    assert _target(w) is None  # the cancelled audit's date does not stay behind
    _last_events("engagement.cancel", "referential.adoption_update")


EFFECTS = {
    "certificate-list POST": _certificate_created,
    "certificate-detail PATCH": _certificate_is(number="FR-2026-0042"),
    "certificate-detail PUT": _certificate_is(number="FR-1",
                                              scope="Mise à disposition de personnel"),
    "engagement-list POST": _engagement_created,
    "engagement-detail PATCH": _engagement_is(lead_auditor="Paul Durand"),
    "engagement-detail PUT": _engagement_is(end_date=datetime.date(2027, 3, 17), scope="8.5, 9.2"),
    "engagement-detail DELETE": _engagement_cancelled,
    "structure-settings-audits POST": _engagement_created,
    "structure-settings-engagement POST": _engagement_is(end_date=datetime.date(2027, 3, 17),
                                                         scope="8.5, 9.2"),
    "structure-settings-engagement-cancel POST": _engagement_cancelled,
}

def _audits_page(endpoint, w, subject, response):
    """The audits of `org`, with its certificate's cycle; the forms for its quality manager."""
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/html") and w.org.name in text
    assert "AFNOR Certification" in text
    assert ('name="form" value="certificate"' in text) == (subject == "quality_manager")


def _engagement_page(endpoint, w, subject, response):
    text = response.content.decode()
    assert w.org.name in text and ("2027-03-15" in text or "15 mars 2027" in text)
    assert ('name="lead_auditor"' in text) == (subject == "quality_manager")


READS = {"structure-settings-audits": _audits_page,
         "structure-settings-engagement": _engagement_page}

QM, ORG, NOT_THERE = "quality_manager", "organization", "does_not_exist"

# fmt: off
CROSS_CASES = {
    "certificate in other_org":
        (QM, cross_request(CERTIFICATES, certificate_create, organization=other_org), 400, ORG,
         NOT_THERE),
    "engagement in other_org":
        (QM, cross_request(ENGAGEMENTS, engagement_create, organization=other_org), 400, ORG,
         NOT_THERE),
    "engagement naming other_org's certificate":
        (QM, cross_request(ENGAGEMENTS, engagement_create, certificate=other("certificate")),
         400, "certificate", NOT_THERE),
    "engagement on other_org's own referential":
        (QM, cross_request(ENGAGEMENTS, engagement_create,
                           referentials=lambda w: [w.other_ids["referential"]]),
         400, "referentials", NOT_THERE),
    "both orgs: certificate where only viewer":
        ("dual", cross_request(CERTIFICATES, certificate_create, organization=other_org), 403,
         None, None),
    **{f"both orgs: invalid {route} where only viewer":
       ("dual", invalid_in_other_org(path, data), 403, None, None)
       for route, path, data in INVALID_WRITES},
    "outsider: engagement in org":
        ("outsider", cross_request(ENGAGEMENTS, engagement_create), 400, ORG, NOT_THERE),
}
# fmt: on


MOVES = [
    pytest.param(ENGAGEMENTS + "{engagement}/", lambda w: {"organization": w.other_org.pk},
                 lambda: list(Engagement.objects.order_by("pk").values_list("organization_id",
                                                                            flat=True)),
                 id="engagement organization is read-only"),
    pytest.param(CERTIFICATES + "{certificate}/",
                 lambda w: {"referential": w.ids["unadopted_referential"]},
                 lambda: list(Certificate.objects.order_by("pk").values_list("referential_id",
                                                                             flat=True)),
                 id="certificate referential is read-only"),
]
FILTERS = [
    (CERTIFICATES + "?organization={}", "org"),
    (CERTIFICATES + "?referential={}", "referential"),
    (ENGAGEMENTS + "?organization={}", "org"),
    (ENGAGEMENTS + "?certificate={}", "certificate"),
]


class TestAudits(MatrixSuite, CrossStructureSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS,
        options_paths=(CERTIFICATES + "{certificate}/", ENGAGEMENTS + "{engagement}/"),
        cross_cases=CROSS_CASES, moves=MOVES, filters=FILTERS, reads=READS,
    )
