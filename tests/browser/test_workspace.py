"""The auditor's workspace in a real browser: the auditor signs in with the password and a TOTP
code, lands on their audits, reads the checklist on the audit date with missing evidence
standing out, filters it in place, previews a PDF of the engagement; accessible pages under the
site's Content-Security-Policy (no inline script)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from audit_prep.models import Membership
from audit_prep.roles import Role
from audits.models import AuditorAccess
from checklists.models import Requirement
from checklists.services import links
from tests.audits.otp import code_of, device_for

from .conftest import PASSWORD, blocking_violations, csp_refusals

pytestmark = pytest.mark.browser


@pytest.fixture
def audit(engagement, evidence_item):
    """An audit of the structure that started today, its auditor (with a TOTP device) and a
    PDF linked to clause 7.2 of its referential."""
    structure = engagement.organization
    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    adoption = structure.adoptions.get()
    today = timezone.localdate()
    auditor = get_user_model().objects.create_user("auditrice", "audit@example.org", PASSWORD)
    AuditorAccess.objects.create(engagement=engagement, user=auditor, granted_by=manager,
                                 starts_on=today, ends_on=today + datetime.timedelta(days=30))
    item = evidence_item("competences.pdf")
    links.link_many(manager, [item], [Requirement.objects.get(
        referential=adoption.referential, ref_id="7.2")])
    return engagement, device_for(auditor), item


def test_the_auditor_reads_the_checklist_and_previews_evidence(page, live_server, audit,
                                                               sign_in, screenshot):
    engagement, device, item = audit
    refused = csp_refusals(page)
    sign_in("auditrice")
    page.get_by_label("Code").fill(code_of(device))
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_url(f"{live_server.url}/audit/")
    expect(page.get_by_role("link", name="Mes structures")).to_have_count(0)
    page.get_by_role("link", name=engagement.organization.name).click()
    page.get_by_role("link", name="Liste de contrôle à la date de l'audit").click()
    expect(page.locator("#missing-summary")).to_contain_text("Sans preuve à la date de l'audit")
    assert blocking_violations(page) == []
    screenshot("workspace-checklist")

    page.get_by_label("Statut").select_option("missing")
    expect(page.locator("#results-heading")).to_be_focused()
    statuses = page.locator("table.checklist tbody .status")
    expect(statuses.first).to_have_text("Manquant")
    assert set(statuses.all_inner_texts()) == {"Manquant"}

    page.get_by_label("Statut").select_option("")
    page.get_by_role("link", name=item.reference).first.click()
    page.get_by_role("link", name="Aperçu").click()
    frame = page.locator("iframe")
    expect(frame).to_have_attribute("title", "Aperçu de competences.pdf")
    assert blocking_violations(page) == []
    screenshot("workspace-evidence")
    assert refused == []
