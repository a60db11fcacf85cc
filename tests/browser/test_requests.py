"""Evidence requests in a real browser: the quality manager asks for a document from the
audit's requests board, answers it with evidence of the vault and submits it; the auditor,
signed in with a TOTP code, finds it in the workspace with the submitted answer and asks for
more. Accessible pages under the site's Content-Security-Policy (no inline script)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from audit_prep.models import Membership
from audit_prep.roles import Role
from audits.models import AuditorAccess, Engagement, EngagementKind
from audits.requests.models import AuditorStatus, EvidenceRequest
from checklists.models import Requirement
from tests.audits.otp import code_of, device_for

from .conftest import PASSWORD, blocking_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def audit(structure, evidence_item):
    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    today = timezone.localdate()
    engagement = Engagement.objects.create(
        organization=structure, created_by=manager, kind=EngagementKind.SURVEILLANCE_1,
        start_date=today, end_date=today + datetime.timedelta(days=1),
        certification_body="AFNOR Certification")
    engagement.referentials.set([structure.adoptions.get().referential])
    auditor = get_user_model().objects.create_user("auditrice", "audit@example.org", PASSWORD)
    AuditorAccess.objects.create(engagement=engagement, user=auditor, granted_by=manager,
                                 starts_on=today, ends_on=today + datetime.timedelta(days=30))
    return engagement, device_for(auditor), evidence_item("competences.pdf")


def test_a_request_asked_answered_submitted_and_reviewed(page, live_server, audit, sign_in,
                                                         screenshot):
    engagement, device, item = audit
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in()
    page.goto(f"{live_server.url}/structures/{engagement.organization_id}/settings/audits/"
              f"{engagement.pk}/")
    page.get_by_role("link", name="Demandes de preuve de cet audit").click()
    clause = Requirement.objects.get(referential=engagement.referentials.get(), ref_id="7.2")
    page.locator("#ask-requirements").select_option(str(clause.pk))
    page.locator("#ask-asked").fill("Plan de développement des compétences 2027")
    page.locator("#ask-due").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.locator("#messages")).to_contain_text("enregistrée")
    assert blocking_violations(page) == []
    screenshot("requests-board")

    page.get_by_role("link", name=EvidenceRequest.objects.get().reference).click()
    page.get_by_label("Répondre avec une preuve déjà dans le coffre").select_option(
        str(item.pk))
    page.get_by_role("button", name="Lier cette preuve").click()
    expect(page.locator("#answers-section")).to_contain_text("l'auditeur ne la voit pas")
    page.get_by_role("button", name="Transmettre les réponses à l'auditeur").click()
    expect(page.locator("#answers-section")).to_contain_text("transmise à l'auditeur le")
    assert blocking_violations(page) == []
    screenshot("request-page")

    page.context.clear_cookies()
    sign_in("auditrice")
    page.get_by_label("Code").fill(code_of(device))
    page.get_by_role("button", name="Continuer").click()
    page.goto(f"{live_server.url}/audit/{engagement.pk}/requests/")
    expect(page.locator("table")).to_contain_text("Réponse transmise")
    page.get_by_role("link", name=EvidenceRequest.objects.get().reference).click()
    expect(page.get_by_role("link", name=item.title)).to_be_visible()
    page.get_by_label("Votre message").fill("Merci ; la version signée aussi, svp.")
    page.get_by_role("button", name="Envoyer").click()
    page.locator("button[name=decision][value=more]").click()
    expect(page.locator("#messages")).to_contain_text("complément")
    assert blocking_violations(page) == []
    screenshot("workspace-request")
    assert EvidenceRequest.objects.get().auditor_status == AuditorStatus.MORE_NEEDED
    assert refused == []
