"""An auditor's access in a real browser (decisions 0023 and 0029): the quality manager invites
an address from the audit's page; the invitee opens the e-mail's link, creates an account,
scans (here: reads) the key of the QR code, confirms with a code of it and lands on the
workspace; the quality manager sees the access open and revokes it; the auditor's next page is
refused. Accessible pages under the site's Content-Security-Policy (no inline script)."""

import base64
import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from audit_prep.models import Membership
from audit_prep.roles import Role
from audits.models import AuditorAccess, Engagement, EngagementKind

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://[^/\s]+(/auditor-invitations/[0-9a-f]{64}/)")


def _blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{violation['id']}: {violation['help']}"
            for violation in results.response["violations"]
            if violation["impact"] in {"serious", "critical"}]


@pytest.fixture
def engagement(structure):
    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    today = timezone.localdate()
    audit = Engagement.objects.create(
        organization=structure, created_by=manager, kind=EngagementKind.SURVEILLANCE_1,
        start_date=today, end_date=today + datetime.timedelta(days=1),
        certification_body="AFNOR Certification")
    audit.referentials.set([structure.adoptions.get().referential])
    return audit


def test_an_auditor_is_invited_enrols_a_second_factor_and_is_revoked(
        page, live_server, engagement, sign_in, screenshot):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    audit_page = (f"{live_server.url}/structures/{engagement.organization_id}/settings/audits/"
                  f"{engagement.pk}/")
    sign_in()
    page.goto(audit_page)
    page.locator("#auditor-email").fill("claire.martin@afnor.example")
    page.locator("form:has(#auditor-email) button[type=submit]").click()
    expect(page.locator(".status-access-invited")).to_have_text("Invité")
    assert _blocking_violations(page) == []
    screenshot("auditors-of-an-audit")

    [path] = LINK.findall(mail.outbox[-1].body)
    context = page.context.browser.new_context(locale="fr-FR")
    auditor = context.new_page()
    auditor.on("console", lambda message: refused.append(message.text)
               if "Content Security Policy" in message.text else None)
    auditor.goto(live_server.url + path)
    auditor.locator("#invitation-username").fill("claire")
    auditor.locator("#invitation-password").fill("un autre mot de passe 2026")
    auditor.get_by_role("button", name="Créer mon compte").click()
    expect(auditor.locator(".qr-code svg")).to_be_visible()
    assert _blocking_violations(auditor) == []
    secret = auditor.locator("#totp-secret").inner_text().replace(" ", "")
    code = f"{totp(base64.b32decode(secret)):06d}"
    auditor.get_by_label("Code").fill(code)
    auditor.get_by_role("button", name="Confirmer et ouvrir mon accès").click()
    expect(auditor).to_have_url(f"{live_server.url}/audit/")
    assert AuditorAccess.objects.get(engagement=engagement).user.username == "claire"

    page.goto(audit_page)
    expect(page.locator(".status-access-open")).to_have_text("Ouvert")
    page.get_by_role("button", name="Révoquer maintenant claire.martin@afnor.example").click()
    expect(page.locator(".status-access-revoked")).to_have_text("Révoqué")

    response = auditor.goto(f"{live_server.url}/audit/{engagement.pk}/")
    assert response is not None and response.status == 404
    context.close()
    assert refused == []
