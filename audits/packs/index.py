"""The pack's index as a spreadsheet and a PDF: the facts of the seal, then one row per
requirement and file in the referentials' clause order (a requirement without files has a row
too, so that what is missing shows). Written from the sealed manifest only, in the language it
was sealed in: the workbook in openpyxl's write-only mode, row by row; the PDF in tables of
`PDF_ROWS_PER_TABLE` lines, as the checklist exports are."""

from collections.abc import Iterator
from itertools import groupby, islice

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
    for values in rows(manifest):  # plain cells: a style per cell costs more than the row
        sheet.append([cleaned(value) if not isinstance(value, str) or not value.startswith("=")
                      else cell(value) for value in values])
        count += 1
    last = get_column_letter(len(_headers()))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(count, 1)}"
    sheet.page_setup.orientation = "landscape"
    workbook.save(stream)


_PDF_COLUMNS = (1, 2, 3, 4, 5, 6, 7, 9)  # a heading per referential; the size left out
_PDF_WIDTHS = [16, 50, 20, 20, 52, 18, 70, 27]  # 273 mm: landscape A4 less margins


_PDF_CHARACTERS = {5: 38, 7: 50}  # title, file name: cut to their column (the XLSX has all)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _pdf_cells(s, values: list, previous: list | None) -> list:
    """One row, as plain text on one line but the requirement's name (a paragraph, once per
    requirement: wrapping paragraphs is what costs): the file's name without its folders (the
    clause's), the SHA-256's first digits."""
    from checklists.exports.pdf import _pdf_plain

    values = list(values)
    values[7] = values[7].rpartition("/")[2]
    values[9] = f"{values[9][:16]}…" if values[9] else ""
    for i, limit in _PDF_CHARACTERS.items():
        values[i] = _cut(str(values[i]), limit)
    name = "" if previous is not None and previous[:2] == values[:2] else values[2]
    return [s.para(name) if i == 2 else _pdf_plain(values[i]) for i in _PDF_COLUMNS]


def _table(s, head: list, chunk: list, before: list | None):
    from checklists.exports.pdf import _grid

    cells, previous = [], before
    for values in chunk:
        cells.append(_pdf_cells(s, values, previous))
        previous = values
    table = _grid([head, *cells], _PDF_WIDTHS)
    table.setStyle([("FONT", (0, 1), (-1, -1), "AuditPrepSans", 8)])
    return table


def _pdf_story(s, manifest: dict, seal: str) -> list:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Table

    story = [s.para(_title(), s.h1),
             Table([[s.para(label, s.head), s.para(value)] for label, value in
                    facts(manifest, seal)], colWidths=[55 * mm, 200 * mm], hAlign="LEFT")]
    headers = _headers()
    head = [s.para(headers[i], s.head) for i in _PDF_COLUMNS]
    names = {r["ref_id"]: r["name"] for r in manifest["referentials"]}
    heading = ParagraphStyle("referential", parent=s.h2, keepWithNext=0)
    for referential, group in groupby(rows(manifest), key=lambda values: values[0]):
        # not kept with the table (a long table would leave the first page empty)
        name = names[referential]
        story.append(s.para(name if name.startswith(referential) else
                            f"{referential} — {name}", heading))
        last = None
        while chunk := list(islice(group, PDF_ROWS_PER_TABLE)):
            story.append(_table(s, head, chunk, last))
            last = chunk[-1]
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
