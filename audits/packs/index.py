"""The pack's index as a spreadsheet and a PDF: the facts of the seal, then one row per
requirement and file in the referentials' clause order (a requirement without files has a row
too, so that what is missing shows). Written from the sealed manifest only, in the language it
was sealed in: the workbook in openpyxl's write-only mode, row by row; the PDF in tables of
`PDF_ROWS_PER_TABLE` lines, as the checklist exports are."""

from collections.abc import Iterator
from itertools import islice

from django.utils.translation import gettext as _

from checklists.exports.common import date_text
from checklists.exports.spreadsheet import cleaned, dressed
from checklists.readiness import EvidenceState, Status

PDF_ROWS_PER_TABLE = 200
_WIDTHS_XLSX = [12, 10, 40, 16, 13, 45, 9, 60, 12, 66]


def _title() -> str:
    return _("Sealed audit pack")


def _headers() -> list[str]:
    return [_("Referential"), _("Clause"), _("Requirement"), _("Status"), _("Evidence"),
            _("Title"), _("Revision"), _("File in the pack"), _("Size (bytes)"), _("SHA-256")]


def facts(manifest: dict, seal: str) -> list[tuple[str, str]]:
    engagement = manifest["engagement"]
    return [(_("Structure"), manifest["structure"]["name"]),
            (_("Audit"), f"{engagement['kind_label']} — {date_text(engagement['start_date'])}"
                         f" - {date_text(engagement['end_date'])}"),
            (_("Statuses on"), date_text(manifest["audit_date"])),
            (_("Sealed on"), f"{date_text(manifest['sealed_at'])} ({manifest['sealed_by']})"),
            (_("Seal (SHA-256 of manifest.json)"), seal)]


def _status(code: str) -> str:
    return str(Status(code).label)


def rows(manifest: dict) -> Iterator[list]:
    """One list of cell values per requirement and file, in the manifest's order."""
    for referential in manifest["referentials"]:
        for requirement in referential["requirements"]:
            head = [referential["ref_id"], requirement["ref_id"], requirement["name"],
                    _status(requirement["status"])]
            files = [(evidence, stored) for evidence in requirement["evidence"]
                     for stored in evidence["files"]]
            if not files:
                yield [*head, "—", "", "", "", "", ""]
            for evidence, stored in files:
                revision = evidence["revision"]
                yield [*head, evidence["reference"],
                       f"{evidence['title']} ({EvidenceState(evidence['state']).label})",
                       f"v{revision['number']}", stored["path"], stored["size"],
                       stored["sha256"]]


def write_xlsx(manifest: dict, seal: str, stream) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    def cell(value, **style):
        return dressed(WriteOnlyCell(sheet, value=cleaned(value)), **style)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_title()[:31])
    for column, width in enumerate(_WIDTHS_XLSX, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header_row = len(facts(manifest, seal)) + 3
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append([cell(_title(), font=Font(bold=True, size=14))])
    for label, value in facts(manifest, seal):
        sheet.append([cell(label, font=bold), cell(value)])
    sheet.append([])
    sheet.append([cell(header, font=bold, alignment=wrap) for header in _headers()])
    count = 0
    for values in rows(manifest):
        sheet.append([cell(value, alignment=wrap) for value in values])
        count += 1
    last = get_column_letter(len(_headers()))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(count, 1)}"
    sheet.page_setup.orientation = "landscape"
    workbook.save(stream)


_PDF_COLUMNS = (0, 1, 2, 3, 4, 5, 6, 7, 9)  # the size left out
_PDF_WIDTHS = [16, 12, 48, 18, 20, 44, 12, 70, 30]


def _pdf_cells(s, values: list) -> list:
    cells = [values[i] for i in _PDF_COLUMNS]
    cells[-1] = f"{cells[-1][:16]}…" if cells[-1] else ""
    return [s.para(value) for value in cells]


def _pdf_story(s, manifest: dict, seal: str) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Table

    from checklists.exports.pdf import _grid

    story = [s.para(_title(), s.h1),
             Table([[s.para(label, s.head), s.para(value)] for label, value in
                    facts(manifest, seal)], colWidths=[55 * mm, 200 * mm], hAlign="LEFT")]
    headers = _headers()
    head = [s.para(headers[i], s.head) for i in _PDF_COLUMNS]
    pending = rows(manifest)
    while chunk := list(islice(pending, PDF_ROWS_PER_TABLE)):
        story.append(_grid([head, *[_pdf_cells(s, values) for values in chunk]],
                           _PDF_WIDTHS))
    return story


def write_pdf(manifest: dict, seal: str, stream) -> None:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    from checklists.exports.pdf import _numbered_canvas, _pdf_plain, _Styles

    s = _Styles.make()
    footer = _pdf_plain(" — ".join([manifest["structure"]["name"], _title(),
                                    date_text(manifest["audit_date"]), seal[:16]]))
    document = SimpleDocTemplate(
        stream, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
        topMargin=12 * mm, bottomMargin=15 * mm, title=_title(),
        author=manifest["structure"]["name"], lang=manifest.get("language") or "fr")
    document.build(_pdf_story(s, manifest, seal),
                   canvasmaker=_numbered_canvas(footer, _("Page %(page)d / %(pages)d")))
