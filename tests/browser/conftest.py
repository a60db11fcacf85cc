"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), headless, against
the live test server. The browser is never downloaded: `make test` installs the `chromium`
package when it is missing (as root, from Debian's registry); under CI a missing browser fails."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from tests.trail import remove_audit_events

CHROMIUM = Path("/usr/bin/chromium")
# Where the screenshots of the main pages go (test artifacts, not committed).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# there are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "un mot de passe de test 2026"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (/usr/bin/chromium): `make test` installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Without the background-networking flags, Chromium keeps calling Google's hosts, which
    # this closed network refuses.
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def _audit_trail_emptied_after(transactional_db):
    yield
    remove_audit_events()


@pytest.fixture
def structure(transactional_db):
    """A structure following the ISO 9001 library, its quality manager (password PASSWORD) and
    an audit in 60 days."""
    from django.contrib.auth import get_user_model

    from checklists.demo import LIBRARIES
    from checklists.library import load_library
    from checklists.models import Referential
    from checklists.services import tailoring
    from checklists.services.importer import import_library

    import_library(load_library(LIBRARIES / "iso9001-2015.yaml"))
    organization = Organization.objects.create(name="Chantier d'insertion des Coteaux")
    manager = get_user_model().objects.create_user("qualite", "qualite@example.org", PASSWORD)
    Membership.objects.create(user=manager, organization=organization,
                              role=Role.QUALITY_MANAGER)
    iso = Referential.objects.get(code="iso9001", organization__isnull=True)
    tailoring.adopt(manager, organization, iso,
                    target_audit_date=timezone.localdate() + datetime.timedelta(days=60))
    return organization


@pytest.fixture
def sign_in(page, live_server):
    def sign_in(username="qualite", password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Nom d’utilisateur").fill(username)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
    return sign_in


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    return take


@pytest.fixture
def evidence_item(structure, tmp_path):
    """evidence_item(*names) -> a document of the structure with a first version holding the
    named files (PDF or PNG, made here), uploaded through the API and verified as the workers
    do (Celery runs eagerly in tests)."""
    from rest_framework.test import APIClient

    from evidence import services
    from evidence.models import EvidenceItem
    from tests.conftest import upload
    from tests.filemakers import make_pdf, make_png

    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    api = APIClient()
    api.force_authenticate(manager)

    def make(*names):
        item = services.create_evidence(manager, structure, {
            "title": "Plan de développement des compétences", "kind": "document",
            "effective_date": timezone.localdate() - datetime.timedelta(days=10)})
        makers = {".pdf": make_pdf, ".png": make_png}
        files = [makers[name[-4:]](tmp_path / name).open("rb") for name in names]
        assert upload(api, item.pk, *files).status_code == 201
        for handle in files:
            handle.close()
        return EvidenceItem.objects.get(pk=item.pk)
    return make
