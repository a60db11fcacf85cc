"""The web pages as a person uses them, in a real browser: sign in, the readiness of a
structure, the language switch, the keyboard, the Content-Security-Policy and accessibility."""

import pytest
from playwright.sync_api import expect

from .conftest import blocking_violations, csp_refusals

pytestmark = pytest.mark.browser


def test_quality_manager_signs_in_and_sees_readiness(page, live_server, structure, sign_in,
                                                    screenshot):
    sign_in(password="pas le bon")
    expect(page.get_by_role("alert")).to_contain_text("Saisissez un nom d’utilisateur")

    sign_in()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes structures")
    screenshot("home")
    page.get_by_role("link", name=structure.name).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(structure.name)
    iso = page.get_by_role("region", name="ISO 9001:2015")
    expect(iso).to_contain_text("Audit le")
    expect(iso).to_contain_text("dans 60 jours")
    expect(iso.get_by_text("Manquant")).to_be_visible()
    expect(iso.get_by_role("progressbar", name="8 Réalisation des activités")).to_be_visible()
    screenshot("structure")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter").first).to_be_visible()


def test_checklist_filters_update_in_place_and_announce_the_result(page, live_server, structure,
                                                                  sign_in, screenshot):
    from checklists.models import Adoption

    adoption = Adoption.objects.get(organization=structure)
    sign_in()
    page.goto(f"{live_server.url}/structures/{structure.pk}/")
    page.get_by_role("link", name="Ouvrir la liste de contrôle").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ISO 9001:2015")
    status = page.get_by_role("status").filter(has_text="exigences affichées")
    expect(status).to_contain_text("affichées sur")
    total = status.inner_text().split(" sur ")[1]

    page.get_by_label("Chapitre").select_option("7")
    # htmx swaps the results in place: the address follows, the focus moves to the results'
    # heading and the live region says how many requirements are shown
    expect(page).to_have_url(f"{live_server.url}/checklists/{adoption.pk}/?date=&status="
                             "&chapter=7&order=clause")
    expect(page.locator("#results-heading")).to_be_focused()
    shown = int(status.inner_text().split(" ")[0])
    assert 0 < shown < int(total.rstrip("."))
    rows = page.locator("table.checklist tbody tr")
    expect(rows).to_have_count(shown)
    expect(rows.first).to_contain_text("7.1")
    screenshot("checklist")


def test_pages_switch_to_english_and_back(page, live_server, structure, sign_in):
    sign_in()
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer de langue").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My structures")

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes structures")


def test_keyboard_reaches_the_content_first(page, live_server, structure):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def _population(structure):
    """A population of the structure with one member (its settings page lists them)."""
    import datetime

    from populations.models import Member, Population

    population = Population.objects.create(
        organization=structure, kind="employees_in_pathway",
        created_by=structure.memberships.get().user)
    Member.objects.create(population=population, reference="1001", initials="AB",
                          entry_date=datetime.date(2026, 1, 5))
    return population


def test_main_pages_are_accessible_and_keep_to_the_policy(page, live_server, structure,
                                                         sign_in, screenshot, evidence_item):
    refused = csp_refusals(page)
    item = evidence_item("plan-competences.pdf")
    pdf = item.revisions.get().files.get()
    public = {"landing": "/", "login": "/accounts/login/",
              "password-reset": "/accounts/password_reset/", "licences": "/licences/"}
    adoption = structure.adoptions.get()
    signed_in = {"my-structures": "/", "structure": f"/structures/{structure.pk}/",
                 "checklist": f"/checklists/{adoption.pk}/",
                 "evidence": "/evidence/",
                 "evidence-add": f"/structures/{structure.pk}/evidence/new/",
                 "evidence-item": f"/evidence/{item.pk}/requirements/?q=7.2",
                 "evidence-item-preview": f"/evidence/{item.pk}/?preview={pdf.pk}",
                 "evidence-edit": f"/evidence/{item.pk}/edit/",
                 "account": "/account/",
                 "password-change": "/accounts/password_change/",
                 "settings-members": f"/structures/{structure.pk}/settings/members/",
                 "settings-invitations": f"/structures/{structure.pk}/settings/invitations/",
                 "settings-referentials": f"/structures/{structure.pk}/settings/referentials/",
                 "settings-adoption":
                     f"/structures/{structure.pk}/settings/referentials/{adoption.pk}/",
                 "settings-exclusions":
                     f"/structures/{structure.pk}/settings/referentials/{adoption.pk}/exclusions/",
                 "account-preferences": "/account/preferences/",
                 "notifications": "/account/notifications/",
                 "settings-reminders": f"/structures/{structure.pk}/settings/reminders/",
                 "settings-audits": f"/structures/{structure.pk}/settings/audits/",
                 "settings-requirements": f"/structures/{structure.pk}/settings/requirements/",
                 "settings-populations": f"/structures/{structure.pk}/settings/populations/",
                 "settings-population": f"/structures/{structure.pk}/settings/populations/"
                                        f"{_population(structure).pk}/"}
    found = {}
    for name, path in public.items():
        page.goto(live_server.url + path)
        found[name] = blocking_violations(page)
        screenshot(name)
    sign_in()
    for name, path in signed_in.items():
        page.goto(live_server.url + path)
        found[name] = blocking_violations(page)
        screenshot(name)
        assert page.evaluate("typeof window.htmx") == "object", name  # served by us, allowed

    assert {name: issues for name, issues in found.items() if issues} == {}
    assert refused == []


def test_evidence_search_finds_a_phrase_inside_a_pdf_with_or_without_accents(
        page, live_server, structure, sign_in, screenshot, tmp_path):
    from rest_framework.test import APIClient

    from audit_prep.models import Membership
    from audit_prep.roles import Role
    from tests.search.corpus import add_item, complaints_pdf

    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    api = APIClient()
    api.force_authenticate(manager)
    add_item(structure, manager, api, "Procédure qualité", files=[complaints_pdf(tmp_path)])
    sign_in()
    page.goto(f"{live_server.url}/evidence/")
    status = page.locator("#results-status")
    for words in ("reclamations enregistrees", "réclamations enregistrées"):
        page.get_by_label("Mots à trouver").fill(words)
        page.get_by_label("Mots à trouver").press("Enter")
        expect(status).to_contain_text("1 preuve contient ces mots.")
        match = page.locator(".search-match")
        expect(match.locator("mark").first).to_have_text("réclamations")
        expect(match).to_contain_text("procedure-reclamations.pdf")
        expect(match.get_by_role("link", name="page 2")).to_be_visible()
    assert blocking_violations(page) == []
    screenshot("evidence-search")
    page.get_by_label("Mots à trouver").fill("-procédure")
    page.get_by_label("Mots à trouver").press("Enter")
    expect(page.locator("#evidence-q-errors")).to_contain_text("au moins un mot")
    expect(status).to_contain_text("Aucune recherche n'a été faite")


def test_with_debug_on_a_refused_search_is_shown_in_the_page_and_the_page_stays(
        page, live_server, structure, sign_in, settings):
    """The demo runs with DEBUG on: a refused search (a 400) is still shown under the box, the
    rest of the page in place (django-htmx's debug script would replace the page with it)."""
    settings.DEBUG = True
    sign_in()
    page.goto(f"{live_server.url}/evidence/")
    page.get_by_label("Mots à trouver").fill("x" * 300)
    page.get_by_label("Mots à trouver").press("Enter")
    expect(page.locator("#evidence-q-errors")).to_contain_text("au plus 200 caractères")
    expect(page.get_by_role("heading", level=1)).to_have_text("Preuves")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
