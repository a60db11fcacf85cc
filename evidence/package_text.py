"""Text of the zip-packaged office documents (DOCX, ODT, XLSX), read as streams.

Each XML part is inflated chunk by chunk and fed to an expat SAX parser from defusedxml that
refuses any DTD (office documents never carry one), so no entity is ever declared, let alone
expanded. The handlers keep only the text, so memory does not grow with the number of elements.
Before a part is opened its declared size and compression ratio are checked against `Limits`;
while it is read the bytes and the elements are counted; reading stops at the text cap.
"""

import contextlib
import posixpath
import zipfile
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from .extracted import Extraction, Limits, Note, Refused, TextBuffer

CHUNK = 64 * 1024
WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MARKUP_COMPATIBILITY = "http://schemas.openxmlformats.org/markup-compatibility/2006"
SHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP_ID = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships", "id")
PACKAGE_RELATIONSHIP = ("http://schemas.openxmlformats.org/package/2006/relationships",
                        "Relationship")
ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODF_BLOCKS = frozenset({(ODF_TEXT, "p"), (ODF_TEXT, "h")})
BOOLEANS = {"1": "True", "0": "False"}  # as openpyxl's values read


class _Full(Exception):
    """The text cap is reached: stop reading the document."""


class _PartDone(Exception):
    """Enough has been read from this part."""


def check_part(info: zipfile.ZipInfo, limits: Limits) -> None:
    """Refuse a part whose declared size or compression ratio is out of bounds (zipfile never
    inflates an entry past its declared size, and the reader counts the bytes anyway)."""
    if (info.file_size > limits.ratio_from_bytes
            and info.file_size > limits.ratio * max(info.compress_size, 1)):
        raise Refused(Note.COMPRESSION_RATIO)
    if info.file_size > limits.part_bytes:
        raise Refused(Note.PART_TOO_LARGE)


class _Package:
    """One open package, its text so far and the elements read over all its parts."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits):
        self.archive = archive
        self.limits = limits
        self.buffer = TextBuffer(limits.text_chars)
        self.elements = 0
        self.truncated = False

    def count_element(self) -> None:
        self.elements += 1
        if self.elements > self.limits.elements:
            raise Refused(Note.TOO_MANY_ELEMENTS)

    def add(self, piece: str) -> None:
        if not self.buffer.add(piece):
            raise _Full()

    def parse(self, name: str, handler: "_Handler") -> None:
        info = self.archive.getinfo(name)
        check_part(info, self.limits)
        parser = DefusedExpatParser(forbid_dtd=True)
        parser.setFeature(feature_namespaces, True)
        parser.setContentHandler(handler)
        read = 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    read += len(chunk)
                    if read > self.limits.part_bytes:
                        raise Refused(Note.PART_TOO_LARGE)
                    parser.feed(chunk)
            parser.close()
        except _PartDone:
            return


class _Handler(ContentHandler):
    """Counts elements; `characters` pieces are kept by subclasses only where text lives."""

    def __init__(self, package: _Package):
        super().__init__()
        self.package = package
        self.pending = 0  # characters held in an unfinished block

    def startElementNS(self, name, qname, attrs):
        self.package.count_element()
        self.start(name, attrs)

    def endElementNS(self, name, qname):
        self.end(name)

    def start(self, name, attrs) -> None:
        pass

    def end(self, name) -> None:
        pass

    def hold(self, pieces: list[str], piece: str) -> None:
        """Keep a piece of an unfinished block; one block longer than the cap ends the read."""
        pieces.append(piece)
        self.pending += len(piece)
        if self.pending > self.package.limits.text_chars:
            self.package.add("".join(pieces))


# --- DOCX -------------------------------------------------------------------------------------


class _WordHandler(_Handler):
    """Paragraphs as lines, table rows as tab-separated cells, in document order. Text in a
    markup-compatibility fallback (the old copy of a text box) is skipped."""

    def __init__(self, package):
        super().__init__(package)
        self.paragraphs: list[list[str]] = []
        self.rows: list[list[str]] = []
        self.cells: list[list[str]] = []
        self.runs = self.in_text = self.skipped = 0

    def start(self, name, attrs):
        if name == (MARKUP_COMPATIBILITY, "Fallback"):
            self.skipped += 1
        if name[0] != WORD or self.skipped:
            return
        tag = name[1]
        if tag == "p":
            self.paragraphs.append([])
        elif tag == "r":
            self.runs += 1
        elif tag == "t":
            self.in_text += 1
        elif tag == "tr":
            self.rows.append([])
        elif tag == "tc":
            self.cells.append([])
        elif self.runs and self.paragraphs and tag in ("tab", "br", "cr"):
            self.hold(self.paragraphs[-1], "\t" if tag == "tab" else "\n")

    def end(self, name):
        if name == (MARKUP_COMPATIBILITY, "Fallback"):
            self.skipped -= 1
        if name[0] != WORD or self.skipped:
            return
        tag = name[1]
        if tag == "r":
            self.runs -= 1
        elif tag == "t":
            self.in_text -= 1
        elif tag == "p" and self.paragraphs:
            self._line("".join(self.paragraphs.pop()))
        elif tag == "tc" and self.cells and self.rows:
            self.rows[-1].append("\n".join(self.cells.pop()))
        elif tag == "tr" and self.rows:
            self._line("\t".join(self.rows.pop()))

    def _line(self, line: str) -> None:
        """A finished paragraph or row: part of the enclosing cell, else a line of text."""
        self.pending = 0
        if self.cells:
            self.cells[-1].append(line)
        elif line:  # empty paragraphs (spacing) add nothing searchable
            self.package.add(line + "\n")

    def characters(self, content):
        if self.in_text and self.paragraphs and not self.skipped:
            self.hold(self.paragraphs[-1], content)


def _docx(package: _Package) -> None:
    package.parse("word/document.xml", _WordHandler(package))


# --- ODT --------------------------------------------------------------------------------------


class _OdfHandler(_Handler):
    """Paragraphs and headings (those inside tables and frames included) as lines; a nested
    block belongs to the outermost one, as odfpy's teletype reads it."""

    def __init__(self, package):
        super().__init__(package)
        self.depth = 0
        self.block: list[str] = []

    def start(self, name, attrs):
        if name in ODF_BLOCKS:
            self.depth += 1
        elif not self.depth or name[0] != ODF_TEXT:
            return
        elif name[1] == "s":
            self.hold(self.block, " " * self._spaces(attrs.get((ODF_TEXT, "c"))))
        elif name[1] == "tab":
            self.hold(self.block, "\t")
        elif name[1] == "line-break":
            self.hold(self.block, "\n")

    def _spaces(self, count) -> int:
        try:
            return max(1, min(int(count or 1), self.package.limits.text_chars))
        except ValueError:
            return 1

    def end(self, name):
        if name in ODF_BLOCKS:
            self.depth -= 1
            if not self.depth:
                text, self.block, self.pending = "".join(self.block), [], 0
                if text:
                    self.package.add(text + "\n")

    def characters(self, content):
        if self.depth:
            self.hold(self.block, content)


def _odt(package: _Package) -> None:
    package.parse("content.xml", _OdfHandler(package))


# --- XLSX -------------------------------------------------------------------------------------


class _SheetListHandler(_Handler):
    """Sheets of xl/workbook.xml in order (name, relationship id), or the relationships of
    xl/_rels/workbook.xml.rels (id -> target)."""

    def __init__(self, package):
        super().__init__(package)
        self.sheets: list[tuple[str, str]] = []
        self.targets: dict[str, str] = {}

    def start(self, name, attrs):
        if name == (SHEET, "sheet"):
            self.sheets.append((attrs.get((None, "name"), ""), attrs.get(RELATIONSHIP_ID, "")))
        elif name == PACKAGE_RELATIONSHIP:
            self.targets[attrs.get((None, "Id"), "")] = attrs.get((None, "Target"), "")


class _SharedStringsHandler(_Handler):
    """The shared strings, kept while their total stays under the text cap (a cell naming a
    string past that point is not shown, and the text is marked truncated)."""

    def __init__(self, package):
        super().__init__(package)
        self.strings: list[str] = []
        self.total = 0
        self.current: list[str] | None = None
        self.in_text = self.phonetic = 0

    def start(self, name, attrs):
        if name == (SHEET, "si"):
            self.current = []
        elif name == (SHEET, "t"):
            self.in_text += 1
        elif name == (SHEET, "rPh"):
            self.phonetic += 1

    def end(self, name):
        if name == (SHEET, "si") and self.current is not None:
            string, self.current, self.pending = "".join(self.current), None, 0
            self.total += len(string)
            if self.total > self.package.limits.text_chars:
                self.package.truncated = True
                raise _PartDone()
            self.strings.append(string)
        elif name == (SHEET, "t"):
            self.in_text -= 1
        elif name == (SHEET, "rPh"):
            self.phonetic -= 1

    def characters(self, content):
        if self.in_text and not self.phonetic and self.current is not None:
            self.current.append(content)
            self.pending += len(content)
            if self.pending > self.package.limits.text_chars:
                self.package.truncated = True
                raise _PartDone()


class _WorksheetHandler(_Handler):
    """Rows as lines of tab-separated values (cached results for formulas)."""

    def __init__(self, package, strings: list[str]):
        super().__init__(package)
        self.strings = strings
        self.row: list[str] = []
        self.cell_type = ""
        self.value: list[str] | None = None
        self.in_value = 0

    def start(self, name, attrs):
        if name[0] != SHEET:
            return
        if name[1] == "row":
            self.row = []
        elif name[1] == "c":
            self.cell_type, self.value = attrs.get((None, "t"), "n"), None
        elif name[1] in ("v", "t"):
            self.in_value += 1
            self.value = self.value if self.value is not None else []

    def end(self, name):
        if name[0] != SHEET:
            return
        if name[1] in ("v", "t"):
            self.in_value -= 1
        elif name[1] == "c":
            value = self._cell_text()
            if value is not None:
                self.row.append(value)
            self.pending = 0
        elif name[1] == "row" and self.row:
            self.package.add("\t".join(self.row) + "\n")

    def _cell_text(self) -> str | None:
        if self.value is None:
            return None
        raw = "".join(self.value)
        if self.cell_type == "s":
            index = int(raw) if raw.strip().isdigit() else -1
            if 0 <= index < len(self.strings):
                return self.strings[index]
            self.package.truncated = True
            return None
        if self.cell_type == "b":
            return BOOLEANS.get(raw.strip(), raw)
        return raw

    def characters(self, content):
        if self.in_value and self.value is not None:
            self.hold(self.value, content)


def _xlsx(package: _Package) -> None:
    sheets = _SheetListHandler(package)
    package.parse("xl/workbook.xml", sheets)
    package.parse("xl/_rels/workbook.xml.rels", sheets)
    strings = _SharedStringsHandler(package)
    if "xl/sharedStrings.xml" in package.archive.NameToInfo:
        package.parse("xl/sharedStrings.xml", strings)
    for title, relationship in sheets.sheets:
        package.add(title + "\n")
        target = sheets.targets.get(relationship)
        if target:
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            package.parse(part, _WorksheetHandler(package, strings.strings))


READERS = {"docx": _docx, "odt": _odt, "xlsx": _xlsx}


def extract_package(handle, kind: str, limits: Limits) -> Extraction:
    """Text of a DOCX, ODT or XLSX (`kind`) from a seekable binary file object. A limit hit
    or a declared entity gives empty text with its note; a damaged package raises."""
    try:
        with zipfile.ZipFile(handle) as archive:
            package = _Package(archive, limits)
            with contextlib.suppress(_Full):
                READERS[kind](package)
    except Refused as refused:
        return Extraction(note=refused.note)
    except DefusedXmlException:
        return Extraction(note=Note.XML_ENTITIES)
    return package.buffer.result(note=Note.TRUNCATED if package.truncated else Note.NONE)
