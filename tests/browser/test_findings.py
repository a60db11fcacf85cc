"""Findings in a real browser: the quality manager records a finding of an internal audit,
publishes it (its hash shown), answers it with a correction, a root cause and an action, and
sends the answer; the nonconformity log and the grading scales; accessible pages under the
site's Content-Security-Policy (no inline script)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit_prep.models import Membership
from audit_prep.roles import Role
from audits.models import Engagement, EngagementKind, Finding

from .conftest import blocking_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def internal(structure):
    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    start = timezone.localdate() - datetime.timedelta(days=7)
    engagement = Engagement.objects.create(
        organization=structure, created_by=manager, kind=EngagementKind.INTERNAL,
        start_date=start, end_date=start + datetime.timedelta(days=1))
    engagement.referentials.set([structure.adoptions.get().referential])
    return engagement


def test_a_quality_manager_records_publishes_and_answers_a_finding(page, live_server, internal,
                                                                   sign_in, screenshot):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    organization = internal.organization
    sign_in()
    page.goto(f"{live_server.url}/structures/{organization.pk}/settings/audits/{internal.pk}/")
    page.get_by_role("link", name="Constats de cet audit").click()
    assert blocking_violations(page) == []
    page.get_by_label("Cotation").select_option(label="Non-conformité mineure")
    page.get_by_label("Constat", exact=True).fill("Deux bilans de fin de mission non signés.")
    page.get_by_label("Exigences").select_option(index=3)
    page.get_by_role("button", name="Enregistrer en brouillon").click()
    expect(page.locator("#messages")).to_contain_text("Le constat est enregistré en brouillon.")
    page.get_by_role("button", name="Publier").click()
    finding = Finding.objects.get()
    version = finding.versions.get()
    expect(page.locator("code.hash")).to_have_text(version.sha256)

    page.get_by_label("Correction", exact=True).fill("Les bilans ont été signés.")
    page.get_by_label("Cause racine").fill("Étape absente de la procédure.")
    page.get_by_role("button", name="Enregistrer la réponse").click()
    page.get_by_label("Action", exact=True).fill("Ajouter la signature à la procédure")
    page.get_by_label("Échéance").fill(
        (timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Ajouter l’action").or_(
        page.get_by_role("button", name="Ajouter l'action")).click()
    expect(page.get_by_role("table", name="Plan d'actions correctives").or_(
        page.get_by_role("table", name="Plan d’actions correctives"))).to_contain_text(
        "Ajouter la signature à la procédure")
    assert blocking_violations(page) == []
    screenshot("finding-answer")
    page.get_by_role("button", name="Transmettre la réponse à l'auditeur").or_(
        page.get_by_role("button", name="Transmettre la réponse à l’auditeur")).click()
    finding.refresh_from_db()
    assert finding.status == "answered"

    page.goto(f"{live_server.url}/structures/{organization.pk}/settings/improvement/")
    expect(page.locator("table")).to_contain_text("Deux bilans de fin de mission non signés.")
    assert blocking_violations(page) == []
    page.goto(f"{live_server.url}/structures/{organization.pk}/settings/grading-scales/")
    expect(page.locator("h2").first).to_have_text("Grille par défaut")
    assert blocking_violations(page) == []
    assert refused == []
