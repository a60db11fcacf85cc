import io

import pytest
from rest_framework.test import APIClient

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from evidence.models import EvidenceItem, Revision, StoredFile

from .factories import EvidenceFactory, MembershipFactory, OrganizationFactory, UserFactory

ROLES = [Role.QUALITY_MANAGER, Role.CONTRIBUTOR, Role.VIEWER]


@pytest.fixture
def org(db):
    return OrganizationFactory(name="AI du Val", slug="ai-du-val")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Chantier voisin", slug="chantier-voisin")


@pytest.fixture
def member(org):
    """member(role) -> a user with that role in `org`."""

    def make(role=Role.QUALITY_MANAGER, organization=None, username=None):
        kwargs = {"organization": organization or org, "role": role}
        if username:
            kwargs["user"] = UserFactory(username=username)
        return MembershipFactory(**kwargs).user

    return make


@pytest.fixture
def qm(member):
    return member(Role.QUALITY_MANAGER, username="qualite")


@pytest.fixture
def outsider(other_org, member):
    return member(Role.QUALITY_MANAGER, organization=other_org, username="voisin")


@pytest.fixture
def api(client_for, qm):
    """The API as the quality manager of `org`."""
    return client_for(qm)


@pytest.fixture
def evidence(org, qm):
    """An evidence item of `org` (a draft, no revision yet), created by its quality manager."""
    return EvidenceFactory(organization=org, created_by=qm)


@pytest.fixture
def client_for():
    def make(user=None, language="fr"):
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def media_root(settings, tmp_path):
    """A fresh local evidence store for the test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "store"), "allow_overwrite": True},
        },
    }
    return tmp_path / "store"


def stored_objects(root):
    """Every object in a local store (relative keys)."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(client, evidence_id, *files, **fields):
    """POST files ((name, bytes) or open file objects) as a new revision."""
    parts = []
    for item in files:
        if isinstance(item, tuple):
            name, data = item
            handle = io.BytesIO(data)
            handle.name = name
            parts.append(handle)
        else:
            parts.append(item)
    payload = {"files": parts, **fields} if parts else dict(fields)
    return client.post(f"/api/v1/evidence/{evidence_id}/revisions/", payload, format="multipart")


@pytest.fixture
def nothing_stored(media_root):
    """Asserts, after the test body, that no revision, file, audit event or object appeared."""
    before = (Revision.objects.count(), StoredFile.objects.count(), AuditEvent.objects.count(),
              EvidenceItem.objects.count())

    def check():
        after = (Revision.objects.count(), StoredFile.objects.count(),
                 AuditEvent.objects.count(), EvidenceItem.objects.count())
        assert after == before
        assert stored_objects(media_root) == []

    return check


# Fixtures through which a test reaches the database (directly or through another fixture).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences",
                     "django_db_serialized_rollback", "live_server"}


LONGEST_FIRST = ("tests/test_benches.py::test_bench_runs_in_small_mode",)


def pytest_collection_modifyitems(config, items):
    """Mark `database` every test that reaches the database, so that the PostgreSQL run of
    `make test` runs exactly those: the others (settings, Docker files, benches, which make
    their own databases, code rules) give the same answer whatever the database. Mark
    `permissions` the role x scope matrices (tests/permissions/), which `make test` runs once,
    on PostgreSQL, production's database, when it answers."""
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())) \
                or item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.database)
        if item.nodeid.startswith("tests/permissions/"):
            item.add_marker(pytest.mark.permissions)
    # The longest tests first (the benches' small modes and the migrations' round trips: 5 to
    # 30 s each), so that pytest-xdist spreads them over its workers from the start rather than
    # leaving one worker running them alone at the end.
    items.sort(key=lambda item: not (item.nodeid.startswith(LONGEST_FIRST)
                                     or item.get_closest_marker("migrations")))
