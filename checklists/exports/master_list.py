"""The master list of documented information (ISO 9001 7.5.3) as XLSX and PDF.

Each writer takes a `checklists.services.master_list.MasterList` (whose entries are read once,
as they come from the database) and a binary stream. The workbook is written in openpyxl's
write-only mode, row by row; the PDF is laid out in tables of `PDF_ROWS_PER_TABLE` lines.
"""

from itertools import groupby, islice

from django.utils.translation import gettext as _

from audit_prep.i18n import active_language
from evidence.models import EvidenceKind, EvidenceStatus

from .common import date_text, french
from .spreadsheet import cleaned, dressed

PDF_ROWS_PER_TABLE = 200
_WIDTHS_XLSX = [13, 50, 24, 14, 9, 15, 22, 22, 14, 14, 16, 40, 45]


def _title() -> str:
    return _("Master list of documented information")


def _headers() -> list[str]:
    return [_("Reference"), _("Title"), _("Kind"), _("Status"), _("Revision"),
            _("SHA-256 (first 12 digits)"), _("Owner"), _("Approved by"), _("Approved on"),
            _("Effective date"), _("Next review / end of validity"), _("Linked requirements"),
            _("Link")]


def _requirements_text(entry, sep: str = "\n") -> str:
    return sep.join(f"{referential} : {', '.join(ref_ids)}" if french()
                    else f"{referential}: {', '.join(ref_ids)}"
                    for referential, ref_ids in entry.requirements)


def _values(entry) -> list:
    return [entry.reference, entry.title, str(EvidenceKind(entry.kind).label),
            str(EvidenceStatus(entry.status).label),
            "—" if entry.revision is None else f"v{entry.revision}",
            "\n".join(entry.sha256) or "—", entry.owner, entry.approved_by, entry.approved_at,
            entry.effective_date, entry.valid_until, _requirements_text(entry), entry.url]


def _facts(master) -> list[tuple[str, str]]:
    return [(_("Structure"), master.organization.name),
            (_("Reference date"), date_text(master.reference_date)),
            (_("Scope"), _("Every document to maintain and record to retain that is not "
                           "archived."))]


# --- XLSX ---------------------------------------------------------------------------------

def _cell(sheet, value, **style):
    from openpyxl.cell import WriteOnlyCell

    return dressed(WriteOnlyCell(sheet, value=cleaned(value)), **style)


def write_master_list_xlsx(master, stream) -> None:
    """One sheet: the facts, then one row per item, filterable, the header row frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("".join(c for c in _title() if c not in "[]:*?/\\")[:31])
    for column, width in enumerate(_WIDTHS_XLSX, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    link_font = Font(color="FF0563C1", underline="single")
    header_row = len(_facts(master)) + 3
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append([_cell(sheet, _title(), font=Font(bold=True, size=14))])
    for label, value in _facts(master):
        sheet.append([_cell(sheet, label, font=bold), _cell(sheet, value)])
    sheet.append([])
    sheet.append([_cell(sheet, header, font=bold, alignment=wrap) for header in _headers()])
    count = 0
    for entry in master.entries:
        cells = [_cell(sheet, value, alignment=wrap) for value in _values(entry)]
        cells[-1].hyperlink, cells[-1].font = entry.url, link_font
        sheet.append(cells)
        count += 1
    last = get_column_letter(len(_headers()))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(count, 1)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    workbook.save(stream)


# --- PDF ----------------------------------------------------------------------------------

def _section_title(kind: str) -> str:
    if kind == EvidenceKind.DOCUMENT:
        return _("Documents to maintain")
    return _("Records to retain")


def _pdf_rows(s, entries) -> list:
    rows = []
    for entry in entries:
        values = _values(entry)
        approval = " — ".join(part for part in (values[7], date_text(values[8])) if part)
        rows.append([s.para(values[0]), s.para(values[1]), s.para(values[4]),
                     s.para(values[5]), s.para(values[3]), s.para(values[6]), s.para(approval),
                     s.para(date_text(values[9])), s.para(date_text(values[10])),
                     s.para(values[11])])
    return rows


def _pdf_sections(s, entries) -> list:
    from .pdf import _grid

    headers = _headers()
    head = [s.para(headers[i], s.head) for i in (0, 1, 4, 5, 3, 6)]
    head += [s.para(f"{headers[7]} / {headers[8]}", s.head)]
    head += [s.para(headers[i], s.head) for i in (9, 10, 11)]
    widths = [21, 31, 17, 27, 22, 26, 30, 23, 23, 47]
    story: list = []
    for kind, group in groupby(entries, key=lambda entry: entry.kind):
        story.append(s.para(_section_title(kind), s.h2))
        while chunk := list(islice(group, PDF_ROWS_PER_TABLE)):
            story.append(_grid([head, *_pdf_rows(s, chunk)], widths))
    if not story:
        story.append(s.para(_("No document or record is kept yet.")))
    return story


def write_master_list_pdf(master, stream) -> None:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table

    from .pdf import _numbered_canvas, _pdf_plain, _Styles

    s = _Styles.make()
    facts = Table([[s.para(label, s.head), s.para(value)] for label, value in _facts(master)],
                  colWidths=[45 * mm, 200 * mm], hAlign="LEFT")
    story = [s.para(_title(), s.h1), facts, *_pdf_sections(s, master.entries)]
    footer = _pdf_plain(" — ".join([master.organization.name, _title(),
                                    date_text(master.reference_date)]))
    document = SimpleDocTemplate(
        stream, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
        topMargin=12 * mm, bottomMargin=15 * mm, title=_title(),
        author=master.organization.name, lang=active_language())
    document.build(story, canvasmaker=_numbered_canvas(footer, _("Page %(page)d / %(pages)d")))
