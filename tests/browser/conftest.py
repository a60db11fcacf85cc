"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), headless, against
the live test server. The browser is never downloaded: `make test` installs the `chromium`
package when it is missing (as root, from Debian's registry); under CI a missing browser fails."""

import datetime
import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from tests.trail import remove_audit_events, remove_finding_versions

CHROMIUM = Path("/usr/bin/chromium")
# Where the screenshots of the main pages go (test artifacts, not committed).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# there are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "un mot de passe de test 2026"
# axe-core findings of these impacts fail the tests (RGAA 4.1 / WCAG 2.1 AA aim).
BLOCKING_IMPACTS = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    """The page's serious and critical accessibility violations found by axe-core."""
    results = Axe().run(page)
    return [f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
            for violation in results.response["violations"]
            if violation["impact"] in BLOCKING_IMPACTS]


def csp_refusals(*pages) -> list[str]:
    """The Content-Security-Policy refusals the pages' consoles report from now on (a list
    that fills as the test goes)."""
    refused: list[str] = []
    for page in pages:
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)
    return refused


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
    remove_finding_versions()


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
    """sign_in(username, password, on=page): the login form filled and sent (in the test's
    page unless another is named)."""
    def sign_in(username="qualite", password=PASSWORD, on=None):
        on = on or page
        on.goto(f"{live_server.url}/accounts/login/")
        on.get_by_label("Nom d’utilisateur").fill(username)
        on.get_by_label("Mot de passe").fill(password)
        on.get_by_role("button", name="Se connecter").click()
    return sign_in


@pytest.fixture
def engagement(structure):
    """A surveillance audit of the structure's ISO 9001 from today to tomorrow."""
    from audits.models import Engagement, EngagementKind

    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    today = timezone.localdate()
    audit = Engagement.objects.create(
        organization=structure, created_by=manager, kind=EngagementKind.SURVEILLANCE_1,
        start_date=today, end_date=today + datetime.timedelta(days=1),
        certification_body="AFNOR Certification")
    audit.referentials.set([structure.adoptions.get().referential])
    return audit


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, on=None) -> None:
        (on or page).screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
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
