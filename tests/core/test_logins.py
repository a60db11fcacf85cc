"""Password guessing is throttled on the three sign-ins (API token, session, admin), per
(account, address) and per address, with a 429 that says how long to wait, an unlock once that
time has passed, and every failure and lock in the audit trail (audit_prep/logins.py)."""

import datetime
import json
import math

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from audit_prep import logins
from audit_prep.models import AuditEvent
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
WRONG = "Tr0ub4dor&3-guess"
TOKEN = "/api/v1/auth/token/"
SESSION = "/api/auth/login/"
ADMIN = "/admin/login/"
START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def limits(settings):
    """Real limits (tests/settings.py sets generous ones for the rest of the suite), counters
    that start empty and leave nothing behind, and a clock that moves only when told (the
    seconds to wait are exact)."""
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURES_PER_IP = 6
    settings.LOGIN_LOCKOUT = datetime.timedelta(minutes=15)
    cache.clear()
    with time_machine.travel(START - datetime.timedelta(days=1), tick=False):
        yield settings
    cache.clear()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def token_login(username, password, ip="203.0.113.7", language="fr"):
    client = APIClient(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language)
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def assert_throttled(response, seconds):
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "too_many_login_attempts"
    assert error["details"] == {"retry_after": seconds}
    assert response["Retry-After"] == str(seconds)
    assert error["request_id"] == response["X-Request-ID"]
    return error


def assert_throttled_page(response, seconds):
    """A browser's sign-in (the pages', the admin's) is refused with a page, not JSON."""
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == str(seconds)
    text = response.content.decode()
    assert "Trop de tentatives" in text and f"dans {math.ceil(seconds / 60)} minutes" in text


def test_the_sign_in_page_is_throttled_with_a_page(alice):
    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="fr")
    form = {"username": "alice", "password": WRONG}
    assert [client.post("/accounts/login/", form).status_code for _ in range(2)] == [200, 200]
    assert_throttled_page(client.post("/accounts/login/", form), 900)
    assert_throttled_page(client.post("/accounts/login/", {**form, "password": PASSWORD}), 900)

    with time_machine.travel(datetime.timedelta(minutes=16)):
        signed_in = client.post("/accounts/login/", {**form, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"


def test_token_login_locks_the_account_from_that_address_only(alice):
    assert [token_login("alice", WRONG).status_code for _ in range(2)] == [400, 400]

    error = assert_throttled(token_login("alice", WRONG), 900)
    assert error["message"] == ("Trop de tentatives de connexion échouées. Réessayez dans "
                                "900 secondes.")
    english = assert_throttled(token_login("alice", WRONG, language="en"), 900)
    assert english["message"] == "Too many failed sign-in attempts. Try again in 900 seconds."
    # the right password does not get through the lock...
    assert_throttled(token_login("alice", PASSWORD), 900)
    # ...but the attacker's address cannot keep alice out from elsewhere,
    assert token_login("alice", PASSWORD, ip="198.51.100.20").status_code == 200
    # and other accounts still sign in from that address.
    UserFactory(username="bob")
    assert token_login("bob", PASSWORD).status_code == 200


def test_an_address_is_locked_after_failures_across_accounts(db):
    UserFactory(username="carol")
    statuses = [token_login(f"user{n}", WRONG).status_code for n in range(5)]
    assert statuses == [400] * 5

    assert_throttled(token_login("user5", WRONG), 900)
    assert_throttled(token_login("carol", PASSWORD), 900)
    assert token_login("carol", PASSWORD, ip="198.51.100.20").status_code == 200


def test_unknown_and_existing_accounts_are_answered_alike(alice):
    def replies(username):
        cache.clear()
        answers = [token_login(username, WRONG) for _ in range(4)]
        return [(r.status_code, r.get("Retry-After"),
                 {k: v for k, v in r.json()["error"].items() if k != "request_id"})
                for r in answers]

    assert replies("alice") == replies("nobody-here")


def test_a_locked_account_gets_in_after_the_wait(alice):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            token_login("alice", WRONG)
        clock.shift(datetime.timedelta(minutes=10))
        # refused attempts during the lock neither count nor push the end further
        assert_throttled(token_login("alice", WRONG), 300)
        assert_throttled(token_login("alice", PASSWORD), 300)
        clock.shift(datetime.timedelta(seconds=299))
        assert_throttled(token_login("alice", PASSWORD), 1)
        clock.shift(datetime.timedelta(seconds=1))

        response = token_login("alice", PASSWORD)
        assert response.status_code == 200, response.content
        assert response.json()["token"]
        # counting starts afresh: two more failures do not lock
        assert [token_login("alice", WRONG).status_code for _ in range(2)] == [400, 400]


def test_a_success_clears_the_accounts_failures(alice, limits):
    limits.LOGIN_FAILURES_PER_IP = 100
    assert [token_login("alice", WRONG).status_code for _ in range(2)] == [400, 400]
    assert token_login("alice", PASSWORD).status_code == 200
    assert [token_login("alice", WRONG).status_code for _ in range(2)] == [400, 400]
    assert_throttled(token_login("alice", WRONG), 900)


def test_a_success_does_not_clear_the_addresss_failures(alice, limits):
    limits.LOGIN_FAILURES_PER_IP = 4
    assert [token_login("alice", WRONG).status_code for _ in range(2)] == [400, 400]
    assert token_login("alice", PASSWORD).status_code == 200
    assert token_login("alice", WRONG).status_code == 400
    # the address's fourth failure locks it (the account has failed twice since its success)
    assert_throttled(token_login("alice", WRONG), 900)
    assert [event.after["scope"] for event in AuditEvent.objects.filter(
        action="login.locked")] == ["ip"]


def test_session_login_is_throttled(alice):
    client = Client(REMOTE_ADDR="203.0.113.7")  # a browser's form
    wrong = {"username": "alice", "password": WRONG}
    for _ in range(2):
        page = client.post(SESSION, wrong)
        assert page.status_code == 200 and page.context["form"].errors  # the form, again
    assert_throttled(client.post(SESSION, wrong), 900)
    assert_throttled(client.post(SESSION, {"username": "alice", "password": PASSWORD}), 900)
    assert "_auth_user_id" not in client.session

    with time_machine.travel(datetime.timedelta(minutes=15, seconds=1)):
        signed_in = client.post(SESSION, {"username": "alice", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_admin_login_is_throttled(db):
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert client.post(ADMIN, {"username": "admin", "password": WRONG}).status_code == 200
    assert_throttled_page(client.post(ADMIN, {"username": "admin", "password": WRONG}), 900)
    assert_throttled_page(client.post(ADMIN, {"username": "admin", "password": PASSWORD}), 900)

    with time_machine.travel(datetime.timedelta(minutes=16)):
        signed_in = client.post(ADMIN, {"username": "admin", "password": PASSWORD,
                                        "next": "/admin/"})
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_three_logins_share_one_count(alice):
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert token_login("alice", WRONG).status_code == 400
    assert client.post(SESSION, {"username": "alice", "password": WRONG}).status_code == 200
    assert_throttled_page(client.post(ADMIN, {"username": "alice", "password": WRONG}), 900)
    assert_throttled(token_login("alice", PASSWORD), 900)


def test_failures_and_locks_are_in_the_audit_trail_without_the_password(alice):
    for _ in range(3):
        token_login("alice", WRONG)
    token_login("nobody-here", WRONG)
    token_login("alice", WRONG)  # refused while locked: not recorded again

    events = list(AuditEvent.objects.order_by("id").values())
    assert [event["action"] for event in events] == [
        "login.failed", "login.failed", "login.failed", "login.locked", "login.failed"]
    for event in events:
        assert (event["actor_id"], event["actor_label"], event["organization_id"]) == (
            None, "anonymous", None)
        assert event["after"]["ip"] == "203.0.113.7"
        assert event["after"]["path"] == TOKEN
        assert WRONG not in json.dumps(event, default=str)
        assert PASSWORD not in json.dumps(event, default=str)
    assert {(e["object_type"], e["object_id"], e["object_repr"]) for e in events[:4]} == {
        ("auth.user", str(alice.pk), "alice")}
    assert events[3]["after"] == {"username": "alice", "ip": "203.0.113.7", "path": TOKEN,
                                  "scope": "account", "failures": 3, "seconds": 900}
    # an unknown username: the account field is empty, the typed name kept for the record
    assert (events[4]["object_id"], events[4]["after"]["username"]) == ("", "nobody-here")


def test_an_address_lock_is_recorded_with_its_scope(db):
    for n in range(6):
        token_login(f"user{n}", WRONG)
    [lock] = AuditEvent.objects.filter(action="login.locked")
    assert (lock.after["scope"], lock.after["failures"]) == ("ip", 6)


@pytest.mark.parametrize(("proxies", "meta", "expected"), [
    (0, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.5"),
    # one proxy: the address it appended, not what the client wrote before it
    (1, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.9"},
     "198.51.100.9"),
    (2, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.9, 10.0.0.4"},
     "198.51.100.9"),
    (1, {"REMOTE_ADDR": "10.0.0.5"}, "10.0.0.5"),  # no header: the connection
    (1, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "not-an-address"}, "unknown"),
    (0, {"REMOTE_ADDR": "2001:DB8::1"}, "2001:db8::1"),
])
def test_the_client_address(rf, settings, proxies, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert logins.client_ip(rf.post(TOKEN, **meta)) == expected


def test_behind_a_proxy_each_client_is_counted_on_its_own(alice, limits):
    limits.TRUSTED_PROXY_COUNT = 1

    def attempt(client_address, password=WRONG):
        return APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address).post(
            TOKEN, {"username": "alice", "password": password}, format="json")

    for _ in range(3):
        attempt("203.0.113.7")
    assert_throttled(attempt("203.0.113.7", PASSWORD), 900)
    assert attempt("198.51.100.20", PASSWORD).status_code == 200
