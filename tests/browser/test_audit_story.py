"""Issue 13's story in a real browser, in French, with the mouse and the keyboard: a quality
manager invites an auditor to one audit; the auditor enrols a TOTP key, signs in with a code,
sees that audit only, its checklist on the audit date with the requirements lacking evidence
flagged, and cannot reach the structure's pages; they record and publish a finding and ask
for a document; the quality manager answers both and submits; the auditor reads the answer,
downloads the sealed pack and checks its SHA256SUMS; after the access's end date the same
auditor is refused, and the refusal is in the audit trail. Only the world is set up through
the models (the structure, its ISO 9001, a linked PDF, the audit)."""

import base64
import datetime
import hashlib
import re
import zipfile

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from audit_prep.models import AuditEvent, Membership
from audit_prep.roles import Role
from audits.models import AuditorAccess, Engagement, EngagementKind
from checklists.models import Requirement
from checklists.services import links
from evidence.services import evidence as evidence_services
from tests.audits.otp import code_of
from tests.filemakers import make_pdf

from .conftest import blocking_violations, csp_refusals

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://[^/\s]+(/auditor-invitations/[0-9a-f]{64}/)")
AUDITOR_PASSWORD = "le mot de passe de l'auditrice 2026"


@pytest.fixture
def world(engagement, evidence_item):
    """The audit, its structure's approved PDF linked to 7.2, and another audit of the same
    structure the auditor is never invited to."""
    structure = engagement.organization
    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    item = evidence_item("competences.pdf")
    evidence_services.approve(manager, item)
    referential = structure.adoptions.get().referential
    links.link_many(manager, [item], [Requirement.objects.get(referential=referential,
                                                              ref_id="7.2")])
    internal = Engagement.objects.create(
        organization=structure, created_by=manager, kind=EngagementKind.INTERNAL,
        start_date=engagement.start_date, end_date=engagement.end_date)
    internal.referentials.set([referential])
    return engagement, internal, referential


def _auditor_signs_up(auditor, live_server, sign_in):
    """The invitation's link, an account, the QR code's key enrolled, then a new sign-in with
    the password and a fresh code of that key."""
    [path] = LINK.findall(mail.outbox[-1].body)
    auditor.goto(live_server.url + path)
    auditor.locator("#invitation-username").fill("claire")
    auditor.locator("#invitation-password").fill(AUDITOR_PASSWORD)
    auditor.get_by_role("button", name="Créer mon compte").click()
    expect(auditor.locator(".qr-code svg")).to_be_visible()
    device = TOTPDevice.objects.get(user__username="claire")
    # The key the QR code shows is the one the authenticator app computes codes from.
    assert auditor.locator("#totp-secret").inner_text().replace(" ", "") == \
        base64.b32encode(device.bin_key).decode()
    auditor.get_by_label("Code").fill(code_of(device))
    auditor.get_by_role("button", name="Confirmer et ouvrir mon accès").click()
    expect(auditor).to_have_url(f"{live_server.url}/audit/")
    auditor.get_by_role("button", name="Se déconnecter").click()

    sign_in("claire", AUDITOR_PASSWORD, on=auditor)
    expect(auditor.get_by_role("heading", level=1)).to_have_text("Second facteur")
    device.refresh_from_db()  # a code already used is refused: the next step's is accepted
    auditor.get_by_label("Code").fill(code_of(device, offset_steps=1))
    auditor.get_by_role("button", name="Continuer").click()
    expect(auditor).to_have_url(f"{live_server.url}/audit/")


def _auditor_reads_the_checklist(auditor, live_server, engagement, internal, referential):
    competence, internal_audit = (Requirement.objects.get(referential=referential, ref_id=ref)
                                  for ref in ("7.2", "9.2"))
    for path in (f"/structures/{engagement.organization_id}/",
                 f"/structures/{engagement.organization_id}/settings/audits/{engagement.pk}/",
                 f"/audit/{internal.pk}/"):
        response = auditor.goto(live_server.url + path)
        assert response is not None and response.status == 404, path
    auditor.get_by_role("link", name="Mes audits").click()
    expect(auditor.locator(".cards .card")).to_have_count(1)
    auditor.get_by_role("link", name=engagement.organization.name).click()
    auditor.get_by_role("link", name="Liste de contrôle à la date de l'audit").click()
    expect(auditor.locator("#missing-summary")).to_contain_text("Sans preuve à la date de l'audit")
    expect(auditor.locator(f"#requirement-{competence.pk} .status").first).not_to_have_text(
        "Manquant")
    expect(auditor.locator(f"#requirement-{internal_audit.pk} .status").first).to_have_text(
        "Manquant")
    assert blocking_violations(auditor) == []


def _auditor_writes(auditor, referential):
    """A minor nonconformity on 7.2, published; a request for the internal audit's report."""
    competence, internal_audit = (Requirement.objects.get(referential=referential, ref_id=ref)
                                  for ref in ("7.2", "9.2"))
    auditor.get_by_role("link", name="Constats", exact=True).click()
    auditor.get_by_label("Cotation").select_option(label="Non-conformité mineure")
    auditor.get_by_label("Constat", exact=True).fill(
        "Les entretiens professionnels de 2026 ne sont pas tous tracés.")
    auditor.get_by_label("Exigences").select_option(str(competence.pk))
    auditor.get_by_role("button", name="Enregistrer en brouillon").click()
    auditor.get_by_role("button", name=re.compile("^Publier")).click()
    expect(auditor.locator(".status-finding-open")).to_be_visible()
    assert blocking_violations(auditor) == []

    auditor.get_by_role("link", name="Demandes de preuve", exact=True).click()
    auditor.get_by_label("Exigences").select_option(str(internal_audit.pk))
    auditor.get_by_role("textbox", name="Demande").fill("Le rapport du dernier audit interne.")
    auditor.get_by_label("Échéance").fill(
        (timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    auditor.get_by_role("button", name="Envoyer la demande").click()
    expect(auditor.locator(".status-auditor-requested")).to_have_count(1)
    assert blocking_violations(auditor) == []


def _manager_answers(page, live_server, engagement, pdf):
    """The request answered with a new PDF and submitted; the finding answered with a plan."""
    page.goto(f"{live_server.url}/structures/{engagement.organization_id}/settings/audits/"
              f"{engagement.pk}/")
    page.get_by_role("link", name="Demandes de preuve de cet audit").click()
    page.get_by_role("link", name=re.compile(r"^DP-")).first.click()
    page.get_by_label("Intitulé").fill("Rapport d'audit interne 2026")
    page.get_by_label("Fichiers").set_input_files(pdf)
    page.get_by_role("button", name="Ajouter la preuve").click()
    expect(page.locator("#answers-section .status-pending")).to_have_count(1)
    page.get_by_role("button", name="Transmettre les réponses à l'auditeur").click()
    expect(page.locator("#answers-section .status-submitted")).to_have_count(1)

    page.get_by_role("link", name="Retour aux demandes").click()
    page.get_by_role("link", name="Retour à l'audit").click()
    page.get_by_role("link", name="Constats de cet audit").click()
    page.get_by_role("link", name="#1").click()
    page.get_by_label("Correction", exact=True).fill("Les entretiens manquants sont planifiés.")
    page.get_by_label("Cause racine").fill("Aucun suivi des dates d'entretien.")
    page.get_by_role("button", name="Enregistrer la réponse").click()
    page.get_by_label("Action", exact=True).fill("Tenir un tableau de suivi des entretiens.")
    page.get_by_label("Échéance").fill(
        (timezone.localdate() + datetime.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Ajouter l'action").click()
    page.get_by_role("button", name="Transmettre la réponse à l'auditeur").click()
    expect(page.locator(".status-finding-answered")).to_be_visible()


def _manager_seals(page):
    page.get_by_role("link", name="Retour aux constats de cet audit").click()
    page.get_by_role("link", name="Retour à l'audit").click()
    page.get_by_role("link", name="Dossiers d'audit scellés").click()
    page.get_by_role("button", name="Sceller l'audit maintenant").click()
    expect(page.get_by_role("link", name=re.compile("^Télécharger le dossier"))).to_be_visible()


def _sums_hold(archive) -> list[str]:
    """The names SHA256SUMS lists in the ZIP, each checked against the file's bytes."""
    with zipfile.ZipFile(archive) as pack:
        names = set(pack.namelist())
        listed = []
        for line in pack.read("SHA256SUMS").decode().splitlines():
            digest, name = line.split(maxsplit=1)
            name = name.lstrip("*")
            assert name in names, name
            assert hashlib.sha256(pack.read(name)).hexdigest() == digest, name
            listed.append(name)
    return listed


def test_an_audit_from_the_invitation_to_the_sealed_pack(
        page, live_server, world, sign_in, screenshot, tmp_path, browser_context_args):
    engagement, internal, referential = world
    audit_page = (f"{live_server.url}/structures/{engagement.organization_id}/settings/audits/"
                  f"{engagement.pk}/")
    context = page.context.browser.new_context(**browser_context_args)
    auditor = context.new_page()
    for one in (page.context, context):
        one.set_default_timeout(10_000)
    refused = csp_refusals(page, auditor)

    sign_in()
    page.goto(audit_page)
    page.locator("#auditor-email").fill("claire.martin@afnor.example")
    page.locator("form:has(#auditor-email) button[type=submit]").click()
    expect(page.locator(".status-access-invited")).to_have_text("Invité")
    _auditor_signs_up(auditor, live_server, sign_in)
    _auditor_reads_the_checklist(auditor, live_server, engagement, internal, referential)
    screenshot("story-auditor-checklist", on=auditor)
    _auditor_writes(auditor, referential)

    _manager_answers(page, live_server, engagement, make_pdf(tmp_path / "audit-interne.pdf"))
    _manager_seals(page)

    auditor.get_by_role("link", name=re.compile(r"^DP-")).click()
    expect(auditor.locator(".status-auditor-submitted")).to_be_visible()
    expect(auditor.get_by_role("link", name="Rapport d'audit interne 2026")).to_be_visible()
    auditor.get_by_role("link", name="Constats", exact=True).click()
    auditor.get_by_role("link", name="#1").click()
    expect(auditor.get_by_role("heading", name="Réponse de la structure")).to_be_visible()
    auditor.get_by_role("link", name="Dossier scellé").click()
    assert blocking_violations(auditor) == []
    screenshot("story-auditor-pack", on=auditor)
    with auditor.expect_download() as download:
        auditor.get_by_role("link", name=re.compile("^Télécharger le dossier")).click()
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    listed = _sums_hold(archive)
    assert {name.rsplit("/", 1)[-1] for name in listed} == {
        "7.2 Plan de développement des compétences.pdf",
        "9.2 Rapport d'audit interne 2026.pdf", "index.xlsx", "index.pdf", "manifest.json"}
    assert AuditEvent.objects.filter(action="auditor.download", actor__username="claire",
                                     after__engagement=engagement.pk).count() == 1

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    AuditorAccess.objects.filter(engagement=engagement).update(
        starts_on=yesterday - datetime.timedelta(days=1), ends_on=yesterday)
    response = auditor.goto(f"{live_server.url}/audit/{engagement.pk}/checklist/")
    assert response is not None and response.status in {403, 404}
    refusal = AuditEvent.objects.filter(action="auditor.refused").latest("pk")
    assert (refusal.actor.username, refusal.organization_id, refusal.after["engagement"],
            refusal.after["status"]) == ("claire", engagement.organization_id, engagement.pk,
                                         response.status)
    auditor.goto(f"{live_server.url}/audit/")
    expect(auditor.locator(".cards .card")).to_have_count(0)
    context.close()
    assert refused == []
