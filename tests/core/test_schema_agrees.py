"""The OpenAPI schema and the API agree on status codes.

The permission matrix (tests/permissions: the areas' tables) says, for every route and method,
the status each subject really gets, and `MatrixSuite.test_matrix` checks every cell against
the live API. Here the schema served at /api/schema/ is walked: every success status the matrix
records for a route (what the view actually returns) must be the success status the schema
documents for that route and method, every refusal it records (401 anonymous, 403 a role that
may not, 404 out of scope...) must be documented with the error envelope, and the schema
documents no route the matrix does not know. tests/core/test_schemathesis.py checks the rest
(bodies, content types, generated requests).
"""

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from checklists.services import tailoring
from tests.checklists.conftest import make_referential
from tests.permissions.auditors import AUDITOR_SUBJECTS
from tests.permissions.test_coverage import AREAS, AUDITOR_AREAS  # every area of the matrix
from tests.permissions.world import PASSWORD

DUMMY = {"fmt": "xlsx"}  # path parameters that are not ids


def _route(path: str) -> str | None:
    filled = path
    while "{" in filled:
        start = filled.index("{")
        end = filled.index("}", start)
        name = filled[start + 1:end]
        filled = filled[:start] + DUMMY.get(name, "1") + filled[end + 1:]
    try:
        return resolve(filled).url_name
    except Resolver404:
        return None


@pytest.fixture(scope="module")
def responses(django_db_setup, django_db_blocker) -> dict[tuple[str, str], dict[int, dict]]:
    """(URL name, method) -> {status: response} as the served schema documents them."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    found: dict[tuple[str, str], dict[int, dict]] = {}
    for path, operations in schema["paths"].items():
        route = _route(path)
        assert route, f"schema path {path} resolves to no route"
        for method, operation in operations.items():
            if method in ("parameters", "servers"):
                continue
            found.setdefault((route, method.upper()), {}).update(
                {int(code): answer for code, answer in operation["responses"].items()})
    return found


@pytest.fixture(scope="module")
def documented(responses) -> dict[tuple[str, str], set[int]]:
    """(URL name, method) -> the 2xx codes the served schema documents."""
    return {key: {code for code in answers if 200 <= code < 300}
            for key, answers in responses.items()}


def _matrix_successes() -> dict[tuple[str, str], set[int]]:
    found: dict[tuple[str, str], set[int]] = {}
    for area in AREAS + AUDITOR_AREAS:
        for endpoint in area.endpoints:
            if not endpoint.is_api:
                continue
            statuses = {status for status in area.matrix[endpoint.key] if status < 300}
            found.setdefault((endpoint.route, endpoint.method), set()).update(statuses)
    return found


def test_every_success_the_api_returns_is_the_one_documented(documented):
    wrong = {}
    for key, returned in _matrix_successes().items():
        if key == ("api-root", "GET"):
            continue  # the browsable root, not in the schema
        if returned and documented.get(key) != returned:
            wrong[" ".join(key)] = {"returned": sorted(returned),
                                    "documented": sorted(documented.get(key, ()))}
    assert not wrong, wrong


# The 403 `second_factor_required` a session that owes the second factor meets on any route,
# before the route is reached (audit_prep.second_factor, decision 0023), is not an operation's.
UNVERIFIED = AUDITOR_SUBJECTS.index("auditor_unverified")


def _matrix_statuses() -> dict[tuple[str, str], set[int]]:
    found: dict[tuple[str, str], set[int]] = {}
    for area in AREAS + AUDITOR_AREAS:
        for endpoint in area.endpoints:
            if endpoint.is_api:
                statuses = list(area.matrix[endpoint.key])
                if area in AUDITOR_AREAS:
                    del statuses[UNVERIFIED]
                found.setdefault((endpoint.route, endpoint.method), set()).update(statuses)
    return found


ERROR = {"$ref": "#/components/schemas/Error"}


def test_every_refusal_the_api_returns_is_documented_with_the_error_envelope(responses):
    undocumented = {}
    for key, returned in _matrix_statuses().items():
        if key == ("api-root", "GET"):
            continue
        if key not in responses:  # a method the route does not have
            assert returned <= {401, 405}, key
            continue
        refusals = {status for status in returned if status >= 400}
        missing = refusals - set(responses[key])
        if missing:
            undocumented[" ".join(key)] = sorted(missing)
        for status in refusals - missing:
            content = responses[key][status]["content"]
            assert content == {"application/json": {"schema": ERROR}}, (key, status)
    assert not undocumented, undocumented


def test_every_operation_documents_the_refusals_any_request_can_meet(responses):
    for key, answers in responses.items():
        if key != ("api-token", "POST"):  # open to the anonymous: a wrong token still 401
            assert {401, 406, 503} <= set(answers), key
        assert all(answers[status]["content"]["application/json"]["schema"] == ERROR
                   for status in answers if status >= 400), key


def test_errors_of_operations_follow_their_parts(responses):
    """Spot checks of the rule (audit_prep.api.schema.error_statuses): reads of one object may
    be out of scope but not refused to a member; writes may conflict and be refused; uploads may
    be too large; a throttled view says when to come back."""
    assert set(responses[("evidence-detail", "GET")]) == {200, 401, 404, 406, 429, 503}
    assert {400, 403, 409, 413, 415} <= set(responses[("evidence-revisions", "POST")])
    assert 413 not in responses[("evidence-approve", "POST")]
    assert 415 not in responses[("evidence-approve", "POST")]
    assert 404 in responses[("evidence-list", "GET")]  # a page past the end
    assert "Retry-After" in responses[("evidence-list", "GET")][429]["headers"]
    assert "WWW-Authenticate" in responses[("evidence-list", "GET")][401]["headers"]


def test_files_and_exports_are_documented_with_their_types(responses):
    download = responses[("storedfile-download", "GET")]
    assert {"application/pdf", "text/plain", "image/png"} <= set(download[200]["content"])
    assert "application/octet-stream" not in download[200]["content"]
    assert "Location" in download[302]["headers"]
    export = responses[("adoption-export", "GET")][200]["content"]
    assert set(export) == {"application/pdf", "text/csv; charset=utf-8",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    checklist = responses[("adoption-checklist", "GET")][200]["content"]["application/json"]
    assert checklist["schema"] == {"$ref": "#/components/schemas/Checklist"}


# Routes outside the matrix (tests/permissions/test_coverage.NOT_IN_MATRIX), checked live here.
OUTSIDE_MATRIX = {("api-token", "POST"): 200, ("me-calendar", "GET"): 200,
                  ("me-calendar-reset", "POST"): 200}


def test_the_schema_documents_only_routes_the_matrix_knows(documented):
    known = set(_matrix_successes()) | set(OUTSIDE_MATRIX)
    assert set(documented) <= known, sorted(set(documented) - known)
    assert ("api-root", "GET") not in documented  # the browsable root is not an operation


def test_routes_outside_the_matrix_answer_as_documented(documented, client_for, qm):
    api = client_for(qm)
    answers = {
        ("api-token", "POST"): Client().post("/api/v1/auth/token/", {
            "username": qm.username, "password": PASSWORD}),
        ("me-calendar", "GET"): api.get("/api/v1/me/calendar/"),
        ("me-calendar-reset", "POST"): api.post("/api/v1/me/calendar/reset/"),
    }
    for key, response in answers.items():
        assert response.status_code == OUTSIDE_MATRIX[key], (key, response.content)
        assert documented[key] == {OUTSIDE_MATRIX[key]}, key


def test_bulk_linking_answers_201_as_documented(documented, api, qm, evidence, org):
    assert documented[("link-bulk", "POST")] == {201}
    referential, requirements = make_referential()
    tailoring.adopt(qm, org, referential)
    requirement = requirements["9.3.3"]
    response = api.post("/api/v1/links/bulk/", {"evidence": [evidence.pk],
                                                "requirements": [requirement.pk]})
    assert response.status_code == 201, response.content
