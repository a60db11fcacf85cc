"""The pages on a tablet (768 px wide: nothing wider than the screen) and the checklist on
paper (no menu, no form: the requirements and their evidence)."""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def with_history(structure):
    """The structure with evidence on a few requirements, its readiness computed as the workers
    do and 30 days of daily snapshots behind the trend."""
    from checklists.models import Adoption, EvidenceLink, ReadinessSnapshot, Requirement
    from checklists.services import readiness_state
    from tests.factories import evidence_with_file

    adoption = Adoption.objects.select_related("referential").get(organization=structure)
    manager = structure.memberships.get().user
    today = timezone.localdate()
    for index, ref_id in enumerate(("4.3", "5.2", "7.1.5.1", "9.3.3")):
        item = evidence_with_file(
            structure, manager, title=f"Procédure de maîtrise des documents et des "
            f"enregistrements qualité, version longue {index}", status="approved",
            approved_at=timezone.now(), effective_date=today - datetime.timedelta(days=300),
            valid_until=today + datetime.timedelta(days=10 + 30 * index))
        EvidenceLink.objects.create(evidence=item, created_by=manager,
                                    requirement=Requirement.objects.get(
                                        referential=adoption.referential, ref_id=ref_id))
    readiness_state.mark_dirty(structure.pk)
    readiness_state.recompute_dirty()
    ReadinessSnapshot.objects.bulk_create(
        ReadinessSnapshot(organization=structure, referential=adoption.referential,
                          reference_date=today - datetime.timedelta(days=back),
                          score=max(0, 12 - back // 3))
        for back in range(30))
    return structure


def _pages(structure) -> dict[str, str]:
    return {"my-structures": "/", "structure": f"/structures/{structure.pk}/",
            "checklist": f"/checklists/{structure.adoptions.get().pk}/",
            "evidence": "/evidence/"}


def test_pages_fit_a_tablet_768_px_wide(page, live_server, with_history, sign_in, screenshot):
    page.set_viewport_size(TABLET)
    sign_in()
    for name, path in _pages(with_history).items():
        page.goto(live_server.url + path)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= TABLET["width"], (name, widths)
        screenshot(f"768-{name}")


def test_the_trend_is_drawn_and_readable_without_script(page, live_server, with_history,
                                                        sign_in):
    sign_in()
    page.goto(f"{live_server.url}/structures/{with_history.pk}/")
    chart = page.get_by_role("img", name=re.compile(r"^État de préparation pour ISO 9001:2015.*"
                                                    r", un point par jour$"))
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_description(re.compile(
        r"^De 3,0 % le .* à 12,0 % le .*, 30 points quotidiens\.$"))
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    expect(page.locator(".trend-line")).to_have_count(1)
    page.get_by_text("Les chiffres de l’évolution").click()
    expect(page.locator(".trend-data tbody tr")).to_have_count(30)
    results = Axe().run(page)
    assert [violation["id"] for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")] == []


def test_a_next_step_opens_the_checklist_where_the_gap_is(page, live_server, with_history,
                                                         sign_in):
    sign_in()
    page.goto(f"{live_server.url}/structures/{with_history.pk}/")
    steps = page.get_by_role("list", name="Que faire ensuite").get_by_role("listitem")
    expect(steps.first).to_contain_text("Point bloquant de l’étape 1")
    steps.first.get_by_role("link").click()
    expect(page.get_by_label("Chapitre")).to_have_value("4")
    expect(page.locator("table.checklist tbody tr").first).to_contain_text("4.1")


def test_the_checklist_prints_without_menus_or_forms(page, live_server, with_history, sign_in):
    sign_in()
    page.goto(f"{live_server.url}/checklists/{with_history.adoptions.get().pk}/")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", "form.filters", ".exports", ".breadcrumb"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ISO 9001:2015")
    expect(page.locator("table.checklist")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
    page.pdf(path=str(_artifact("checklist-print.pdf")))


def _artifact(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name
