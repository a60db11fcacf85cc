"""An auditor's access in a real browser (decisions 0023 and 0029): the quality manager invites
an address from the audit's page; the invitee opens the e-mail's link, creates an account,
scans (here: reads) the key of the QR code, confirms with a code of it and lands on the
workspace; the quality manager sees the access open and revokes it; the auditor's next page is
refused. Accessible pages under the site's Content-Security-Policy (no inline script)."""

import base64
import re

import pytest
from django.core import mail
from django_otp.oath import totp
from playwright.sync_api import expect

from audits.models import AuditorAccess

from .conftest import blocking_violations, csp_refusals

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://[^/\s]+(/auditor-invitations/[0-9a-f]{64}/)")


def test_an_auditor_is_invited_enrols_a_second_factor_and_is_revoked(
        page, live_server, engagement, sign_in, screenshot):
    refused = csp_refusals(page)
    audit_page = (f"{live_server.url}/structures/{engagement.organization_id}/settings/audits/"
                  f"{engagement.pk}/")
    sign_in()
    page.goto(audit_page)
    page.locator("#auditor-email").fill("claire.martin@afnor.example")
    page.locator("form:has(#auditor-email) button[type=submit]").click()
    expect(page.locator(".status-access-invited")).to_have_text("Invité")
    assert blocking_violations(page) == []
    screenshot("auditors-of-an-audit")

    [path] = LINK.findall(mail.outbox[-1].body)
    context = page.context.browser.new_context(locale="fr-FR")
    auditor = context.new_page()
    auditor_refused = csp_refusals(auditor)
    auditor.goto(live_server.url + path)
    auditor.locator("#invitation-username").fill("claire")
    auditor.locator("#invitation-password").fill("un autre mot de passe 2026")
    auditor.get_by_role("button", name="Créer mon compte").click()
    expect(auditor.locator(".qr-code svg")).to_be_visible()
    assert blocking_violations(auditor) == []
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
    assert refused + auditor_refused == []
