"""The demo's auditor signs in as the README says: `auditrice`, the password in the demo
credentials, then the code of the fixed TOTP key (`python -m audits.demo_totp`); her access to
the demo's surveillance audit is open."""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits import auditor_services
from audits.demo_totp import DEMO_TOTP_SECRET, current_code
from audits.models import AuditorAccess


@pytest.fixture
def seeded(settings, tmp_path, media_root, db):
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return tmp_path


def password_of(data_dir, username: str) -> str:
    lines = (data_dir / "demo-credentials.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(" ", 1) for line in lines)[username]


def test_the_demo_auditor_signs_in_with_the_documented_key(seeded):
    row = AuditorAccess.objects.select_related("engagement").get(user__username="auditrice")
    assert auditor_services.access_state(row) == auditor_services.OPEN
    assert row.engagement.kind == "surveillance_1"
    device = TOTPDevice.objects.get(user__username="auditrice", confirmed=True)
    assert DEMO_TOTP_SECRET in device.config_url
    client = Client()
    assert client.post("/accounts/login/", {
        "username": "auditrice", "password": password_of(seeded, "auditrice")}).status_code == 302
    assert client.get("/audit/")["Location"].startswith("/accounts/second-factor/")
    assert client.post("/accounts/second-factor/", {"code": current_code(),
                                                    "next": "/audit/"}).status_code == 302
    assert client.get("/audit/").status_code == 200


def test_seeding_again_adds_no_auditor(seeded):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert AuditorAccess.objects.filter(user__username="auditrice").count() == 1
    lines = (seeded / "demo-credentials.txt").read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("auditrice ") for line in lines) == 1


def test_the_code_is_printed_from_the_command_line():
    printed = subprocess.run([sys.executable, "-m", "audits.demo_totp"], capture_output=True,
                             text=True, check=True, cwd=django_settings.BASE_DIR,
                             timeout=30).stdout.strip()
    assert printed.isdigit() and len(printed) == 6
