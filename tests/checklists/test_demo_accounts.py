"""The demo's accounts: three members of the demo structure, and the staff account named in the
README that signs in to /admin/; every password is in DATA_DIR/demo-credentials.txt."""

import pytest
from django.core.management import call_command
from django.test import Client

from checklists import demo


@pytest.fixture
def seeded(settings, tmp_path, media_root, db):
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    lines = (tmp_path / "demo-credentials.txt").read_text(encoding="utf-8").split("\n")
    return dict(line.split(" ", 1) for line in lines if line)


def test_the_credentials_file_names_every_account(seeded):
    assert set(seeded) == {"qualite", "contributeur", "lecteur", "admin", "auditrice"}


def test_the_staff_account_signs_in_to_the_admin(seeded):
    client = Client()
    response = client.post("/admin/login/?next=/admin/",
                           {"username": "admin", "password": seeded["admin"]})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert b"/admin/evidence/" in page.content and b"/admin/audit_prep/" in page.content


def test_member_accounts_are_not_staff(seeded):
    client = Client()
    client.post("/admin/login/", {"username": "qualite", "password": seeded["qualite"]})
    assert client.get("/admin/").status_code == 302  # back to the login page


def test_seeding_again_keeps_the_passwords(seeded, settings):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    text = (settings.DATA_DIR / "demo-credentials.txt").read_text(encoding="utf-8")
    assert text.count("admin ") == 1
    assert Client().login(username="admin", password=seeded["admin"])
    assert demo.STAFF_ACCOUNT[0] == "admin"
