"""Checklist exports: each file is written, then opened back with its own library."""

import csv
import datetime
import gettext
import io
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import trans_real
from openpyxl import load_workbook
from pypdf import PdfReader

from checklists import exports
from checklists.gates import LABELS as GATE_LABELS
from checklists.gates import REASONS as GATE_REASONS
from checklists.readiness import Status
from checklists.services.checklist import (
    DOCUMENTED_INFORMATION,
    REASON_LABELS,
    documented_information_code,
)

ON = datetime.date(2025, 11, 26)
ACCENTED = "Contrat d’engagement réciproque — œuvre"
EXCLUSION = ("La structure ne conçoit pas de produits ni de services : son offre d’insertion "
             "suit le cahier des charges de la DREETS.")

# Proposed French translations of the export's messages (and of the status words). They are
# used only while the shipped catalog lacks them: once `make messages` ships them, the real
# catalog answers first.
FRENCH = {
    "Audit readiness checklist": "Liste de contrôle de préparation à l'audit",
    "Checklist": "Liste de contrôle",
    "Statement of applicability": "Déclaration d'applicabilité",
    "Stage 1 gates": "Prérequis de l'étape 1",
    "Structure": "Structure",
    "Referential": "Référentiel",
    "Reference date": "Date de référence",
    "Target audit date": "Date d'audit visée",
    "not set": "non fixée",
    "Readiness score": "Taux de préparation",
    "n/a": "s.o.",
    "Requirement": "Exigence",
    "Title": "Intitulé",
    "Documented information": "Information documentée",
    "to maintain": "à tenir à jour",
    "to retain": "à conserver",
    "to maintain and to retain": "à tenir à jour et à conserver",
    "none": "aucune",
    "Status": "Statut",
    "Status code": "Code du statut",
    "Reason": "Motif",
    "Valid until": "Valable jusqu'au",
    "Linked evidence": "Preuves liées",
    "Evidence count": "Nombre de preuves",
    "Justification of the exclusion": "Justification de l'exclusion",
    "Applicable": "Applicable",
    "Clause": "Article",
    "Gate": "Prérequis",
    "Result": "Résultat",
    "Details": "Détails",
    "passed": "satisfait",
    "failed": "non satisfait",
    "* Descriptive title given by audit-prep, not an official title of the referential.":
        "* Intitulé descriptif donné par audit-prep, et non intitulé officiel du référentiel.",
    "No exclusion: every requirement applies.":
        "Aucune exclusion : toutes les exigences s'appliquent.",
    "Page %(page)d / %(pages)d": "Page %(page)d / %(pages)d",
    "readiness-checklist": "etat-de-preparation",
    "missing": "manquant",
    "expired": "expiré",
    "pending": "en attente",
    "expiring": "expire bientôt",
    "covered": "couvert",
    "not applicable": "non applicable",
}
WORDS = {
    "fr": {"missing": "manquant", "expired": "expiré", "pending": "en attente",
           "expiring": "expire bientôt", "covered": "couvert",
           "not_applicable": "non applicable"},
    "en": {status.value: status.value.replace("_", " ") for status in Status},
}


class _Proposed(gettext.NullTranslations):
    def gettext(self, message):
        return FRENCH[message] if message in FRENCH else super().gettext(message)


@pytest.fixture
def french(monkeypatch):
    catalog = trans_real.translation("fr")
    proposed = _Proposed()
    if catalog._fallback:
        proposed.add_fallback(catalog._fallback)
    monkeypatch.setattr(catalog, "_fallback", proposed)
    with translation.override("fr"):
        yield


def _item(ref_id, name, status, reason, *, documented=(), valid_until=None, evidence=(),
          evidence_count=None, justification="", descriptive=False):
    shown = [{"id": 100 + n, "reference": f"EV-{100 + n:06d}", "title": title,
              "status": "approved", "kind": "record", "state": "valid", "state_label": "valide",
              "revision": 1, "sha256": [f"{100 + n:012x}"],
              "url": f"http://localhost:8000/evidence/{100 + n}/",
              "effective_date": datetime.date(2025, 1, 15),
              "valid_until": None} for n, title in enumerate(evidence[:10])]
    return {
        "requirement_id": hash(ref_id) % 10000, "urn": f"urn:audit-prep:iso9001:2015:{ref_id}",
        "ref_id": ref_id, "name": name, "name_is_descriptive": descriptive,
        "chapter": ref_id.split(".")[0], "depth": ref_id.count(".") + 1, "assessable": True,
        "documented_information": list(documented),
        "documented_information_code": documented_information_code(documented),
        "documented_information_label": str(DOCUMENTED_INFORMATION[
            documented_information_code(documented)]),
        "conditional": False, "renewal_months": None, "status": status,
        "status_label": str(Status(status).label), "reason": reason,
        "reason_label": str(REASON_LABELS[reason]), "valid_until": valid_until,
        "justification": justification,
        "evidence_count": len(evidence) if evidence_count is None else evidence_count,
        "evidence": shown,
    }


def make_checklist(fillers=0):
    """What `services.checklist.build` returns, in the active language."""
    trainings = [f"Attestation de formation SST n°{n}" for n in range(1, 13)]
    items = [
        _item("9.3", "Revue de direction", "missing", "no_evidence", documented=["retain"]),
        _item("7.1.5.2", "Traçabilité de la mesure", "expired", "renewal_period_elapsed",
              documented=["retain"], valid_until=datetime.date(2025, 9, 30),
              evidence=["Certificat d’étalonnage — balance"]),
        _item("7.2", "Compétences", "pending", "unapproved", documented=["retain"],
              evidence=trainings, evidence_count=12),
        _item("6.2.1", "Objectifs qualité", "expiring", "expires_within_window",
              documented=["maintain"], valid_until=datetime.date(2025, 12, 10),
              evidence=['=HYPERLINK("http://x.test","clic")', "Objectifs qualité 2025"]),
        _item("4.3", "Détermination du domaine d'application du système de management de la "
              "qualité", "covered", "valid", documented=["maintain"],
              valid_until=datetime.date(2026, 6, 30),
              evidence=["Périmètre du SMQ", "Plan d’actions → 2026"]),
        _item("8.2.3.1", ACCENTED, "covered", "valid", descriptive=True,
              evidence=["CER signés\x0b2025"]),  # a control character pasted from Word
        _item("8.3", "Conception et développement de produits et services", "not_applicable",
              "excluded", justification=EXCLUSION),
    ]
    items += [_item(f"10.{n}", f"Amélioration continue, point {n}", "covered", "valid",
                    evidence=[f"Compte rendu n°{n}"]) for n in range(1, fillers + 1)]
    counts = {status.value: sum(item["status"] == status for item in items) for status in Status}
    gates = [
        {"code": code, "label": str(GATE_LABELS[code]), "passed": passed, "reason": reason,
         "message": str(GATE_REASONS[reason]), "clause": clause}
        for code, passed, reason, clause in [
            ("management_review", False, "no_management_review_record_within_12_months",
             "9.3"),
            ("internal_audit", True, "internal_audit_cycle_complete", "9.2"),
            ("objectives", False, "objectives_without_results", "6.2"),
            ("scope", True, "scope_with_justified_exclusions", "4.3"),
        ]
    ]
    return {
        "organization": {"id": 7, "name": "Atelier d’insertion du Val"},
        "referential": {"id": 3, "urn": "urn:audit-prep:iso9001:2015", "ref_id": "ISO 9001:2015",
                        "name": "ISO 9001:2015 — Systèmes de management de la qualité",
                        "version": "2015", "is_template": False},
        "adoption": 11, "reference_date": ON, "target_audit_date": datetime.date(2026, 3, 2),
        "warning_days": 30, "score": 66.7, "counts": counts,
        "chapters": [], "gates": gates, "items": items,
    }


def _xlsx(checklist):
    stream = io.BytesIO()
    exports.write_xlsx(checklist, stream)
    return load_workbook(io.BytesIO(stream.getvalue()))


def _rows_by_ref(sheet, header_word):
    header = next(row for row in sheet.iter_rows() if row[0].value == header_word)
    return header[0].row, {row[0].value: row for row in sheet.iter_rows(min_row=header[0].row + 1)
                           if row[0].value}


def _pdf_text(checklist):
    stream = io.BytesIO()
    exports.write_pdf(checklist, stream)
    reader = PdfReader(io.BytesIO(stream.getvalue()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def _csv_rows(checklist):
    stream = io.BytesIO()
    exports.write_csv(checklist, stream)
    assert not stream.closed
    data = stream.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_xlsx_checklist_sheet(french):
    checklist = make_checklist()
    workbook = _xlsx(checklist)
    assert workbook.sheetnames == ["Liste de contrôle", "Preuves", "Déclaration d'applicabilité",
                                   "Prérequis de l'étape 1"]
    sheet = workbook["Liste de contrôle"]
    facts = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2, max_row=6)}
    assert facts["Structure"].value == "Atelier d’insertion du Val"
    assert facts["Référentiel"].value == \
        "ISO 9001:2015 — Systèmes de management de la qualité (2015)"
    assert facts["Date de référence"].is_date
    assert facts["Date de référence"].value.date() == ON
    assert facts["Date d'audit visée"].value.date() == datetime.date(2026, 3, 2)
    assert facts["Taux de préparation"].value == pytest.approx(0.667)
    assert facts["Taux de préparation"].number_format == "0.0%"

    header_row, rows = _rows_by_ref(sheet, "Exigence")
    assert [cell.value for cell in sheet[header_row]] == [
        "Exigence", "Intitulé", "Information documentée", "Statut", "Motif",
        "Valable jusqu'au", "Preuves liées", "Justification de l'exclusion"]
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.auto_filter.ref == f"A{header_row}:H{header_row + len(checklist['items'])}"
    assert list(rows) == [item["ref_id"] for item in checklist["items"]]
    for item in checklist["items"]:
        status = rows[item["ref_id"]][3]
        assert status.value == WORDS["fr"][item["status"]]
        assert status.fill.fgColor.rgb[-6:] == exports.STATUS_COLOURS[item["status"]][0]
    assert {rows[ref][3].fill.fgColor.rgb for ref in rows} >= {
        "FF" + fill for fill, _text in exports.STATUS_COLOURS.values()}

    # what documented information each asks for, never "mandatory: no"
    assert rows["9.3"][2].value == "à conserver" and rows["8.2.3.1"][2].value == "aucune"
    assert rows["6.2.1"][2].value == "à tenir à jour"
    assert rows["7.2"][2].value == "à conserver"
    assert rows["9.3"][4].value == str(REASON_LABELS["no_evidence"])
    assert rows["8.2.3.1"][1].value == ACCENTED + " *"
    assert any(str(row[0].value).startswith("* Intitulé descriptif") for row in sheet.iter_rows())
    valid_until = rows["7.1.5.2"][5]
    assert valid_until.is_date and valid_until.value.date() == datetime.date(2025, 9, 30)
    assert valid_until.number_format == "DD/MM/YYYY"
    assert rows["9.3"][5].value is None
    evidence = rows["7.2"][6].value.split("\n")
    assert evidence[:10] == [f"EV-{100 + n:06d} v1 — Attestation de formation SST n°{n + 1}"
                             for n in range(10)]
    assert evidence[10] == "… (+2)"
    assert rows["7.2"][6].alignment.wrap_text
    assert rows["8.3"][7].value == EXCLUSION
    assert rows["8.2.3.1"][6].value == "EV-000100 v1 — CER signés2025"  # control char dropped
    assert sheet.column_dimensions["B"].width == 60


def test_xlsx_applicability_and_gates(french):
    workbook = _xlsx(make_checklist())
    _header, rows = _rows_by_ref(workbook["Déclaration d'applicabilité"], "Exigence")
    assert rows["8.3"][2].value == "Non" and rows["8.3"][3].value == EXCLUSION
    assert {rows[ref][2].value for ref in rows if ref != "8.3"} == {"Oui"}
    assert len(rows) == 7

    gates = workbook["Prérequis de l'étape 1"]
    lines = [[cell.value for cell in row] for row in gates.iter_rows(min_row=2)]
    assert [line[0] for line in lines] == ["9.3", "9.2", "6.2", "4.3"]
    assert [line[2] for line in lines] == ["non satisfait", "satisfait", "non satisfait",
                                           "satisfait"]
    assert lines[0][3] == str(GATE_REASONS["no_management_review_record_within_12_months"])
    assert gates["C2"].fill.fgColor.rgb == "FF" + exports.GATE_COLOURS[False][0]
    assert gates["C3"].fill.fgColor.rgb == "FF" + exports.GATE_COLOURS[True][0]


def test_xlsx_without_gates_has_two_sheets(french):
    checklist = {**make_checklist(), "gates": [], "score": None, "target_audit_date": None}
    workbook = _xlsx(checklist)
    assert len(workbook.sheetnames) == 3
    facts = {row[0].value: row[1].value for row in workbook.active.iter_rows(min_row=2, max_row=6)}
    assert facts["Date d'audit visée"] == "non fixée"
    assert facts["Taux de préparation"] == "s.o."


def test_pdf(french):
    checklist = make_checklist(fillers=30)
    pages = _pdf_text(checklist)
    assert len(pages) >= 2
    text = " ".join(pages)
    assert "Liste de contrôle de préparation à l'audit" in pages[0]
    assert "Atelier d’insertion du Val" in pages[0]
    assert ACCENTED in text
    assert "Certificat d’étalonnage — balance" in text
    assert "66,7 %" in pages[0]
    for word in WORDS["fr"].values():
        assert word in text
    assert "satisfait" in text and str(GATE_LABELS["scope"]) in text
    assert EXCLUSION in text
    assert "Déclaration d'applicabilité" in text
    assert "… (+9)" in text  # 3 titles shown of 12
    assert "Plan d’actions ? 2026" in text  # the arrow is not in the font: replaced
    assert "CER signés2025" in text  # control character dropped
    for number, page in enumerate(pages, 1):
        assert f"Page {number} / {len(pages)}" in page
    assert "Exigence Intitulé Information documentée Statut" in pages[1]  # header repeated


def test_csv(french):
    checklist = make_checklist()
    header, *rows = _csv_rows(checklist)
    assert header == ["Exigence", "Intitulé", "Information documentée",
                      "Code du statut", "Statut", "Motif", "Valable jusqu'au",
                      "Nombre de preuves", "Preuves liées", "Justification de l'exclusion"]
    assert len(rows) == len(checklist["items"])
    by_ref = {row[0]: row for row in rows}
    assert {row[3] for row in rows} == {status.value for status in Status}
    assert [row[4] for row in rows] == [WORDS["fr"][row[3]] for row in rows]
    assert by_ref["7.1.5.2"][6] == "2025-09-30" and by_ref["9.3"][6] == ""
    assert by_ref["7.2"][7] == "12"
    assert by_ref["7.2"][8].split(" | ")[0] == (
        "EV-000100 v1 — Attestation de formation SST n°1 (sha256 000000000064, "
        "http://localhost:8000/evidence/100/)")
    assert len(by_ref["7.2"][8].split(" | ")) == 10
    assert by_ref["8.3"][9] == EXCLUSION
    assert by_ref["9.3"][2] == "à conserver" and by_ref["8.2.3.1"][2] == "aucune"
    assert by_ref["8.2.3.1"][1] == ACCENTED + " *"
    assert by_ref["6.2.1"][8].startswith("EV-000100 v1 — =HYPERLINK(")


def test_english(french):
    with translation.override("en"):
        checklist = make_checklist()
        workbook = _xlsx(checklist)
        pages = _pdf_text(checklist)
        header, *rows = _csv_rows(checklist)
        name = exports.filename(checklist, "pdf")
    assert workbook.sheetnames == ["Checklist", "Evidence", "Statement of applicability",
                                   "Stage 1 gates"]
    _header, by_ref = _rows_by_ref(workbook["Checklist"], "Requirement")
    assert {by_ref[ref][3].value for ref in by_ref} == set(WORDS["en"].values())
    assert by_ref["9.3"][2].value == "to retain" and by_ref["6.2.1"][2].value == "to maintain"
    assert by_ref["8.3"][2].value == "none"
    assert by_ref["7.1.5.2"][5].number_format == "YYYY-MM-DD"
    assert workbook["Stage 1 gates"]["C2"].value == "failed"
    assert "Audit readiness checklist" in pages[0]
    assert f"Page 1 / {len(pages)}" in pages[0]
    assert "not applicable" in " ".join(pages)
    assert header[2:5] == ["Documented information", "Status code", "Status"]
    assert {row[4] for row in rows} == set(WORDS["en"].values())
    assert name == "readiness-checklist_atelier-d-insertion-du-val_iso-9001-2015_2025-11-26.pdf"


def test_filename_and_exporters(french):
    checklist = make_checklist()
    assert exports.filename(checklist, "xlsx") == \
        "etat-de-preparation_atelier-d-insertion-du-val_iso-9001-2015_2025-11-26.xlsx"
    checklist["organization"]["name"] = "«»"
    assert exports.filename(checklist, "csv").startswith("etat-de-preparation_7_")
    assert exports.EXPORTERS["pdf"][1:] == ("application/pdf", "pdf")
    assert exports.EXPORTERS["csv"][1].startswith("text/csv")
    assert exports.EXPORTERS["xlsx"][2] == "xlsx"


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "csv"])
def test_a_checklist_that_went_through_json(french, fmt):
    """The API's JSON form (ISO date strings) exports the same."""
    checklist = json.loads(json.dumps(make_checklist(), cls=DjangoJSONEncoder))
    write, _content_type, _extension = exports.EXPORTERS[fmt]
    stream = io.BytesIO()
    write(checklist, stream)
    if fmt == "xlsx":
        _header, rows = _rows_by_ref(load_workbook(stream)["Liste de contrôle"], "Exigence")
        assert rows["7.1.5.2"][5].value.date() == datetime.date(2025, 9, 30)
    elif fmt == "pdf":
        assert "30/09/2025" in " ".join(page.extract_text() for page in PdfReader(stream).pages)
    else:
        assert "2025-09-30" in stream.getvalue().decode("utf-8-sig")


def test_exports_of_a_built_checklist(adoption, french):
    """End to end: the real `build` output of a fresh ISO 9001 adoption (nothing linked)."""
    from checklists.services.checklist import build

    checklist = build(adoption, ON)
    assert checklist["gates"]
    for fmt, (write, _content_type, _extension) in exports.EXPORTERS.items():
        stream = io.BytesIO()
        write(checklist, stream)
        assert stream.getvalue(), fmt
    _header, rows = _rows_by_ref(_xlsx(checklist)["Liste de contrôle"], "Exigence")
    assert len(rows) == len(checklist["items"])
    assert {row[3].value for row in rows.values()} == {"manquant"}


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "csv"])
def test_writes_into_an_http_response(french, fmt):
    """The API view writes straight into its (unseekable) response."""
    from django.http import HttpResponse

    write, content_type, _extension = exports.EXPORTERS[fmt]
    response = HttpResponse(content_type=content_type)
    write(make_checklist(), response)
    content = io.BytesIO(response.content)
    if fmt == "xlsx":
        assert load_workbook(content).sheetnames[0] == "Liste de contrôle"
    elif fmt == "pdf":
        assert ACCENTED in " ".join(" ".join(page.extract_text() for page in
                                             PdfReader(content).pages).split())
    else:
        assert content.getvalue().startswith(b"\xef\xbb\xbfExigence;")
    response["X-Check"] = "still usable"
