"""The checklist as a landscape A4 PDF, numbered "page X / Y", in a font shipped with
reportlab (characters it lacks are decomposed, else replaced by "?")."""

import datetime
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from audit_prep.i18n import active_language
from audit_prep.text import strip_unsafe

from ..readiness import Status
from .common import (
    GATE_COLOURS,
    STATUS_COLOURS,
    column_titles,
    date_text,
    descriptive_legend,
    documented_information,
    evidence_rows,
    evidence_state,
    evidence_titles,
    evidence_titles_row,
    hash_text,
    header_facts,
    in_clause_order,
    referential_title,
    requirement_name,
    revision_text,
    score_text,
    status_word,
    yes_no,
)

PDF_EVIDENCE_SHOWN = 3


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
    """The text without control and invisible formatting characters (`audit_prep.text`), with
    the characters the font lacks replaced (decomposed, else "?")."""
    glyphs = _pdf_glyphs()
    out = []
    for char in strip_unsafe(str(value if value is not None else "")):
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


@dataclass
class _Styles:
    """The paragraph styles of the document, and the flowables built with them."""

    base: Any
    head: Any
    h1: Any
    h2: Any

    @classmethod
    def make(cls) -> "_Styles":
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm

        _pdf_glyphs()
        base = ParagraphStyle("base", fontName="AuditPrepSans", fontSize=8, leading=10)
        head = ParagraphStyle("head", parent=base, fontName="AuditPrepSans-Bold")
        return cls(
            base=base, head=head,
            h1=ParagraphStyle("h1", parent=head, fontSize=16, leading=20, spaceAfter=4 * mm),
            # a section title never ends a page: it stays with the first rows of its table
            h2=ParagraphStyle("h2", parent=head, fontSize=12, leading=15, spaceBefore=5 * mm,
                              spaceAfter=2 * mm, keepWithNext=1))

    def para(self, text, style=None):
        from reportlab.platypus import Paragraph

        return Paragraph(_pdf_text(text), style or self.base)

    def coloured(self, text, colours):
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        return Paragraph(_pdf_text(text), ParagraphStyle(
            "c", parent=self.head, textColor=colors.HexColor("#" + colours[1])))


def _grid(rows, widths, backgrounds=()):
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    style = [("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ECEFF1")),
             ("VALIGN", (0, 0), (-1, -1), "TOP")]
    style += [("BACKGROUND", cell, cell, colors.HexColor("#" + fill))
              for cell, fill in backgrounds]
    # Rows taller than a page split, but never into slivers of less than 3 lines.
    return Table(rows, colWidths=[w * mm for w in widths], repeatRows=1, splitInRow=30,
                 style=TableStyle(style), hAlign="LEFT")


def _summary(s: _Styles, checklist: dict) -> list:
    """The title, the facts, the score and the count of each status on its colour."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table

    facts = [[s.para(label, s.head), s.para(date_text(value)
                                            if isinstance(value, datetime.date) else value)]
             for label, value in header_facts(checklist)]
    facts.append([s.para(_("Readiness score"), s.head),
                  s.para(score_text(checklist.get("score")))])
    counts = [[s.coloured(status.label, STATUS_COLOURS[status]),
               s.para(checklist["counts"].get(status.value, 0))] for status in Status]
    return [s.para(_("Audit readiness checklist"), s.h1),
            Table(facts + counts, colWidths=[45 * mm, 150 * mm], hAlign="LEFT", style=[
                ("BACKGROUND", (0, len(facts) + i), (0, len(facts) + i),
                 colors.HexColor("#" + STATUS_COLOURS[status][0]))
                for i, status in enumerate(Status)])]


def _gates(s: _Styles, gates: list[dict]) -> list:
    return [s.para(_("Stage 1 gates"), s.h2), _grid(
        [[s.para(h, s.head) for h in (_("Clause"), _("Gate"), _("Result"), _("Details"))]]
        + [[s.para(gate.get("clause", "")), s.para(gate["label"]),
            s.coloured(_("passed") if gate["passed"] else _("failed"),
                       GATE_COLOURS[bool(gate["passed"])]), s.para(gate["message"])]
           for gate in gates],
        [18, 100, 28, 121],
        [((2, i), GATE_COLOURS[bool(g["passed"])][0]) for i, g in enumerate(gates, 1)])]


def _checklist(s: _Styles, items: list[dict]) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    columns = column_titles()
    story = [s.para(_("Checklist"), s.h2), _grid(
        [[s.para(columns[i], s.head) for i in (0, 1, 2, 3, 5, 6, 7)]]
        + [[s.para(item["ref_id"]), s.para(requirement_name(item)),
            s.para(documented_information(item)),
            s.coloured(status_word(item), STATUS_COLOURS[Status(item["status"])]),
            s.para(date_text(item.get("valid_until"))),
            s.para(evidence_titles(item, PDF_EVIDENCE_SHOWN)), s.para(item.get("justification"))]
           for item in items],
        [22, 56, 24, 26, 23, 70, 46],
        [((3, i), STATUS_COLOURS[Status(item["status"])][0])
         for i, item in enumerate(items, 1)])]
    if any(item.get("name_is_descriptive") for item in items):
        story += [Spacer(1, 2 * mm), s.para(descriptive_legend())]
    return story


def _link(s: _Styles, url: str):
    """The address as text (read on paper) and as a link (clicked on screen), small enough to
    hold on one line in its column."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    style = ParagraphStyle("link", parent=s.base, fontSize=6.5, leading=8)
    return Paragraph(f'<link href="{escape(url, {chr(34): "&quot;"})}">{_pdf_text(url)}</link>',
                     style)


def _evidence(s: _Styles, items: list[dict]) -> list:
    """Every linked evidence item, in clause order, each on its line with its reference,
    revision, dates, the first digits of its files' SHA-256 and its link in the service."""
    rows = evidence_rows(items)
    story = [s.para(_("Evidence"), s.h2)]
    if not rows:
        return [*story, s.para(_("No evidence is linked yet."))]
    return [*story, _grid(
        [[s.para(h, s.head) for h in evidence_titles_row()]]
        + [[s.para(item["ref_id"]), s.para(evidence["reference"]), s.para(evidence["title"]),
            s.para(evidence_state(evidence)), s.para(revision_text(evidence)),
            s.para(date_text(evidence.get("effective_date"))),
            s.para(date_text(evidence.get("valid_until"))), s.para(hash_text(evidence, "\n")),
            _link(s, evidence["url"])]
           for item, evidence in rows],
        [19, 21, 46, 22, 17, 23, 23, 27, 69])]


def _applicability(s: _Styles, items: list[dict]) -> list:
    """Every requirement in clause order, from the checklist's rows: an excluded clause's
    sub-clauses read "No" with the justification given for it."""
    columns = column_titles()
    story = [s.para(_("Statement of applicability"), s.h2)]
    if not any(item["status"] == Status.NOT_APPLICABLE for item in items):
        story.append(s.para(_("No exclusion: every requirement applies.")))
    story.append(_grid(
        [[s.para(h, s.head) for h in (columns[0], columns[1], _("Applicable"), columns[7])]]
        + [[s.para(item["ref_id"]), s.para(requirement_name(item)),
            s.para(yes_no(item["status"] != Status.NOT_APPLICABLE)),
            s.para(item.get("justification"))] for item in in_clause_order(items)],
        [22, 106, 24, 115]))
    return story


def _numbered_canvas(footer: str, page_label: str):
    """A canvas class that keeps the pages until the end to write "page X / Y" on each."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
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

    return NumberedCanvas


def write_pdf(checklist: dict, stream) -> None:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    styles = _Styles.make()
    items = checklist["items"]
    story = _summary(styles, checklist)
    if checklist.get("gates"):
        story += _gates(styles, checklist["gates"])
    story += (_checklist(styles, items) + _evidence(styles, items)
              + _applicability(styles, items))

    footer = _pdf_plain(" — ".join([checklist["organization"]["name"],
                                    referential_title(checklist),
                                    date_text(checklist["reference_date"])]))
    document = SimpleDocTemplate(
        stream, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
        topMargin=12 * mm, bottomMargin=15 * mm, title=_("Audit readiness checklist"),
        author=checklist["organization"]["name"], subject=referential_title(checklist),
        lang=active_language())
    document.build(story, canvasmaker=_numbered_canvas(footer, _("Page %(page)d / %(pages)d")))
