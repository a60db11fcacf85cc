"""API tokens: issued at sign-in (the `{username, password} -> {"token"}` contract kept), stored as
digests, expired after an idle time, listed and revoked by their owner only
(audit_prep/tokens.py, audit_prep/api/tokens.py). The matrix rows are in
tests/permissions/test_tokens.py."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit_prep.models import ApiToken, AuditEvent
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def idle_timeout(settings):
    settings.API_TOKEN_IDLE_TIMEOUT = datetime.timedelta(hours=1)
    cache.clear()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def sign_in(username="alice", **extra):
    response = APIClient().post("/api/v1/auth/token/",
                                {"username": username, "password": PASSWORD, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key, language="fr"):
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)


def test_sign_in_gives_a_token_shown_once_and_stored_as_a_digest(alice):
    with time_machine.travel(START, tick=False):
        body = sign_in(label="export script")
        key = body["token"]
        assert with_token(key).get("/api/v1/me/").json()["username"] == "alice"

    assert len(key) >= 40
    assert body["label"] == "export script"
    assert body["created_at"] == body["last_used_at"] == "2026-12-01T10:00:00+01:00"
    assert body["expires_at"] == "2026-12-01T11:00:00+01:00"
    token = ApiToken.objects.get()
    assert (token.user, token.prefix, token.label) == (alice, key[:8], "export script")
    assert key not in str(ApiToken.objects.values().get())
    event = AuditEvent.objects.get(action="token.create")
    assert (event.actor, event.organization, event.after) == (
        alice, None, {"prefix": key[:8], "label": "export script"})
    assert key not in str(event.after)


def test_a_token_expires_after_the_idle_time_not_while_in_use(alice):
    with time_machine.travel(START, tick=False) as clock:
        key = sign_in()["token"]
        for _ in range(3):  # used every 50 minutes: kept alive for 2.5 hours
            clock.shift(datetime.timedelta(minutes=50))
            assert with_token(key).get("/api/v1/me/").status_code == 200
        clock.shift(datetime.timedelta(minutes=60))

        expired = with_token(key).get("/api/v1/me/")
        english = with_token(key, language="en").get("/api/v1/me/")

    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Token"
    error = expired.json()["error"]
    assert error["code"] == "token_expired"
    assert error["message"] == ("Ce jeton a expiré faute d’utilisation : reconnectez-vous pour "
                                "en obtenir un nouveau.")
    assert english.json()["error"]["message"] == (
        "This token has expired after a period without use: sign in again for a new one.")
    assert error["request_id"] == expired["X-Request-ID"]


def test_use_is_recorded_at_most_once_a_minute(alice):
    with time_machine.travel(START, tick=False) as clock:
        key = sign_in()["token"]
        clock.shift(datetime.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            assert with_token(key).get("/api/v1/me/").status_code == 200
        assert not [query for query in queries if query["sql"].startswith("UPDATE")]
        assert ApiToken.objects.get().last_used_at == START
        clock.shift(datetime.timedelta(seconds=31))
        assert with_token(key).get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.get().last_used_at == START + datetime.timedelta(seconds=61)


def test_an_unknown_token_is_not_an_expired_one(alice):
    response = with_token("x" * 43).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_the_owner_lists_tokens_without_secrets_and_sees_the_current_one(alice):
    first, second = sign_in(label="script")["token"], sign_in()["token"]
    UserFactory(username="bob")
    sign_in("bob")

    listed = with_token(second).get("/api/v1/me/tokens/").json()["results"]

    assert [(item["label"], item["prefix"], item["current"]) for item in listed] == [
        ("", second[:8], True), ("script", first[:8], False)]
    assert all(set(item) == {"id", "prefix", "label", "created_at", "last_used_at",
                             "expires_at", "current"} for item in listed)


def test_the_owner_revokes_one_token(alice):
    kept, revoked = sign_in()["token"], sign_in()["token"]
    client = with_token(kept)
    [target] = [item["id"] for item in client.get("/api/v1/me/tokens/").json()["results"]
                if not item["current"]]

    assert client.delete(f"/api/v1/me/tokens/{target}/").status_code == 204

    refused = with_token(revoked).get("/api/v1/me/")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_failed"
    assert client.get("/api/v1/me/").status_code == 200
    assert AuditEvent.objects.filter(action="token.revoke", actor=alice).count() == 1


def test_the_owner_revokes_every_token_the_one_in_use_included(alice):
    keys = [sign_in()["token"] for _ in range(3)]
    UserFactory(username="bob")
    bobs = sign_in("bob")["token"]

    response = with_token(keys[0]).post("/api/v1/me/tokens/revoke-all/")

    assert response.json() == {"revoked": 3}
    assert [with_token(key).get("/api/v1/me/").status_code for key in keys] == [401] * 3
    assert with_token(bobs).get("/api/v1/me/").status_code == 200


def test_another_persons_token_is_not_found(alice):
    sign_in()
    UserFactory(username="bob")
    bob = with_token(sign_in("bob")["token"])
    alices = ApiToken.objects.get(user=alice).pk

    assert bob.get(f"/api/v1/me/tokens/{alices}/").status_code == 404
    assert bob.delete(f"/api/v1/me/tokens/{alices}/").status_code == 404
    missing = bob.get("/api/v1/me/tokens/999999/")
    assert bob.get(f"/api/v1/me/tokens/{alices}/").json()["error"].keys() == \
        missing.json()["error"].keys()
    assert ApiToken.objects.filter(pk=alices).exists()


def test_expired_tokens_are_removed_at_the_next_sign_in(alice):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(label="old")
        clock.shift(datetime.timedelta(hours=2))
        sign_in(label="new")
    assert list(ApiToken.objects.values_list("label", flat=True)) == ["new"]


def test_the_label_is_bounded(alice):
    response = APIClient().post("/api/v1/auth/token/", {
        "username": "alice", "password": PASSWORD, "label": "x" * 101}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"label"}
    assert not ApiToken.objects.exists()


def test_a_token_of_an_inactive_account_stops_working(alice):
    key = sign_in()["token"]
    alice.is_active = False
    alice.save()
    assert with_token(key).get("/api/v1/me/").status_code == 401
