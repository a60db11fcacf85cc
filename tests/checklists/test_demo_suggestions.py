"""The issue's done-when on the demo, as a new user would try it: the quality manager adds a
new management-review report (a real PDF written as such reports are) through "Add evidence",
the worker reads its text, and its page proposes ISO 9001 9.3 at the first rank."""

from pathlib import Path

import pytest
from django.test import Client

from checklists import demo
from checklists.models import EvidenceLink, Requirement
from evidence.models import EvidenceItem

REPORT = [
    ("Heading1", "Revue de direction du second semestre 2026"),
    ("BodyText", "Date : 8 décembre 2026, de 14 h à 17 h, salle de réunion de Tours. "
                 "Présents : Camille Martin (responsable qualité), la directrice, le président "
                 "de l'association, les deux encadrants techniques et la chargée "
                 "d'accompagnement socioprofessionnel."),
    ("BodyText", "Ordre du jour : état des actions décidées lors de la revue de juin ; "
                 "résultats des indicateurs du semestre ; retours des entreprises clientes et "
                 "des salariés mis à disposition ; conclusions de l'audit interne de novembre ; "
                 "non-conformités et actions correctives ; besoins en ressources ; risques et "
                 "opportunités pour 2027."),
    ("BodyText", "Suivi des décisions précédentes : le plan de formation des encadrants est "
                 "réalisé à 80 % ; l'enquête auprès des entreprises utilisatrices a été menée "
                 "(41 réponses, 87 % de satisfaits) ; la procédure d'accueil a été simplifiée."),
    ("BodyText", "Performance : 62 salariés en parcours accompagnés, 54 % de sorties vers "
                 "l'emploi durable ou la formation, 3 réclamations de clients, toutes traitées "
                 "sous huit jours. L'audit interne relève un écart sur l'archivage des contrats "
                 "de mise à disposition."),
    ("BodyText", "Décisions de la direction : recruter un second chargé d'accompagnement en "
                 "mars ; revoir l'archivage des contrats avant le 31 janvier ; fixer les "
                 "objectifs qualité 2027 lors du comité de janvier ; présenter ce compte rendu "
                 "à l'ensemble des permanents. Prochaine revue : juin 2027."),
]


def _report_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Paragraph(text, styles[style]) for style, text in REPORT])
    return path


@pytest.fixture
def demo_structure(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    return EvidenceItem.objects.filter(organization__slug=demo.DEMO_SLUG).first().organization


def test_a_new_management_review_report_is_suggested_for_9_3_first_on_the_demo(
        demo_structure, tmp_path, django_capture_on_commit_callbacks):
    page = Client(HTTP_ACCEPT_LANGUAGE="fr")
    page.force_login(demo_structure.memberships.get(user__username="qualite").user)
    path = _report_pdf(tmp_path / "RD-S2-2026.pdf")

    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        added = page.post(f"/structures/{demo_structure.pk}/evidence/new/", {
            "files": handle, "kind": "record", "effective_date": "2026-12-08"})
    assert added.status_code == 302
    item = EvidenceItem.objects.get(title="RD-S2-2026")
    html = page.get(f"/evidence/{item.pk}/").content.decode()

    review = Requirement.objects.get(referential__code="iso9001", ref_id="9.3")
    block = html[html.index('id="suggestions"'):]
    first = block.index('<li id="suggestion-')
    assert block[first:].startswith(f'<li id="suggestion-{review.pk}"')
    assert "9.3" in block[first:first + 200] and "Revue de direction" in block[first:first + 300]
    accepted = page.post(f"/evidence/{item.pk}/suggestions/{review.pk}/accept/")
    assert accepted.status_code == 302
    assert EvidenceLink.objects.filter(evidence=item, requirement=review).exists()
