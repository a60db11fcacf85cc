"""Readiness probe: database, broker and evidence store, each named when it fails; nothing secret
or internal in the answer. Served here by a test-local URLconf (this module) so that the tests do
not depend on the project's urls.py."""

import logging
import time

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError
from django.test import Client
from django.urls import path

from audit_prep import health

from .conftest import DEAD_BROKER_URL, celery_broker

urlpatterns = [path("readyz", health.readyz)]

pytestmark = pytest.mark.urls(__name__)

SECRET = "s3cr3t-broker-password"


class UnreachableStorage(FileSystemStorage):
    """An evidence store that cannot be reached (e.g. an unmounted volume, an S3 outage)."""

    def exists(self, name):
        raise OSError(f"store at {self.location} unreachable")


@pytest.fixture
def store(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "store")}}}


def get_readyz():
    started = time.monotonic()
    response = Client().get("/readyz")
    return response, time.monotonic() - started


def test_ready_when_database_broker_and_store_answer(db, store):
    response, _elapsed = get_readyz()
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready", "checks": {"database": "ok", "broker": "ok", "storage": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_broker_down_is_503_naming_the_broker_and_nothing_secret(db, store, caplog):
    with caplog.at_level(logging.WARNING, logger="audit_prep.health"), \
            celery_broker(DEAD_BROKER_URL.replace("redis://", f"redis://:{SECRET}@")):
        response, elapsed = get_readyz()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["broker"]
    assert body["checks"] == {"database": "ok", "broker": "unavailable", "storage": "ok"}
    text = response.content.decode()
    for leak in (SECRET, "127.0.0.1", "redis://", "Traceback", "Error 111"):
        assert leak not in text
    assert SECRET not in caplog.text
    assert "readiness check broker failed" in caplog.text
    assert elapsed < 5, f"the probe must answer quickly when the broker is down ({elapsed:.1f} s)"


def test_storage_down_is_503_naming_the_store(db, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": f"{__name__}.UnreachableStorage",
        "OPTIONS": {"location": "/srv/secret-volume"}}}
    response, _elapsed = get_readyz()
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["storage"]
    assert body["checks"] == {"database": "ok", "broker": "ok", "storage": "unavailable"}
    assert "secret-volume" not in response.content.decode()


def test_database_down_is_503_naming_the_database(db, store, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection to server at 10.0.0.5 failed: password rejected")

    monkeypatch.setattr(health, "connections", {"default": Unreachable()})
    response, _elapsed = get_readyz()
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["broker"] == "ok" and body["checks"]["storage"] == "ok"
    assert "password" not in response.content.decode()


def test_several_failures_are_all_named(db, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": f"{__name__}.UnreachableStorage", "OPTIONS": {}}}
    with celery_broker(DEAD_BROKER_URL):
        response, _elapsed = get_readyz()
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker", "storage"]


def test_only_get(db, store):
    assert Client().post("/readyz").status_code == 405


@pytest.mark.integration
def test_ready_on_a_real_redis_broker(db, store, redis_server):
    with celery_broker(f"redis://{redis_server}/15"):
        response, _elapsed = get_readyz()
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"] == "ok"
