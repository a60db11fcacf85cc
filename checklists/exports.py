"""The readiness checklist as files: a spreadsheet, a PDF and a CSV.

Each writer takes the plain dict of `checklists.services.checklist.build` and a binary stream
(a BytesIO, an HttpResponse, a file opened "wb"). Words are translated in the active language
when the file is written; a status always shows as a word, its colour only adds to it.
"""

import csv
import datetime
import io
import re
import unicodedata
from functools import lru_cache
from xml.sax.saxutils import escape

from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit_prep.i18n import active_language

from .readiness import Status

# Status colours as (fill, text) RGB: the text colour keeps the word readable on its fill.
STATUS_COLOURS = {
    Status.COVERED: ("A5D6A7", "000000"),          # green
    Status.EXPIRING: ("FFC107", "000000"),         # amber
    Status.EXPIRED: ("E53935", "FFFFFF"),          # red
    Status.MISSING: ("7F0000", "FFFFFF"),          # dark red
    Status.PENDING: ("90A4AE", "000000"),          # blue grey
    Status.NOT_APPLICABLE: ("E0E0E0", "000000"),   # light grey
}
GATE_COLOURS = {True: STATUS_COLOURS[Status.COVERED], False: STATUS_COLOURS[Status.EXPIRED]}
PDF_EVIDENCE_SHOWN = 3
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --- shared helpers -------------------------------------------------------------------------

def _as_date(value) -> datetime.date | None:
    """A date from a date, a datetime or an ISO string (the dict may have gone through JSON)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _french() -> bool:
    return active_language() == "fr"


def _date_text(value) -> str:
    day = _as_date(value)
    if day is None:
        return ""
    return day.strftime("%d/%m/%Y") if _french() else day.isoformat()


def _status_word(item: dict) -> str:
    return str(item.get("status_label") or Status(item["status"]).label)


def _yes_no(flag) -> str:
    return _("Yes") if flag else _("No")


def _documented_information(values) -> str:
    words = {"maintain": _("document to maintain"), "retain": _("record to retain")}
    return ", ".join(str(words.get(value, value)) for value in values or [])


def _name(item: dict) -> str:
    return f"{item['name']} *" if item.get("name_is_descriptive") else item["name"]


def _evidence_titles(item: dict, limit: int | None = None, sep: str = "\n") -> str:
    shown = item.get("evidence") or []
    titles = [evidence["title"] for evidence in shown[:limit]]
    hidden = max(item.get("evidence_count", len(shown)), len(shown)) - len(titles)
    if hidden > 0:
        titles.append(f"… (+{hidden})")
    return sep.join(titles)


def _referential(checklist: dict) -> str:
    referential = checklist["referential"]
    version = f" ({referential['version']})" if referential.get("version") else ""
    return f"{referential['name']}{version}"


def _score_text(score) -> str:
    return _("n/a") if score is None else f"{round(score * 100)} %"


def _facts(checklist: dict) -> list[tuple[str, object]]:
    """The header lines but the score: (label, text or date)."""
    target = checklist.get("target_audit_date")
    return [
        (_("Structure"), checklist["organization"]["name"]),
        (_("Referential"), _referential(checklist)),
        (_("Reference date"), _as_date(checklist["reference_date"])),
        (_("Target audit date"), _as_date(target) if target else _("not set")),
    ]


def _columns() -> list[str]:
    return [_("Requirement"), _("Title"), _("Mandatory"), _("Documented information"),
            _("Status"), _("Reason"), _("Valid until"), _("Linked evidence"),
            _("Justification of the exclusion")]


def _descriptive_legend() -> str:
    return _("* Descriptive title given by audit-prep, not an official title of the referential.")


def filename(checklist: dict, fmt: str) -> str:
    """An ASCII file name: etat-de-preparation_<structure>_<referential>_<date>.<ext>."""
    def slug(text, default):
        # Punctuation separates words: "ISO 9001:2015" -> "iso-9001-2015", "d’insertion" too.
        return slugify(re.sub(r"[\W_]+", " ", text or ""))[:40].strip("-") or str(default)

    organization, referential = checklist["organization"], checklist["referential"]
    parts = [
        slug(_("readiness-checklist"), "readiness-checklist"),
        slug(organization.get("name"), organization["id"]),
        slug(referential.get("ref_id"), referential["id"]),
        _as_date(checklist["reference_date"]).isoformat(),
    ]
    return "_".join(parts) + "." + EXPORTERS[fmt][2]


# --- spreadsheet ----------------------------------------------------------------------------

def _sheet_title(text) -> str:
    return "".join(" " if char in "[]:*?/\\" else char for char in str(text)).strip()[:31]


def write_xlsx(checklist: dict, stream) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    date_format = "DD/MM/YYYY" if _french() else "YYYY-MM-DD"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def fill(colours):
        return PatternFill("solid", fgColor="FF" + colours[0]), Font(color="FF" + colours[1])

    def put(sheet, row, column, value, **style):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters pasted in titles
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # user text, never a formula
        if isinstance(value, datetime.date):
            cell.number_format = date_format
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    def table(sheet, first_row, headers, rows, widths):
        for column, header in enumerate(headers, 1):
            put(sheet, first_row, column, header, font=bold, alignment=wrap)
        for row_number, row in enumerate(rows, first_row + 1):
            for column, value in enumerate(row, 1):
                put(sheet, row_number, column, value, alignment=wrap)
        for column, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = sheet.cell(row=first_row + 1, column=1)
        last = get_column_letter(len(headers))
        sheet.auto_filter.ref = f"A{first_row}:{last}{first_row + max(len(rows), 1)}"
        sheet.print_title_rows = f"{first_row}:{first_row}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(_("Checklist"))
    put(sheet, 1, 1, _("Audit readiness checklist"), font=Font(bold=True, size=14))
    row = 2
    left = Alignment(horizontal="left", vertical="top", wrap_text=True)
    for label, value in _facts(checklist):
        put(sheet, row, 1, label, font=bold, alignment=wrap)
        put(sheet, row, 2, value, alignment=left)
        row += 1
    score = checklist.get("score")
    put(sheet, row, 1, _("Readiness score"), font=bold, alignment=wrap)
    put(sheet, row, 2, _("n/a") if score is None else score, alignment=left,
        number_format="0%")
    row += 1
    for status in Status:
        fill_, font = fill(STATUS_COLOURS[status])
        put(sheet, row, 1, str(status.label), fill=fill_, font=font)
        put(sheet, row, 2, checklist["counts"].get(status.value, 0), alignment=left)
        row += 1
    items = checklist["items"]
    if any(item.get("name_is_descriptive") for item in items):
        put(sheet, row, 1, _descriptive_legend())
    header_row = row + 2
    table(sheet, header_row, _columns(), [
        [item["ref_id"], _name(item), _yes_no(item.get("mandatory")),
         _documented_information(item.get("documented_information")), _status_word(item),
         item.get("reason_label", ""), _as_date(item.get("valid_until")),
         _evidence_titles(item), item.get("justification") or ""]
        for item in items], [22, 60, 12, 26, 18, 44, 14, 50, 50])
    for row_number, item in enumerate(items, header_row + 1):
        status_cell = sheet.cell(row=row_number, column=5)
        status_cell.fill, status_cell.font = fill(STATUS_COLOURS[Status(item["status"])])

    applicability = workbook.create_sheet(_sheet_title(_("Statement of applicability")))
    table(applicability, 1, [_("Requirement"), _("Title"), _("Applicable"),
                             _("Justification of the exclusion")], [
        [item["ref_id"], _name(item), _yes_no(item["status"] != Status.NOT_APPLICABLE),
         item.get("justification") or ""] for item in items], [14, 70, 12, 70])

    if checklist.get("gates"):
        gates = workbook.create_sheet(_sheet_title(_("Stage 1 gates")))
        table(gates, 1, [_("Clause"), _("Gate"), _("Result"), _("Details")], [
            [gate.get("clause", ""), gate["label"], _("passed") if gate["passed"] else
             _("failed"), gate["message"]] for gate in checklist["gates"]], [10, 60, 14, 70])
        for row_number, gate in enumerate(checklist["gates"], 2):
            result = gates.cell(row=row_number, column=3)
            result.fill, result.font = fill(GATE_COLOURS[bool(gate["passed"])])
    workbook.save(stream)


# --- PDF ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _pdf_glyphs() -> frozenset[int]:
    """Register Bitstream Vera (shipped with reportlab: Latin-1, œ, ’, —, …) once."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = {"AuditPrepSans": "Vera.ttf", "AuditPrepSans-Bold": "VeraBd.ttf",
             "AuditPrepSans-Italic": "VeraIt.ttf", "AuditPrepSans-BoldItalic": "VeraBI.ttf"}
    for name, path in fonts.items():
        pdfmetrics.registerFont(TTFont(name, path))
    for bold, italic, name in ((0, 0, ""), (1, 0, "-Bold"), (0, 1, "-Italic"),
                               (1, 1, "-BoldItalic")):
        addMapping("AuditPrepSans", bold, italic, "AuditPrepSans" + name)
    return frozenset(pdfmetrics.getFont("AuditPrepSans").face.charToGlyph)


def _pdf_plain(value) -> str:
    """The text with the characters the font lacks replaced (decomposed, else "?")."""
    glyphs = _pdf_glyphs()
    out = []
    for char in str(value if value is not None else ""):
        if char == "\n" or ord(char) in glyphs:
            out.append(char)
        elif unicodedata.category(char) == "Cc":
            out.append(" " if char in "\t\r" else "")
        else:
            plain = unicodedata.normalize("NFKD", char)
            out.append(plain if plain and all(ord(c) in glyphs for c in plain) else "?")
    return "".join(out)


def _pdf_text(value) -> str:
    """Paragraph markup: escaped, line breaks kept."""
    return escape(_pdf_plain(value)).replace("\n", "<br/>")


def write_pdf(checklist: dict, stream) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _pdf_glyphs()
    base = ParagraphStyle("base", fontName="AuditPrepSans", fontSize=8, leading=10)
    head = ParagraphStyle("head", parent=base, fontName="AuditPrepSans-Bold")
    h1 = ParagraphStyle("h1", parent=head, fontSize=16, leading=20, spaceAfter=4 * mm)
    h2 = ParagraphStyle("h2", parent=head, fontSize=12, leading=15, spaceBefore=5 * mm,
                        spaceAfter=2 * mm)

    def para(text, style=base):
        return Paragraph(_pdf_text(text), style)

    def coloured(text, colours):
        return Paragraph(_pdf_text(text), ParagraphStyle(
            "c", parent=head, textColor=colors.HexColor("#" + colours[1])))

    def grid(rows, widths, backgrounds=()):
        style = [("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ECEFF1")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        style += [("BACKGROUND", cell, cell, colors.HexColor("#" + fill))
                  for cell, fill in backgrounds]
        # Rows taller than a page split, but never into slivers of less than 3 lines.
        return Table(rows, colWidths=[w * mm for w in widths], repeatRows=1, splitInRow=30,
                     style=TableStyle(style), hAlign="LEFT")

    facts = [[para(label, head), para(_date_text(value) if isinstance(value, datetime.date)
                                      else value)] for label, value in _facts(checklist)]
    facts.append([para(_("Readiness score"), head), para(_score_text(checklist.get("score")))])
    counts = [[coloured(status.label, STATUS_COLOURS[status]),
               para(checklist["counts"].get(status.value, 0))] for status in Status]
    story = [para(_("Audit readiness checklist"), h1),
             Table(facts + counts, colWidths=[45 * mm, 150 * mm], hAlign="LEFT", style=[
                 ("BACKGROUND", (0, len(facts) + i), (0, len(facts) + i),
                  colors.HexColor("#" + STATUS_COLOURS[status][0]))
                 for i, status in enumerate(Status)])]
    if checklist.get("gates"):
        story.append(para(_("Stage 1 gates"), h2))
        story.append(grid(
            [[para(h, head) for h in (_("Clause"), _("Gate"), _("Result"), _("Details"))]]
            + [[para(gate.get("clause", "")), para(gate["label"]),
                coloured(_("passed") if gate["passed"] else _("failed"),
                         GATE_COLOURS[bool(gate["passed"])]), para(gate["message"])]
               for gate in checklist["gates"]],
            [18, 100, 28, 121],
            [((2, i), GATE_COLOURS[bool(g["passed"])][0])
             for i, g in enumerate(checklist["gates"], 1)]))

    items = checklist["items"]
    columns = _columns()
    story += [para(_("Checklist"), h2), grid(
        [[para(columns[i], head) for i in (0, 1, 2, 4, 6, 7, 8)]]
        + [[para(item["ref_id"]), para(_name(item)), para(_yes_no(item.get("mandatory"))),
            coloured(_status_word(item), STATUS_COLOURS[Status(item["status"])]),
            para(_date_text(item.get("valid_until"))),
            para(_evidence_titles(item, PDF_EVIDENCE_SHOWN)), para(item.get("justification"))]
           for item in items],
        [26, 64, 23, 28, 23, 55, 48],
        [((3, i), STATUS_COLOURS[Status(item["status"])][0])
         for i, item in enumerate(items, 1)])]
    if any(item.get("name_is_descriptive") for item in items):
        story += [Spacer(1, 2 * mm), para(_descriptive_legend())]

    story.append(para(_("Statement of applicability"), h2))
    exclusions = [item for item in items if item["status"] == Status.NOT_APPLICABLE]
    if exclusions:
        story.append(grid(
            [[para(h, head) for h in (columns[0], columns[1], columns[8])]]
            + [[para(item["ref_id"]), para(_name(item)), para(item.get("justification"))]
               for item in exclusions], [26, 110, 131]))
    else:
        story.append(para(_("No exclusion: every requirement applies.")))

    footer = _pdf_plain(" — ".join([checklist["organization"]["name"], _referential(checklist),
                                    _date_text(checklist["reference_date"])]))
    page_label = _("Page %(page)d / %(pages)d")

    class NumberedCanvas(Canvas):
        """Keeps the pages until the end to write "page X / Y" on each."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self.setFont("AuditPrepSans", 7)
                self.drawString(12 * mm, 8 * mm, footer)
                self.drawRightString(self._pagesize[0] - 12 * mm, 8 * mm, page_label % {
                    "page": number, "pages": len(self._pages)})
                super().showPage()
            super().save()

    document = SimpleDocTemplate(
        stream, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
        topMargin=12 * mm, bottomMargin=15 * mm, title=_("Audit readiness checklist"),
        author=checklist["organization"]["name"], subject=_referential(checklist),
        lang=active_language())
    document.build(story, canvasmaker=NumberedCanvas)


# --- CSV ------------------------------------------------------------------------------------

def _csv_safe(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(checklist: dict, stream) -> None:
    """UTF-8 with a byte order mark and semicolons: what a French Excel opens as is."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text, delimiter=";")
        columns = _columns()
        writer.writerow([columns[0], columns[1], columns[2], columns[3], _("Status code"),
                         columns[4], columns[5], columns[6], _("Evidence count"),
                         columns[7], columns[8]])
        for item in checklist["items"]:
            valid_until = _as_date(item.get("valid_until"))
            writer.writerow([_csv_safe(value) for value in (
                item["ref_id"], _name(item), _yes_no(item.get("mandatory")),
                _documented_information(item.get("documented_information")), item["status"],
                _status_word(item), item.get("reason_label", ""),
                valid_until.isoformat() if valid_until else "", item.get("evidence_count", 0),
                " | ".join(evidence["title"] for evidence in item.get("evidence") or []),
                item.get("justification") or "")])
        text.flush()
    finally:
        text.detach()


EXPORTERS = {
    "xlsx": (write_xlsx,
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": (write_pdf, "application/pdf", "pdf"),
    "csv": (write_csv, "text/csv; charset=utf-8", "csv"),
}
