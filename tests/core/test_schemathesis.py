"""The API answers as its OpenAPI schema says, under generated requests (schemathesis).

Every operation of the schema served at /api/schema/ is called in-process (WSGI, inside the
test's transaction) as the quality manager of a structure seeded like the permission matrix's
world (evidence with a file, its own requirements, an ISO 9001 adoption with its checklist and
exports, an exclusion, a link, a snapshot, populations and members), with his API token. Path
ids point at those objects for about half of the examples (the others at whatever schemathesis
drew), so that success answers are checked as well as refusals.

Two runs over every operation: schemathesis' default generation (requests the schema allows
and requests it forbids) and positive data only. Checks: no server error, status code, content
type, response headers and response body as documented. A bounded budget (MAX_EXAMPLES per
operation, derandomized: the same examples every run) keeps each database's run near a minute.
"""

import pathlib
import tempfile

import hypothesis
import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.permissions.world import PASSWORD, build_world, model_named

MAX_EXAMPLES = 3
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance,
          schemathesis.checks.response_headers_conformance,
          schemathesis.checks.response_schema_conformance]
# The first segment of a path after /api/v1/ -> the seeded object its {id} names.
SEEDED = {"adoptions": "adoption", "audit-events": "event", "documented-information": "org",
          "evidence": "evidence", "evidence-members": "evidence_member",
          "exclusions": "exclusion", "files": "file", "links": "link", "members": "member",
          "memberships": "membership", "notifications": "own_notification",
          "organizations": "org", "populations": "population", "readiness-policies": "org",
          "reminder-policies": "org", "referentials": "referential",
          "requirements": "requirement", "revisions": "revision"}
EXAMPLES = {"count": 0}


def _load(modes):
    """The served schema (generated as /api/schema/ serves it), for in-process WSGI calls."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    config = schemathesis.Config.from_dict({
        "generation": {"max-examples": MAX_EXAMPLES, **({"mode": modes} if modes else {})},
        # The coverage phase's exhaustive boundary cases would take minutes per operation.
        "phases": {"coverage": {"enabled": False}},
    })
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.app = WSGIHandler()
    schema.hook(map_path_parameters)
    return schema


def map_path_parameters(context, path_parameters):
    """Even ids drawn for `{id}` become the seeded object's id (odd ones stay as drawn)."""
    drawn = (path_parameters or {}).get("id")
    segment = context.operation.path.removeprefix("/api/v1/").split("/", 1)[0]
    if isinstance(drawn, int) and not isinstance(drawn, bool) and drawn % 2 == 0 \
            and segment in SEEDED:
        path_parameters["id"] = SEEDED_IDS[SEEDED[segment]]
    return path_parameters


SEEDED_IDS: dict[str, int] = {}
default_schema = _load(None)
positive_schema = _load("positive")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The permission matrix's world, built once for the module in a transaction rolled back at
    its end (each test runs in its own savepoint), and the quality manager's API token."""
    store = pathlib.Path(tempfile.mkdtemp(prefix="schemathesis-store-"))
    storages = {**django_settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(store), "allow_overwrite": True}}}
    with django_db_blocker.unblock(), override_settings(STORAGES=storages), \
            transaction.atomic():
        world = build_world(store)
        qm = world["users"]["quality_manager"]
        SEEDED_IDS.update(world["ids"], own_notification=model_named("Notification").objects
                          .filter(user_id=qm).values_list("pk", flat=True).first())
        response = APIClient().post("/api/v1/auth/token/",
                                    {"username": "qualite", "password": PASSWORD})
        assert response.status_code == 200, response.content
        yield {"Authorization": f"Token {response.json()['token']}", "Accept-Language": "fr"}
        transaction.set_rollback(True)


@pytest.fixture
def in_process(seeded, db):
    """Requests served inside the test's transaction: Django's handler must not close the
    connection at each request's start and end (as Django's own test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield seeded
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


SETTINGS = hypothesis.settings(
    deadline=None, derandomize=True, database=None, max_examples=MAX_EXAMPLES,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck))


def _call(case, headers):
    EXAMPLES["count"] += 1
    case.call_and_validate(headers=headers, checks=CHECKS)


@default_schema.parametrize()
@SETTINGS
def test_default_generation_finds_nothing(case, in_process):
    _call(case, in_process)


@positive_schema.parametrize()
@SETTINGS
def test_positive_generation_finds_nothing(case, in_process):
    _call(case, in_process)


@pytest.fixture(scope="module", autouse=True)
def _count_examples():
    yield
    print(f"\nschemathesis: {EXAMPLES['count']} examples")
