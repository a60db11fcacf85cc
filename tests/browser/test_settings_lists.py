"""A structure's populations in a real browser: a quality manager creates one from the
settings, imports a members file whose bad rows are reported line by line (nothing imported),
then the corrected file with a report of each row."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BAD = "référence;initiales;date d'entrée\n1001;AB;2025-09-01\n1002;Jean Dupont;2025-09-01\n"
GOOD = "référence;initiales;date d'entrée\n1001;AB;2025-09-01\n1002;JD;2025-09-01\n"


def _file(text: str) -> dict:
    return {"name": "salaries.csv", "mimeType": "text/csv", "buffer": text.encode()}


def test_a_quality_manager_imports_members_with_a_row_report(page, live_server, structure,
                                                            sign_in, screenshot):
    sign_in()
    page.goto(f"{live_server.url}/structures/{structure.pk}/settings/populations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Populations")
    page.get_by_label("Nature").select_option("employees_in_pathway")
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_role("status")).to_contain_text("Population créée.")
    page.get_by_role("link", name="Salariés en parcours d'insertion").click()

    page.get_by_label("Fichier des membres").set_input_files(_file(BAD))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("alert")).to_contain_text("rien n'a été importé")
    refused = page.get_by_role("table", name="Les problèmes trouvés dans le fichier, par ligne")
    expect(refused.locator("tbody tr")).to_have_count(1)
    expect(refused.locator("tbody td").first).to_have_text("3")  # the file's line
    expect(page.get_by_text("La population n’a pas encore de membre.")).to_be_visible()

    page.get_by_label("Fichier des membres").set_input_files(_file(GOOD))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("status")).to_contain_text("2 lignes importées : 2 créée(s)")
    report = page.get_by_role("table", name="Ce qu’est devenue chaque ligne du fichier")
    expect(report.get_by_text("Création")).to_have_count(2)
    members = page.get_by_role("table", name="Les membres de la population")
    expect(members.locator("tbody tr")).to_have_count(2)
    screenshot("settings-population-import")
