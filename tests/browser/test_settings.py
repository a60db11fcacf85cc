"""A structure's settings in a real browser, with the keyboard only: the quality manager
invites a member by e-mail, changes the target audit date of a referential and the
justification of an exclusion."""

import datetime

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MAX_TABS = 80


def tab_to(page, target) -> None:
    """Press Tab until `target` has the focus, as a keyboard user moves through the page."""
    for _press in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus by Tab")


def test_a_quality_manager_invites_and_sets_the_audit_date_with_the_keyboard(
        page, live_server, structure, sign_in, screenshot):
    from audit_prep.models import Invitation
    from checklists.models import Adoption

    sign_in()
    page.goto(f"{live_server.url}/structures/{structure.pk}/")
    tab_to(page, page.get_by_role("link", name="Paramètres de la structure"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Membres et rôles")

    sections = page.get_by_role("navigation", name="Rubriques des paramètres")
    tab_to(page, sections.get_by_role("link", name="Invitations"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    tab_to(page, page.get_by_label("Adresse électronique"))
    page.keyboard.type("nouvelle.recrue@example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Rôle")).to_be_focused()
    page.keyboard.type("Lecteur")  # a select picks the option its label starts with
    tab_to(page, page.get_by_role("button", name="Envoyer l’invitation"))
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_have_text(
        "L’invitation a été envoyée à nouvelle.recrue@example.org.")
    expect(page.get_by_role("row", name="nouvelle.recrue@example.org")).to_contain_text("Lecteur")
    screenshot("settings-invited")

    tab_to(page, sections.get_by_role("link", name="Référentiels adoptés"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="ISO 9001:2015"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Date d'audit visée"))
    # day and month alike: the same keys whether the browser shows jj/mm/aaaa or mm/dd/yyyy
    page.keyboard.type("06062027")
    tab_to(page, page.get_by_role("button", name="Enregistrer"))
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("ont été enregistrés.")
    expect(page.get_by_label("Date d'audit visée")).to_have_value("2027-06-06")

    invitation = Invitation.objects.get(organization=structure)
    assert (invitation.email, invitation.role) == ("nouvelle.recrue@example.org", "viewer")
    adoption = Adoption.objects.get(organization=structure)
    assert adoption.target_audit_date == datetime.date(2027, 6, 6)


def test_a_justification_is_changed_in_its_row_and_the_page_stays_accessible(
        page, live_server, structure, sign_in, screenshot):
    from checklists.models import Exclusion, Requirement
    from checklists.services import tailoring
    from tests.browser.conftest import blocking_violations

    adoption = structure.adoptions.get()
    manager = adoption.adopted_by
    requirement = Requirement.objects.get(referential=adoption.referential, ref_id="8.3")
    tailoring.exclude(manager, structure, requirement, "Pas de conception.")
    sign_in()
    page.goto(f"{live_server.url}/structures/{structure.pk}/settings/referentials/"
              f"{adoption.pk}/exclusions/")
    tab_to(page, page.get_by_text("Modifier la justification"))
    page.keyboard.press("Enter")
    field = page.get_by_label("Justification de 8.3")
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type("Pas de conception de produits ni de services.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_have_text("La justification de 8.3 a été enregistrée.")
    assert Exclusion.objects.get().justification == "Pas de conception de produits ni de services."
    page.get_by_text("Modifier la justification").click()
    screenshot("settings-exclusion-edit")
    assert blocking_violations(page) == []


def test_refusals_and_the_removal_confirmation_are_accessible(page, live_server, structure,
                                                             sign_in):
    from audit_prep.models import Membership
    from tests.browser.conftest import blocking_violations

    own = Membership.objects.get(organization=structure)
    sign_in()
    page.goto(f"{live_server.url}/structures/{structure.pk}/settings/members/")
    page.get_by_label("Rôle de qualite").select_option("viewer")
    page.get_by_role("button", name="Changer le rôle").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_have_text("Une structure garde au moins un responsable qualité.")
    expect(page.get_by_label("Rôle de qualite")).to_have_attribute("aria-invalid", "true")
    assert blocking_violations(page) == []

    page.get_by_role("link", name="Retirer qualite").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer un membre")
    assert blocking_violations(page) == []
    page.get_by_role("button", name="Retirer le membre").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Une structure garde au moins un responsable qualité.")
    assert Membership.objects.get(pk=own.pk).role == "quality_manager"
