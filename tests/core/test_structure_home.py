"""The home of a structure: what to do next (ordered by `next_steps`, each one click from
fixing it), the readiness trend drawn as SVG with its figures in a table, the time of the
figures, all read from what the workers stored."""

import datetime
import re

import pytest
import time_machine

from checklists.models import Adoption, EvidenceLink, ReadinessSnapshot
from checklists.services import readiness_state
from tests.checklists.conftest import make_referential
from tests.factories import evidence_with_file

NOW = datetime.datetime(2027, 1, 10, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2027, 1, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, qm):
    client.force_login(qm)
    return client


def _adopt(org, qm, code):
    referential, clauses = make_referential(code=code)
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                       target_audit_date=datetime.date(2027, 3, 15))
    return adoption, clauses


def _link(org, qm, requirement, title, kind="record", **fields):
    item = evidence_with_file(org, qm, title=title, kind=kind, **fields)
    EvidenceLink.objects.create(evidence=item, requirement=requirement, created_by=qm)
    return item


def _approved(org, qm, requirement, title, valid_until):
    return _link(org, qm, requirement, title, status="approved", approved_at=NOW,
                 effective_date=datetime.date(2026, 1, 5), valid_until=valid_until)


def _computed(org):
    readiness_state.mark_dirty(org.pk)
    readiness_state.recompute_dirty()


def _steps(page) -> list[str]:
    block = page.split('class="next-steps"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item.split(">", 1)[1])).strip()
            for item in block.split("<li")[1:]]


def test_next_steps_put_missing_documented_information_first_then_renewals_then_approvals(
        signed_in, org, qm):
    adoption, clauses = _adopt(org, qm, "autre")
    expired = _approved(org, qm, clauses["7.2"], "Registre des formations",
                        datetime.date(2026, 12, 1))
    ending = _approved(org, qm, clauses["9.3.3"], "Revue de direction",
                       datetime.date(2027, 3, 1))
    draft = _link(org, qm, clauses["6.2.2"], "Plan d'objectifs", kind="document",
                  status="draft", effective_date=datetime.date(2026, 6, 1))
    _link(org, qm, clauses["9.2.2"], "Audit interne", status="approved", approved_at=NOW,
          effective_date=datetime.date(2026, 10, 1))  # covered: no step
    _computed(org)

    page = signed_in.get(f"/structures/{org.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert _steps(page) == [
        "Manquant 4.3 Exigence 4.3 — œuvre — information documentée exigée, aucune preuve "
        "reliée. Trouver 4.3 dans la liste de contrôle",
        "Manquant 6.2.1 Exigence 6.2.1 — œuvre — information documentée exigée, aucune preuve "
        "reliée. Trouver 6.2.1 dans la liste de contrôle",
        "Manquant 8.3 Exigence 8.3 — œuvre — information documentée exigée, aucune preuve "
        "reliée. Trouver 8.3 dans la liste de contrôle",
        "Manquant 7.5.3 Exigence 7.5.3 — œuvre — aucune preuve reliée. Trouver 7.5.3 dans la "
        "liste de contrôle",
        "Expiré 7.2 Exigence 7.2 — œuvre — « Registre des formations » a expiré. Renouveler "
        "« Registre des formations »",
        "Expire avant l’audit 9.3.3 Exigence 9.3.3 — œuvre — « Revue de direction » est "
        "valable jusqu’au 1 mars 2027. Renouveler « Revue de direction »",
        "En attente 6.2.2 Exigence 6.2.2 — œuvre — « Plan d&#x27;objectifs » n’est pas encore "
        "approuvée ou vérifiée. Examiner « Plan d&#x27;objectifs »",
    ]
    # each one click from fixing it: the requirement in the checklist, the item to renew
    checklist = f"/checklists/{adoption.pk}/"
    assert (f'href="{checklist}?status=missing&amp;chapter=4#requirement-{clauses["4.3"].pk}"'
            in page)
    for item in (expired, ending, draft):
        assert f'href="/evidence/{item.pk}/"' in page
    assert f'<tr id="requirement-{clauses["4.3"].pk}">' in signed_in.get(
        f"{checklist}?status=missing&chapter=4").content.decode()


def test_failed_stage_1_gates_come_before_everything_and_link_to_their_chapter(
        signed_in, org, qm):
    adoption, _clauses = _adopt(org, qm, "iso9001")
    _computed(org)

    page = signed_in.get(f"/structures/{org.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    steps = _steps(page)
    assert len(steps) == 10 and all(step.startswith("Point bloquant de l’étape 1 ")
                                    for step in steps)
    assert steps[0] == (
        "Point bloquant de l’étape 1 Domaine d&#x27;application (4.3) avec exclusions "
        "justifiées et admises — Le domaine d&#x27;application du système de management de la "
        "qualité n&#x27;est pas documenté. Voir le chapitre 4 dans la liste de contrôle")
    assert f'href="/checklists/{adoption.pk}/?chapter=9"' in page
    # the missing requirements come after the gates: counted, one click away
    assert (f'<a href="/checklists/{adoption.pk}/?order=priority">8 autres étapes : voir la '
            "liste de contrôle, problèmes d’abord.</a>") in page


def _snapshot(org, adoption, day, score, **fields):
    return ReadinessSnapshot.objects.create(
        organization=org, referential=adoption.referential, reference_date=day, score=score,
        **fields)


def test_the_trend_is_an_svg_drawn_on_the_server_with_its_figures_in_a_table(
        signed_in, org, qm):
    adoption, _clauses = _adopt(org, qm, "autre")
    for back, score in ((20, "25.0"), (10, "40.5"), (0, "62.5")):
        _snapshot(org, adoption, TODAY - datetime.timedelta(days=back), score)
    # a quality manager's snapshot looks at another date: not a point of the daily trend
    _snapshot(org, adoption, datetime.date(2027, 3, 15), "90.0", taken_by=qm)
    _snapshot(org, adoption, TODAY - datetime.timedelta(days=120), "5.0")  # too old
    _computed(org)

    page = signed_in.get(f"/structures/{org.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg and f'aria-labelledby="trend-title-{adoption.pk}"' in svg
    assert f'aria-describedby="trend-desc-{adoption.pk}"' in svg
    assert (f'<title id="trend-title-{adoption.pk}">État de préparation pour Référentiel '
            "autre, un point par jour</title>") in svg
    assert ("De 25,0 % le 21 décembre 2026 à 62,5 % le 10 janvier 2027, 3 points "
            "quotidiens.</desc>") in svg
    assert "style=" not in svg  # the CSP forbids inline styles: classes and attributes only
    # the axes: percentages and dates
    assert ">0 %</text>" in svg and ">100 %</text>" in svg
    assert ">21/12/2026</text>" in svg and ">10/01/2027</text>" in svg
    [line] = re.findall(r'<polyline class="trend-line" points="([^"]+)"', svg)
    points = [tuple(float(v) for v in pair.split(",")) for pair in line.split()]
    assert [x for x, _y in points] == sorted(x for x, _y in points)  # oldest first
    assert points[0][1] > points[1][1] > points[2][1]  # rising: y grows downwards
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', page)
    assert rows == [("21 décembre 2026", "25,0 %"), ("31 décembre 2026", "40,5 %"),
                    ("10 janvier 2027", "62,5 %")]


def test_without_history_the_page_says_when_the_trend_starts(signed_in, org, qm):
    _adopt(org, qm, "autre")
    page = signed_in.get(f"/structures/{org.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<svg" not in page
    assert "L’évolution se construit avec les relevés quotidiens" in page


def test_the_page_shows_the_time_of_its_figures_and_says_when_changes_are_being_counted(
        signed_in, org, qm, frozen):
    _adoption, clauses = _adopt(org, qm, "autre")
    _computed(org)
    frozen.shift(datetime.timedelta(minutes=5))
    _approved(org, qm, clauses["4.3"], "Domaine d'application", None)
    readiness_state.mark_dirty(org.pk)  # as every service that changes the vault does

    page = signed_in.get(f"/structures/{org.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Chiffres au 10 janvier 2027 10:00." in page
    assert "Des changements récents sont en cours de prise en compte" in page
    step = f"#requirement-{clauses['4.3'].pk}"
    assert step in page  # still a step until the workers count the change in

    readiness_state.recompute_dirty()
    page = signed_in.get(f"/structures/{org.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Chiffres au 10 janvier 2027 10:05." in page
    assert "en cours de prise en compte" not in page and step not in page


def test_an_adoption_never_computed_yet_is_computed_for_the_page(signed_in, org, qm):
    _adoption, clauses = _adopt(org, qm, "autre")
    _approved(org, qm, clauses["7.2"], "Registre", datetime.date(2026, 12, 1))
    page = signed_in.get(f"/structures/{org.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Chiffres au 10 janvier 2027 10:00." in page
    assert "« Registre » a expiré." in page
