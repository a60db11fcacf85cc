"""The gate of a surveillance audit on the previous audit's nonconformities, shown with the
checklist's gates, and the structure's nonconformity log with its exports (decision 0026)."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from audits.models import Engagement, EngagementKind

from .findings_world import findings_url, grade, published

pytestmark = pytest.mark.usefixtures("today")


@pytest.fixture
def surveillance(org, qm, iso):
    engagement = Engagement.objects.create(
        organization=org, created_by=qm, kind=EngagementKind.SURVEILLANCE_1,
        start_date=datetime.date(2028, 1, 10), end_date=datetime.date(2028, 1, 11),
        certification_body="AFNOR Certification")
    engagement.referentials.set([iso])
    return engagement


def gate(api, adoption, day="2027-12-01"):
    body = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/?date={day}").json()
    return [g for g in body["gates"] if g["code"] == "previous_nonconformities"]


def test_the_surveillance_gate_fails_while_a_nonconformity_of_stage_2_is_open(
        api, auditor_api, stage_2, surveillance, org, iso, adoption):
    # no finding yet: the previous audit left none open
    assert [g["passed"] for g in gate(api, adoption)] == [True]
    finding = published(auditor_api, stage_2, org, iso)
    published(auditor_api, stage_2, org, iso, code="improvement")  # not a nonconformity
    [shown] = gate(api, adoption)
    assert (shown["passed"], shown["reason"], shown["open_findings"]) == (
        False, "previous_nonconformities_open", [finding["number"]])
    assert "#1" in shown["message"] and shown["clause"] == "10.2"
    # answered, accepted, closed: the gate passes
    members = api
    members.post(f"/api/v1/findings/{finding['id']}/answer/",
                 {"correction": "Fait", "root_cause": "Oubli"}, format="json")
    members.post("/api/v1/corrective-actions/", {
        "finding": finding["id"], "description": "Programme", "owner": "qualite",
        "due_date": "2027-04-30"}, format="json")
    members.post(f"/api/v1/findings/{finding['id']}/submit/")
    url = findings_url(stage_2, f"{finding['id']}/")
    auditor_api.post(url + "review/", {"decision": "accept"}, format="json")
    auditor_api.post(url + "close/", {}, format="json")
    [shown] = gate(api, adoption)
    assert (shown["passed"], shown["reason"]) == (True, "previous_nonconformities_closed")


def test_a_correction_to_a_lesser_grade_passes_the_gate(api, auditor_api, stage_2,
                                                        surveillance, org, iso, adoption):
    finding = published(auditor_api, stage_2, org, iso)
    url = findings_url(stage_2, f"{finding['id']}/")
    auditor_api.post(url + "versions/", {"grade": grade(org, "vigilance").pk}, format="json")
    auditor_api.post(url + "publish/")
    assert gate(api, adoption)[0]["passed"] is True


def test_the_log_lists_nonconformities_and_the_plan_improvements(
        api, auditor_api, stage_2, org, iso):
    nc = published(auditor_api, stage_2, org, iso)
    improvement = published(auditor_api, stage_2, org, iso, code="improvement",
                            text="Piste : numériser les fiches")
    published(auditor_api, stage_2, org, iso, code="good_practice")
    log = api.get(f"/api/v1/findings/log/{org.pk}/").json()
    plan = api.get(f"/api/v1/findings/log/{org.pk}/?list=improvements").json()
    assert [item["id"] for item in log] == [nc["id"]]
    assert [item["id"] for item in plan] == [improvement["id"]]
    api.post("/api/v1/corrective-actions/", {
        "finding": nc["id"], "description": "=cmd|' /C calc'!A0", "owner": "qualite",
        "due_date": "2027-04-30"}, format="json")
    csv_text = api.get(f"/api/v1/findings/log/{org.pk}/export/csv/").content.decode("utf-8-sig")
    assert "Non-conformité majeure" in csv_text and "'=cmd" in csv_text
    workbook = load_workbook(io.BytesIO(api.get(
        f"/api/v1/findings/log/{org.pk}/export/xlsx/?list=improvements").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][5] == "Piste : numériser les fiches"


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_the_log_reads_in_a_fixed_number_of_queries(api, auditor_api, stage_2, org, iso):
    published(auditor_api, stage_2, org, iso)
    api.get(f"/api/v1/findings/log/{org.pk}/")  # the first request of a person sets things up
    one = _queries(lambda: api.get(f"/api/v1/findings/log/{org.pk}/"))
    for _index in range(9):
        published(auditor_api, stage_2, org, iso)
    ten = _queries(lambda: api.get(f"/api/v1/findings/log/{org.pk}/"))
    assert one == ten <= 16


def test_the_gate_is_a_next_step_of_the_structures_home_with_its_own_words(
        api, auditor_api, stage_2, surveillance, org, iso, adoption):
    """The home stores the failing gates' params and words them in the reader's language; a
    gate of the audits is no stage-1 gate."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.utils import translation

    from checklists import structure_page
    from checklists.services import checklist, next_steps
    published(auditor_api, stage_2, org, iso)
    data = checklist.build(adoption, datetime.date(2027, 12, 1))
    [step] = [s for s in next_steps.steps(data) if s["kind"] == "gate"
              and s["code"] == "previous_nonconformities"]
    assert step["params"]["findings"] == "#1"
    with translation.override("fr"):
        shown = structure_page._step(step, SimpleNamespace(pk=adoption.pk), {})
        html = render_to_string("checklists/pages/next_steps.html", {
            "summary": {"adoption": adoption, "steps": [shown]}})
    assert shown["stage_1"] is False
    assert shown["message"] == ("Non-conformités de l'audit de certification précédent "
                                "encore ouvertes : #1")
    assert "Prérequis de l'audit non rempli" in html and "Étape 1" not in html


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "csv"])
def test_the_checklist_exports_carry_the_gate(api, auditor_api, stage_2, surveillance, org,
                                              iso, adoption, fmt):
    published(auditor_api, stage_2, org, iso)
    response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/export/{fmt}/"
                       f"?date=2027-12-01")
    assert response.status_code == 200
    if fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(response.content))
        cells = [str(value) for sheet in workbook.worksheets
                 for row in sheet.iter_rows(values_only=True) for value in row if value]
        assert any("#1" in cell for cell in cells)
