"""An evidence item's page in a real browser: tagging it against ISO 9001 7.2 by searching
"7.2", the workflow that moves the requirement from missing to pending to covered, a
contributor who has no approve button and whose forged POST is refused, and the previews."""

import re

import pytest
from playwright.sync_api import expect

from audit_prep.models import Membership
from audit_prep.roles import Role

from .conftest import PASSWORD, csp_refusals

pytestmark = pytest.mark.browser


def _preview_link(page, name):
    """The "Aperçu" link of a file: named by the word, described by the file's name."""
    link = page.locator("li", has=page.get_by_role("link", name=name, exact=True)).get_by_role(
        "link", name="Aperçu", exact=True)
    expect(link).to_have_accessible_description(name)
    return link


def _requirement_row(page, ref_id):
    return page.locator("table.checklist tbody tr").filter(
        has=page.locator("th .ref", has_text=re.compile(rf"^{re.escape(ref_id)}$")))


def _status_of_7_2(page, live_server, structure) -> str:
    adoption = structure.adoptions.get()
    page.goto(f"{live_server.url}/checklists/{adoption.pk}/?chapter=7")
    return _requirement_row(page, "7.2").locator(".status").inner_text()


def test_quality_manager_tags_an_item_to_7_2_then_approves_it(page, live_server, structure,
                                                              sign_in, screenshot, evidence_item):
    item = evidence_item("plan-competences.pdf")
    sign_in()
    assert _status_of_7_2(page, live_server, structure) == "Manquant"

    page.goto(f"{live_server.url}/evidence/{item.pk}/")
    page.get_by_label("Article ou mots de l'exigence").fill("7.2")
    page.get_by_role("button", name="Rechercher").click()
    # htmx swaps the results in place, announces how many and moves the focus to them
    expect(page.locator("#tag-results-heading")).to_be_focused()
    expect(page.locator("#tag-status")).to_contain_text("exigence")
    screenshot("evidence-item-search")
    page.get_by_role("button", name="Lier à ISO 9001:2015 7.2").click()
    expect(page.locator("#messages")).to_contain_text("Reliée à ISO 9001:2015 7.2.")
    links = page.locator("ul.links")
    expect(links).to_contain_text("Compétences")
    expect(page.get_by_role("button", name="Retirer le lien vers ISO 9001:2015 7.2")
           ).to_be_visible()

    # linked, not approved: pending
    assert _status_of_7_2(page, live_server, structure) == "En attente"

    page.goto(f"{live_server.url}/evidence/{item.pk}/")
    page.get_by_role("button", name="Soumettre à validation").click()
    expect(page.locator("#messages")).to_contain_text("Soumise à validation.")
    assert _status_of_7_2(page, live_server, structure) == "En attente"

    page.goto(f"{live_server.url}/evidence/{item.pk}/")
    page.get_by_role("button", name="Approuver").click()
    expect(page.locator("#messages")).to_contain_text("Approuvée")
    expect(page.get_by_role("button", name="Approuver")).to_have_count(0)
    screenshot("evidence-item")
    assert _status_of_7_2(page, live_server, structure) == "Couvert"


def test_a_contributor_has_no_approve_button_and_a_forged_post_is_refused(
        page, live_server, structure, sign_in, evidence_item):
    from django.contrib.auth import get_user_model

    from evidence.models import EvidenceItem, EvidenceStatus

    item = evidence_item("plan-competences.pdf")
    contributor = get_user_model().objects.create_user("contributrice", "c@example.org",
                                                       PASSWORD)
    Membership.objects.create(user=contributor, organization=structure, role=Role.CONTRIBUTOR)
    sign_in("contributrice")
    page.goto(f"{live_server.url}/evidence/{item.pk}/")
    expect(page.get_by_role("button", name="Soumettre à validation")).to_be_visible()
    expect(page.get_by_role("button", name="Approuver")).to_have_count(0)
    expect(page.get_by_role("button", name="Archiver cette preuve")).to_have_count(0)

    token = next(cookie["value"] for cookie in page.context.cookies()
                 if cookie["name"] == "csrftoken")
    forged = page.request.post(f"{live_server.url}/evidence/{item.pk}/approve/",
                               form={"csrfmiddlewaretoken": token},
                               headers={"Referer": page.url, "X-CSRFToken": token})
    assert forged.status == 403
    assert EvidenceItem.objects.get(pk=item.pk).status == EvidenceStatus.DRAFT
    # the same request by the rules is accepted for what a contributor may do
    submitted = page.request.post(f"{live_server.url}/evidence/{item.pk}/submit/",
                                  form={"csrfmiddlewaretoken": token},
                                  headers={"Referer": page.url}, max_redirects=0)
    assert submitted.status == 302
    assert EvidenceItem.objects.get(pk=item.pk).status == EvidenceStatus.IN_REVIEW


def test_images_and_pdfs_are_previewed_in_the_page(page, live_server, structure, sign_in,
                                                   evidence_item):
    refused = csp_refusals(page)
    item = evidence_item("affichage.png", "plan-competences.pdf")
    sign_in()
    page.goto(f"{live_server.url}/evidence/{item.pk}/")
    _preview_link(page, "affichage.png").click()
    image = page.get_by_role("img", name="Aperçu de affichage.png")
    expect(image).to_be_visible()
    # the browser decoded the image it was sent (under the preview's policy)
    # (not page.wait_for_function: its polling compiles a string, which the page's CSP refuses)
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("image => image.naturalWidth") > 0

    page.get_by_role("link", name="Fermer l'aperçu").click()
    with page.expect_response(re.compile(r"/files/\d+/preview/$")) as served:
        _preview_link(page, "plan-competences.pdf").click()
    assert served.value.status == 200
    expect(page.locator("iframe[title='Aperçu de plan-competences.pdf']")).to_be_visible()
    # framed by our page (frame-ancestors 'self'), not blocked: the frame shows the PDF
    for _attempt in range(50):
        framed = page.frame(url=re.compile(r"/files/\d+/preview/$"))
        if framed is not None:
            break
        page.wait_for_timeout(100)
    assert framed is not None
    assert refused == []
