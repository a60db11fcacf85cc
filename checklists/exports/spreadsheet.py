"""The checklist as an XLSX workbook: the checklist, every linked evidence item, the statement
of applicability and the stage 1 gates, one sheet each."""

import datetime

from django.utils.translation import gettext as _

from audit_prep.text import strip_unsafe

from ..readiness import Status
from .common import (
    GATE_COLOURS,
    STATUS_COLOURS,
    as_date,
    column_titles,
    descriptive_legend,
    documented_information,
    evidence_rows,
    evidence_state,
    evidence_titles,
    evidence_titles_row,
    french,
    hash_text,
    header_facts,
    in_clause_order,
    requirement_name,
    revision_text,
    status_word,
    yes_no,
)


def _sheet_title(text) -> str:
    return "".join(" " if char in "[]:*?/\\" else char for char in str(text)).strip()[:31]


def _fill(colours):
    """The (fill, font) of a cell in the given (fill, text) colours."""
    from openpyxl.styles import Font, PatternFill

    return PatternFill("solid", fgColor="FF" + colours[0]), Font(color="FF" + colours[1])


def cleaned(value):
    """The value without the control and invisible formatting characters of rows written
    before the text rule (`audit_prep.text`; XLSX does not allow the controls)."""
    return strip_unsafe(value) if isinstance(value, str) else value


def dressed(cell, **style):
    """The cell of a cleaned value made safe and readable: text never run as a formula, dates
    in the language's format, then the given style."""
    value = cell.value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # user text, never a formula
    if isinstance(value, datetime.date):
        cell.number_format = "DD/MM/YYYY" if french() else "YYYY-MM-DD"
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _put(sheet, row, column, value, **style):
    """Write a value safely (`cleaned`, `dressed`)."""
    return dressed(sheet.cell(row=row, column=column, value=cleaned(value)), **style)


def _table(sheet, first_row, headers, rows, widths) -> None:
    """A table with a bold header, frozen and filterable, printed landscape to one page wide."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for column, header in enumerate(headers, 1):
        _put(sheet, first_row, column, header, font=bold, alignment=wrap)
    for row_number, row in enumerate(rows, first_row + 1):
        for column, value in enumerate(row, 1):
            _put(sheet, row_number, column, value, alignment=wrap)
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=first_row + 1, column=1)
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A{first_row}:{last}{first_row + max(len(rows), 1)}"
    sheet.print_title_rows = f"{first_row}:{first_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _summary(sheet, checklist: dict) -> int:
    """Title, facts, score and the count of each status; returns the next free row."""
    from openpyxl.styles import Alignment, Font

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    left = Alignment(horizontal="left", vertical="top", wrap_text=True)
    _put(sheet, 1, 1, _("Audit readiness checklist"), font=Font(bold=True, size=14))
    row = 2
    for label, value in header_facts(checklist):
        _put(sheet, row, 1, label, font=bold, alignment=wrap)
        _put(sheet, row, 2, value, alignment=left)
        row += 1
    score = checklist.get("score")
    _put(sheet, row, 1, _("Readiness score"), font=bold, alignment=wrap)
    _put(sheet, row, 2, _("n/a") if score is None else score / 100, alignment=left,
         number_format="0.0%")
    row += 1
    for status in Status:
        fill, font = _fill(STATUS_COLOURS[status])
        _put(sheet, row, 1, str(status.label), fill=fill, font=font)
        _put(sheet, row, 2, checklist["counts"].get(status.value, 0), alignment=left)
        row += 1
    return row


def _checklist_sheet(sheet, checklist: dict) -> None:
    sheet.title = _sheet_title(_("Checklist"))
    row = _summary(sheet, checklist)
    items = checklist["items"]
    if any(item.get("name_is_descriptive") for item in items):
        _put(sheet, row, 1, descriptive_legend())
    header_row = row + 2
    _table(sheet, header_row, column_titles(), [
        [item["ref_id"], requirement_name(item), documented_information(item), status_word(item),
         item.get("reason_label", ""), as_date(item.get("valid_until")),
         evidence_titles(item), item.get("justification") or ""]
        for item in items], [22, 60, 24, 18, 44, 14, 60, 50])
    for row_number, item in enumerate(items, header_row + 1):
        status_cell = sheet.cell(row=row_number, column=4)
        status_cell.fill, status_cell.font = _fill(STATUS_COLOURS[Status(item["status"])])


def _evidence_sheet(workbook, checklist: dict) -> None:
    """One row per linked evidence item, in clause order, with what an auditor needs to find
    and check it: reference, revision, dates, hash, link (clickable)."""
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(_sheet_title(_("Evidence")))
    rows = evidence_rows(checklist["items"])
    _table(sheet, 1, evidence_titles_row(), [
        [item["ref_id"], evidence["reference"], evidence["title"], evidence_state(evidence),
         revision_text(evidence), as_date(evidence.get("effective_date")),
         as_date(evidence.get("valid_until")), hash_text(evidence, "\n"), evidence["url"]]
        for item, evidence in rows], [14, 14, 50, 18, 10, 14, 14, 16, 50])
    for row_number, (_item, evidence) in enumerate(rows, 2):
        link = sheet.cell(row=row_number, column=9)
        link.hyperlink, link.font = evidence["url"], Font(color="FF0563C1", underline="single")


def _applicability_sheet(workbook, checklist: dict) -> None:
    """Every requirement in clause order, applicable or not, read from the checklist's rows
    (an exclusion covers its sub-clauses there, with its justification)."""
    sheet = workbook.create_sheet(_sheet_title(_("Statement of applicability")))
    _table(sheet, 1, [_("Requirement"), _("Title"), _("Applicable"),
                      _("Justification of the exclusion")], [
        [item["ref_id"], requirement_name(item),
         yes_no(item["status"] != Status.NOT_APPLICABLE), item.get("justification") or ""]
        for item in in_clause_order(checklist["items"])], [14, 70, 12, 70])


def _gates_sheet(workbook, gates: list[dict]) -> None:
    sheet = workbook.create_sheet(_sheet_title(_("Stage 1 gates")))
    _table(sheet, 1, [_("Clause"), _("Gate"), _("Result"), _("Details")], [
        [gate.get("clause", ""), gate["label"], _("passed") if gate["passed"] else
         _("failed"), gate["message"]] for gate in gates], [10, 60, 14, 70])
    for row_number, gate in enumerate(gates, 2):
        result = sheet.cell(row=row_number, column=3)
        result.fill, result.font = _fill(GATE_COLOURS[bool(gate["passed"])])


def write_xlsx(checklist: dict, stream) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    _checklist_sheet(workbook.active, checklist)
    _evidence_sheet(workbook, checklist)
    _applicability_sheet(workbook, checklist)
    if checklist.get("gates"):
        _gates_sheet(workbook, checklist["gates"])
    workbook.save(stream)
