"""Importing an audit's evidence requests from CSV or XLSX: a good file creates every request
(each in the audit trail); a file with bad rows reports every one with its line and reason and
imports nothing."""

import datetime
import io

from openpyxl import Workbook

from audit_prep.models import AuditEvent
from audits.requests.models import EvidenceRequest

LIST = "/api/v1/evidence-requests/import/"


def csv_file(text: str, name="demandes.csv"):
    handle = io.BytesIO(text.encode("utf-8"))
    handle.name = name
    return handle


def xlsx_file(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    handle.seek(0)
    handle.name = "demandes.xlsx"
    return handle


GOOD = ("Exigences;Demande;Échéance;Responsable\n"
        "7.2;Registre des formations 2026;15/01/2027;contributrice\n"
        "9.2.2, 9.3.3;Rapport d'audit interne et revue de direction;2027-01-20;\n"
        "8.3;Justification de l'exclusion;20/01/2027;Contributrice@Example.org\n")


def post(api, engagement, handle):
    return api.post(LIST, {"engagement": engagement.pk, "file": handle}, format="multipart")


def test_a_good_csv_creates_every_request(client_for, qm, contributor, engagement):
    contributor.email = "contributrice@example.org"
    contributor.save()
    response = post(client_for(qm), engagement, csv_file(GOOD))
    assert response.status_code == 201, response.json()
    created = {item["asked"]: item for item in response.json()}
    assert set(created) == {"Registre des formations 2026",
                            "Rapport d'audit interne et revue de direction",
                            "Justification de l'exclusion"}
    first = created["Registre des formations 2026"]
    assert first["due_date"] == "2027-01-15" and first["assignee"] == contributor.pk
    assert [r["ref_id"] for r in created["Rapport d'audit interne et revue de direction"][
        "requirement_refs"]] == ["9.2.2", "9.3.3"]
    assert created["Justification de l'exclusion"]["assignee"] == contributor.pk
    assert AuditEvent.objects.filter(action="evidence_request.create").count() == 3


def test_a_good_xlsx_creates_every_request(client_for, qm, engagement):
    response = post(client_for(qm), engagement, xlsx_file([
        ["Requirements", "What is asked", "Due date"],
        ["7.2", "Registre des formations", datetime.date(2027, 1, 15)],
    ]))
    assert response.status_code == 201, response.json()
    assert EvidenceRequest.objects.get().due_date == datetime.date(2027, 1, 15)


def test_every_bad_row_is_reported_and_nothing_imported(client_for, qm, engagement, member):
    text = ("exigence;demande;échéance;responsable\n"
            "7.2;Bon;15/01/2027;\n"
            "4.1;Inconnue;15/01/2027;\n"
            "7.2;;32/01/2027;\n"
            "7.2;Personne;15/01/2027;inconnu\n"
            ";Sans exigence;2027-01-15;\n")
    response = post(client_for(qm), engagement, csv_file(text))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "request_file_invalid"
    assert [(p["row"], p["column"], p["code"]) for p in error["details"]["rows"]] == [
        (3, "requirements", "requirement_unknown"),
        (4, "asked", "asked_required"), (4, "due_date", "date_invalid"),
        (5, "assignee", "assignee_not_member"),
        (6, "requirements", "requirements_required")]
    assert not EvidenceRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence_request.create").exists()


def test_unknown_or_missing_columns_are_reported(client_for, qm, engagement):
    response = post(client_for(qm), engagement, csv_file("exigence;nom du salarié\n7.2;x\n"))
    assert response.status_code == 400
    assert [(p["row"], p["code"]) for p in response.json()["error"]["details"]["rows"]] == [
        (1, "column_unknown"), (1, "column_missing"), (1, "column_missing")]


def test_not_a_table_is_refused(client_for, qm, engagement):
    handle = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
    handle.name = "demandes.pdf"
    response = post(client_for(qm), engagement, handle)
    assert response.status_code == 400
    assert not EvidenceRequest.objects.exists()


def test_only_those_who_may_ask_import(client_for, contributor, engagement):
    response = post(client_for(contributor), engagement, csv_file(GOOD))
    assert response.status_code == 403
    assert not EvidenceRequest.objects.exists()
