"""The second factor of auditors (decision 0023): whoever holds an auditor access, open or
not, passes a TOTP code after the password before any page or API route; the first time they
enrol an authenticator app (a QR code drawn on the server, the key as text). Members who are not
auditors sign in as before. Wrong codes are throttled like wrong passwords (decision 0016)."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from audit_prep.models import AuditEvent
from audits.models import AuditorAccess, Engagement, EngagementKind
from tests.factories import UserFactory

from .otp import code_of, device_for, signed_in

PASSWORD = "correct horse battery staple"
STEP = "/accounts/second-factor/"
NOW = datetime.datetime(2026, 12, 5, 9, 0, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock():
    cache.clear()
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
    cache.clear()


@pytest.fixture
def engagement(org, qm):
    return Engagement.objects.create(
        organization=org, created_by=qm, kind=EngagementKind.SURVEILLANCE_1,
        start_date=datetime.date(2027, 2, 10), end_date=datetime.date(2027, 2, 11))


@pytest.fixture
def auditor(engagement, qm):
    user = UserFactory(username="auditrice")
    AuditorAccess.objects.create(engagement=engagement, user=user, granted_by=qm,
                                 starts_on=datetime.date(2026, 12, 1),
                                 ends_on=datetime.date(2027, 3, 13))
    return user


def password_sign_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_a_member_signs_in_with_the_password_alone(qm):
    client = password_sign_in("qualite")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_a_signed_in_auditor_reaches_nothing_before_the_step(auditor):
    client = password_sign_in("auditrice")
    for page in ("/", "/account/", "/evidence/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"{STEP}?next={page.replace('/', '%2F')}"
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "second_factor_required"


def test_the_first_time_the_auditor_enrols_an_app_and_goes_on(auditor):
    client = password_sign_in("auditrice")
    page = client.get(STEP, {"next": "/account/"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "<script>" not in body  # drawn on the server, no inline script
    device = TOTPDevice.objects.get(user=auditor)
    assert not device.confirmed
    secret = page.context["secret"]
    assert secret.replace(" ", "") in device.config_url
    passed = client.post(STEP, {"code": code_of(device), "next": "/account/"})
    assert passed.status_code == 302 and passed["Location"] == "/account/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/account/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert AuditEvent.objects.filter(action="second_factor.enrol", actor=auditor).exists()


def test_an_enrolled_auditor_types_the_code_only(auditor):
    device = device_for(auditor)
    client = password_sign_in("auditrice")
    page = client.get(STEP)
    assert page.context["enrolling"] is False and "<svg" not in page.content.decode()
    code = code_of(device)
    assert client.post(STEP, {"code": f"{code[:3]} {code[3:]}"}).status_code == 302
    assert client.get("/")["Location"] == "/audit/"  # a member of no structure: their audits
    assert client.get("/audit/").status_code == 200


def test_a_wrong_code_is_refused_and_counted_as_a_failed_sign_in(auditor):
    device = device_for(auditor)
    client = password_sign_in("auditrice")
    wrong = client.post(STEP, {"code": code_of(device, offset_steps=10)})
    assert wrong.status_code == 400
    assert 'role="alert" id="code-error"' in wrong.content.decode()
    assert client.get("/").status_code == 302
    failed = AuditEvent.objects.get(action="login.failed")
    assert failed.after["username"] == "auditrice" and failed.after["path"] == STEP
    assert client.post(STEP, {"code": "abcdef"}).status_code == 400


def test_wrong_codes_lock_the_step_like_wrong_passwords(auditor, settings, clock):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    device = device_for(auditor)
    client = password_sign_in("auditrice")
    for _ in range(2):
        client.post(STEP, {"code": "000000"})
    clock.shift(datetime.timedelta(minutes=1))  # django-otp's own delay has passed
    locked = client.post(STEP, {"code": code_of(device)})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert client.get("/").status_code == 302
    clock.shift(settings.LOGIN_LOCKOUT)
    assert client.post(STEP, {"code": code_of(device)}).status_code == 302


def test_a_revoked_or_ended_access_still_needs_the_step(auditor):
    AuditorAccess.objects.filter(user=auditor).update(ends_on=datetime.date(2026, 12, 4))
    client = password_sign_in("auditrice")
    assert client.get("/")["Location"].startswith(STEP)


def test_no_api_token_for_an_auditor(auditor, qm):
    client = APIClient()
    refused = client.post("/api/v1/auth/token/", {"username": "auditrice",
                                                 "password": PASSWORD}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "second_factor_required"
    assert not auditor.api_tokens.exists()
    issued = client.post("/api/v1/auth/token/", {"username": "qualite", "password": PASSWORD},
                         format="json")
    assert issued.status_code == 200


def test_the_step_sends_nowhere_else_than_this_site(auditor):
    device = device_for(auditor)
    client = password_sign_in("auditrice")
    passed = client.post(STEP, {"code": code_of(device), "next": "https://evil.example/"})
    assert passed["Location"] == "/"


def test_signed_out_the_step_asks_to_sign_in(db):
    assert Client().get(STEP)["Location"].startswith("/accounts/login/")


def test_the_test_helper_signs_in_past_the_step(auditor):
    assert signed_in(auditor).get("/audit/").status_code == 200
    assert signed_in(auditor, verified=False).get("/audit/").status_code == 302


def test_staff_remove_a_lost_device_without_seeing_its_key(auditor, admin_client):
    device = device_for(auditor)
    listing = admin_client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and "auditrice" in listing.content.decode()
    shown = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert device.key not in shown.content.decode()
    assert admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
    admin_client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    client = password_sign_in("auditrice")
    assert client.get(STEP).context["enrolling"]  # a new app, enrolled at the next sign-in
