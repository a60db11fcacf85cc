"""Fixtures of the permission matrix, and the parametrisation of its table-driven suites: each
test method of `base.MatrixSuite` / `base.CrossStructureSuite` takes its cases from the
`area` table of the class that inherits it."""

import os
import pathlib
import shutil
import tempfile

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings

from audit_prep.models import Organization
from audit_prep.roles import Role
from tests.factories import MembershipFactory, UserFactory

from .world import World, build_world


def pytest_generate_tests(metafunc):
    area = getattr(metafunc.cls, "area", None)
    cases = getattr(metafunc.function, "cases", None)
    if area is not None and cases is not None:
        names, params = cases(area)
        metafunc.parametrize(names, params)


@pytest.fixture(scope="package")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The objects, built once for the package inside a transaction rolled back at its end.
    Each test runs in its own savepoint (pytest-django's `db`), so every test starts from
    exactly this state; building it per test would take most of the time budget."""
    store = tmp_path_factory.mktemp("matrix-store")
    storages = {**django_settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(store), "allow_overwrite": True},
    }}
    with django_db_blocker.unblock(), override_settings(STORAGES=storages), \
            transaction.atomic():
        yield {**build_world(store), "store": store}
        transaction.set_rollback(True)


# Creating a store's directories on disk takes a good part of a test's own time: each test's
# copy of the store goes to memory where there is a tmpfs.
_FAST_TMP = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@pytest.fixture
def media_root(built_world, settings):
    """This test's evidence store (overrides tests.conftest.media_root): a copy of the one the
    world was built with."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="matrix-", dir=_FAST_TMP)) / "store"
    shutil.copytree(built_world["store"], root)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "allow_overwrite": True},
    }}
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


@pytest.fixture
def world(built_world, db, media_root):
    """This test's view of the objects, with its own copy of the store (`media_root`); users
    and structures are fetched again, so that nothing is carried over between tests (such as
    the grants `access` memoises on user objects)."""
    pks = built_world["users"]
    by_pk = get_user_model().objects.in_bulk(pks.values())
    return World(
        org=Organization.objects.get(pk=built_world["org"]),
        other_org=Organization.objects.get(pk=built_world["other_org"]),
        users={"anonymous": None, **{subject: by_pk[pk] for subject, pk in pks.items()}},
        ids=dict(built_world["ids"]), other_ids=dict(built_world["other_ids"]),
        media_root=media_root,
    )


@pytest.fixture
def dual(world):
    """Quality manager of `org` and viewer of `other_org`: the serializer accepts other_org's
    members as owners for them, so the service itself must refuse."""
    user = MembershipFactory(organization=world.org, role=Role.QUALITY_MANAGER,
                             user=UserFactory(username="double")).user
    MembershipFactory(user=user, organization=world.other_org, role=Role.VIEWER)
    world.users["dual"] = user
    return user
