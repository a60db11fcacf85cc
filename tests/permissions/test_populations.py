"""Permission matrix of the populations: populations (one per kind and structure), their
pseudonymous members, the import of members from a file, and the members evidence names.
Subjects and the world: see `world.py`; the checks: `base.py`."""

import datetime

import pytest

from audit_prep.models import AuditEvent
from populations.models import EvidenceMember, Member, Population

from .base import (
    Area,
    CrossStructureSuite,
    Endpoint,
    MatrixSuite,
    cross_request,
    invalid_in_other_org,
    multipart_file,
    org,
    other,
    other_org,
)

POPULATIONS, MEMBERS, SET = ("/api/v1/populations/", "/api/v1/members/",
                             "/api/v1/evidence-members/set/")
MEMBER_FILE = ("salaries.csv", "référence;initiales;date d'entrée;date de sortie\n"
               "1002;CD;01/09/2025;31/03/2026\n1003;EF;2026-01-05;\n".encode())


def population_create(w):
    return {"organization": w.org.pk, "kind": "vehicles"}


def member_create(w):
    return {"population": w.ids["population"], "reference": "1003", "initials": "EF",
            "entry_date": "2026-01-05"}


def members_set(w):
    return {"evidence": w.ids["evidence"], "members": [w.ids["member"], w.ids["free_member"]]}


def member_file(w):
    return {"file": multipart_file(*MEMBER_FILE)}


INVALID_WRITES = (
    ("population-list", POPULATIONS, lambda w: {"organization": w.org.pk, "kind": "pets"}),
    ("member-list", MEMBERS, lambda w: {"population": w.ids["population"]}),
    ("evidencemember-set-members", SET, lambda w: {"evidence": w.ids["evidence"]}),
)

ENDPOINTS = [
    Endpoint("population-list", "GET", POPULATIONS, listing=Population),
    Endpoint("population-detail", "GET", "/api/v1/populations/{population}/"),
    Endpoint("population-list", "POST", POPULATIONS, data=population_create),
    Endpoint("population-detail", "DELETE", "/api/v1/populations/{empty_population}/"),
    Endpoint("population-import-members", "POST", "/api/v1/populations/{population}/import/",
             data=member_file, multipart=True),
    Endpoint("population-import-members", "POST", "/api/v1/populations/{population}/import/",
             "invalid body", data=lambda w: {}, multipart=True),
    Endpoint("member-list", "GET", MEMBERS, listing=Member),
    Endpoint("member-detail", "GET", "/api/v1/members/{member}/"),
    Endpoint("member-list", "POST", MEMBERS, data=member_create),
    Endpoint("member-detail", "PATCH", "/api/v1/members/{member}/",
             data=lambda w: {"exit_date": "2026-06-30"}),
    Endpoint("member-detail", "PUT", "/api/v1/members/{member}/",
             data=lambda w: {"reference": "1001", "initials": "AC",
                             "entry_date": "2025-09-01", "exit_date": "2026-06-30"}),
    Endpoint("member-detail", "DELETE", "/api/v1/members/{free_member}/"),
    Endpoint("evidencemember-list", "GET", "/api/v1/evidence-members/",
             listing=EvidenceMember),
    Endpoint("evidencemember-detail", "GET", "/api/v1/evidence-members/{evidence_member}/"),
    Endpoint("evidencemember-set-members", "POST", SET, data=members_set),
    *(Endpoint(route, "POST", path, "invalid body", data=data)
      for route, path, data in INVALID_WRITES),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "population-list GET":                  (401,  200,   200,        200,            200),
    "population-detail GET":                (401,  200,   200,        200,            404),
    "population-list POST":                 (401,  403,   403,        201,            400),
    "population-detail DELETE":             (401,  403,   403,        204,            404),
    "population-import-members POST":       (401,  403,   201,        201,            404),
    "population-import-members POST invalid body": (401, 403, 400,     400,            404),
    "member-list GET":                      (401,  200,   200,        200,            200),
    "member-detail GET":                    (401,  200,   200,        200,            404),
    "member-list POST":                     (401,  403,   201,        201,            400),
    "member-detail PATCH":                  (401,  403,   200,        200,            404),
    "member-detail PUT":                    (401,  403,   200,        200,            404),
    "member-detail DELETE":                 (401,  403,   204,        204,            404),
    "evidencemember-list GET":              (401,  200,   200,        200,            200),
    "evidencemember-detail GET":            (401,  200,   200,        200,            404),
    "evidencemember-set-members POST":      (401,  403,   200,        200,            400),
    # invalid bodies: 403 wherever the role does not allow the write, before validation
    "population-list POST invalid body":    (401,  403,   403,        400,            400),
    "member-list POST invalid body":        (401,  403,   400,        400,            400),
    "evidencemember-set-members POST invalid body": (401, 403, 400,    400,            400),
}
# fmt: on


def _last_event(action):
    event = AuditEvent.objects.latest("id")
    assert event.action == action
    return event


def _population_created(w, response, user):
    population = Population.objects.get(organization=w.org, kind="vehicles")
    assert response.json()["id"] == population.pk
    assert population.created_by_id == user.pk


def _population_deleted(w, response, user):
    assert not Population.objects.filter(pk=w.ids["empty_population"]).exists()


def _imported(w, response, user):
    assert response.json() == {"added": 1, "updated": 1, "unchanged": 0, "kept": 1}
    found = dict(Member.objects.filter(population=w.ids["population"]).values_list(
        "reference", "exit_date"))
    assert found == {"1001": None, "1002": datetime.date(2026, 3, 31), "1003": None}
    assert _last_event("population.import").object_id == str(w.ids["population"])


def _member_created(w, response, user):
    member = Member.objects.get(population=w.ids["population"], reference="1003")
    assert response.json()["id"] == member.pk


def _member_is(**fields):
    def check(w, response, user):
        member = Member.objects.get(pk=w.ids["member"])
        assert {name: getattr(member, name) for name in fields} == fields
        _last_event("member.update")
    return check


def _member_deleted(w, response, user):
    assert not Member.objects.filter(pk=w.ids["free_member"]).exists()


def _members_set(w, response, user):
    assert set(EvidenceMember.objects.filter(evidence=w.ids["evidence"]).values_list(
        "member_id", flat=True)) == {w.ids["member"], w.ids["free_member"]}
    assert [row["member"]["reference"] for row in response.json()] == ["1001", "1002"]


EFFECTS = {
    "population-list POST": _population_created,
    "population-detail DELETE": _population_deleted,
    "population-import-members POST": _imported,
    "member-list POST": _member_created,
    "member-detail PATCH": _member_is(exit_date=datetime.date(2026, 6, 30), initials="AB"),
    "member-detail PUT": _member_is(exit_date=datetime.date(2026, 6, 30), initials="AC"),
    "member-detail DELETE": _member_deleted,
    "evidencemember-set-members POST": _members_set,
}

QM, ORG, NOT_THERE = "quality_manager", "organization", "does_not_exist"

# fmt: off
CROSS_CASES = {
    "population in other_org":
        (QM, cross_request(POPULATIONS, population_create, organization=other_org), 400, ORG,
         NOT_THERE),
    "member in other_org's population":
        (QM, cross_request(MEMBERS, member_create, population=other("population")), 400,
         "population", NOT_THERE),
    "naming on other_org's evidence":
        (QM, cross_request(SET, members_set, evidence=other("evidence")), 400, "evidence",
         NOT_THERE),
    "naming other_org's member":
        (QM, cross_request(SET, members_set, members=lambda w: [w.other_ids["member"]]), 400,
         "members", NOT_THERE),
    "both orgs: population where only viewer":
        ("dual", cross_request(POPULATIONS, population_create, organization=other_org), 403,
         None, None),
    "both orgs: member where only viewer":
        ("dual", cross_request(MEMBERS, member_create, population=other("population")), 403,
         None, None),
    "both orgs: naming on evidence where only viewer":
        ("dual", cross_request(SET, members_set, evidence=other("evidence"),
                               members=lambda w: [w.other_ids["member"]]), 403, None, None),
    "both orgs: naming other_org's member on org's evidence":
        ("dual", cross_request(SET, members_set, members=lambda w: [w.other_ids["member"]]),
         400, "members", "member_of_another_structure"),
    **{f"both orgs: invalid {route} where only viewer":
       ("dual", invalid_in_other_org(path, data), 403, None, None)
       for route, path, data in INVALID_WRITES if route == "population-list"},
    "outsider: population in org":
        ("outsider", cross_request(POPULATIONS, population_create, organization=org), 400, ORG,
         NOT_THERE),
    "outsider: member in org's population":
        ("outsider", cross_request(MEMBERS, member_create), 400, "population", NOT_THERE),
    "outsider: naming on org's evidence":
        ("outsider", cross_request(SET, members_set, members=lambda w: []), 400, "evidence",
         NOT_THERE),
}
# fmt: on

MOVES = [
    pytest.param("/api/v1/members/{member}/",
                 lambda w: {"population": w.other_ids["population"], "initials": "XY"},
                 lambda: list(Member.objects.order_by("pk").values_list("population_id",
                                                                        flat=True)),
                 id="member population is read-only"),
]
FILTERS = [
    ("/api/v1/populations/?organization={}", "org"),
    ("/api/v1/members/?population={}", "population"),
    ("/api/v1/evidence-members/?evidence={}", "evidence"),
    ("/api/v1/evidence-members/?member={}", "member"),
]


class TestPopulations(MatrixSuite, CrossStructureSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS,
        options_paths=("/api/v1/populations/{population}/", "/api/v1/members/{member}/",
                       "/api/v1/evidence-members/{evidence_member}/"),
        cross_cases=CROSS_CASES, moves=MOVES, filters=FILTERS,
    )
