"""The login throttle's counters live in the shared cache: with Redis (production's CACHE_URL),
a lock taken through one connection is seen by a fresh one, as another web process would see
it, and Redis itself expires it after LOGIN_LOCKOUT."""

import datetime
import uuid

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from tests.factories import UserFactory

from .conftest import claim_redis_db

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_cache(redis_server, settings):
    claim = claim_redis_db(uuid.uuid4().hex)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": claim.url}}
    try:
        yield claim
    finally:
        claim.release()


def test_a_lock_is_shared_through_redis(redis_cache, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    settings.LOGIN_FAILURES_PER_IP = 50
    settings.LOGIN_LOCKOUT = datetime.timedelta(minutes=10)
    UserFactory(username="alice")

    def attempt(password):
        return APIClient(REMOTE_ADDR="203.0.113.7").post(
            "/api/v1/auth/token/", {"username": "alice", "password": password}, format="json")

    assert attempt("wrong-1").status_code == 400
    assert attempt("wrong-2").status_code == 429

    [lock] = redis_cache.client.keys("*login-lock:account:*")
    assert 590 <= redis_cache.client.ttl(lock) <= 600
    caches["default"].close()
    del caches["default"]  # a new connection, as in another process
    refused = attempt("correct horse battery staple")
    assert refused.status_code == 429
    assert 590 <= int(refused["Retry-After"]) <= 600
