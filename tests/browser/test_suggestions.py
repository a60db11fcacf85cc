"""Suggested tags in a real browser (decision 0032): a management-review report's page
proposes ISO 9001 9.3 first; confirming it with htmx links it in place (the links above are
swapped too, the status says so), dismissing another removes it; no page breaks the content
security policy and the block has no accessibility violation that blocks."""

import pytest
from playwright.sync_api import expect

from audit_prep.models import Membership
from audit_prep.roles import Role

from .conftest import blocking_violations, csp_refusals

pytestmark = pytest.mark.browser


@pytest.fixture
def review_item(structure, tmp_path):
    """A management-review report (a real PDF) in the structure, verified as the worker does."""
    from rest_framework.test import APIClient

    from tests.checklists.suggestion_corpus import DOCUMENTS, write
    from tests.checklists.suggestions_setup import add_with_file

    manager = Membership.objects.get(organization=structure, role=Role.QUALITY_MANAGER).user
    api = APIClient()
    api.force_authenticate(manager)
    document = next(doc for doc in DOCUMENTS if doc.key == "revue-direction-2025")
    path, _mime = write(document, tmp_path, 0)
    return add_with_file(api, structure, path, "CR réunion 12-02-2025")


def test_confirm_and_dismiss_suggestions_in_place(page, live_server, sign_in, review_item,
                                                  screenshot):
    refused = csp_refusals(page)
    sign_in()
    page.goto(f"{live_server.url}/evidence/{review_item.pk}/")
    block = page.get_by_role("region", name="Exigences suggérées")
    first = block.locator("ul.suggestions li").first
    expect(first.locator(".ref")).to_have_text("9.3")
    expect(first).to_contain_text("revue de direction")
    screenshot("evidence-suggestions")
    assert blocking_violations(page) == []

    block.get_by_role("button", name="Confirmer la suggestion ISO 9001:2015 9.3",
                      exact=True).click()

    expect(page.locator("#suggestions-status")).to_contain_text("Reliée à ISO 9001:2015 9.3.")
    expect(page.locator("ul.links")).to_contain_text("Revue de direction")
    expect(page.get_by_role("button", name="Confirmer la suggestion ISO 9001:2015 9.3",
                            exact=True)).to_have_count(0)
    dismiss = page.get_by_role("button", name="Écarter la suggestion ISO 9001:2015 9.3.2",
                               exact=True)
    dismiss.click()
    expect(page.locator("#suggestions-status")).to_contain_text("Suggestion écartée")
    expect(dismiss).to_have_count(0)
    assert refused == []
