"""The OpenAPI schema and the API agree on success codes.

The permission matrix (tests/permissions: the areas' tables) says, for every route and method,
the status each subject really gets, and `MatrixSuite.test_matrix` checks every cell against
the live API. Here the schema served at /api/schema/ is walked: every success status the matrix
records for a route (what the view actually returns) must be the success status the schema
documents for that route and method, and the schema documents no route the matrix does not
know.
"""

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from checklists.services import tailoring
from tests.checklists.conftest import make_referential
from tests.permissions.test_coverage import AREAS  # every area of the matrix
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
def documented(django_db_setup, django_db_blocker) -> dict[tuple[str, str], set[int]]:
    """(URL name, method) -> the 2xx codes the served schema documents."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    codes: dict[tuple[str, str], set[int]] = {}
    for path, operations in schema["paths"].items():
        route = _route(path)
        assert route, f"schema path {path} resolves to no route"
        for method, operation in operations.items():
            if method in ("parameters", "servers"):
                continue
            success = {int(code) for code in operation["responses"] if code.startswith("2")}
            codes.setdefault((route, method.upper()), set()).update(success)
    return codes


def _matrix_successes() -> dict[tuple[str, str], set[int]]:
    found: dict[tuple[str, str], set[int]] = {}
    for area in AREAS:
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
