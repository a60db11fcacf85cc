"""Text and page count of a stored file, kept for later search.

One extractor per family of types, each a small function over a seekable binary file object
(the caller spools a non-seekable stream first, see `seekable`). Extraction is best effort: a
document whose text cannot be read yields empty text and a note, never an exception, because
the file's integrity was already established by its fingerprint and its type.

Memory stays bounded: PDF pages are read one at a time, spreadsheets in openpyxl's read-only
mode, plain text by chunks; the text kept is capped at MAX_TEXT_CHARS; zip packages (DOCX, ODT,
XLSX) whose declared uncompressed size exceeds MAX_PACKAGE_BYTES are not opened at all.
"""

import codecs
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .filetypes import OOXML_SHEET, OOXML_WORD

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 1_000_000
SPOOL_MAX_BYTES = 8 * 1024 * 1024
MAX_PACKAGE_BYTES = 128 * 1024 * 1024
READ_CHUNK = 1024 * 1024

PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
TEXT_TYPES = frozenset({"text/plain", "text/csv"})
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_BLOCKS = frozenset({(_ODF_TEXT, "p"), (_ODF_TEXT, "h")})


class Note:
    """Why the text is empty or partial (recorded in the verification audit event)."""

    NONE = ""
    NOT_SUPPORTED = "not_supported"
    TRUNCATED = "truncated"
    ENCRYPTED = "encrypted"
    DAMAGED = "damaged"
    TOO_LARGE = "package_too_large"


@dataclass(frozen=True)
class Extraction:
    text: str = ""
    page_count: int | None = None
    note: str = Note.NONE


class _TextBuffer:
    """Collects pieces of text up to `limit` characters; `full` tells the caller to stop."""

    def __init__(self, limit: int | None = None):
        self.limit = MAX_TEXT_CHARS if limit is None else limit
        self.parts: list[str] = []
        self.length = 0
        self.full = False

    def add(self, piece: str | None) -> bool:
        """Append a piece (a line, a page); returns False once the cap is reached."""
        if self.full or not piece:
            return not self.full
        piece = piece.replace("\x00", "")  # PostgreSQL text cannot hold NUL
        room = self.limit - self.length
        if len(piece) >= room:
            piece, self.full = piece[:room], True
        self.parts.append(piece)
        self.length += len(piece)
        return not self.full

    def extend(self, pieces: Iterable[str | None]) -> None:
        for piece in pieces:
            if not self.add(piece):
                return

    def result(self, page_count: int | None = None, note: str = Note.NONE) -> Extraction:
        text = "".join(self.parts).strip()
        return Extraction(text, page_count, note or (Note.TRUNCATED if self.full else Note.NONE))


@contextmanager
def seekable(handle) -> Iterator:
    """`handle` itself when it can seek (a file on disk, django-storages' S3File), otherwise a
    spooled copy: in memory up to SPOOL_MAX_BYTES, then on disk."""
    try:
        can_seek = handle.seekable()
    except (AttributeError, OSError, ValueError):
        can_seek = False
    if can_seek:
        handle.seek(0)
        yield handle
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES) as spool:
        shutil.copyfileobj(handle, spool, READ_CHUNK)
        spool.seek(0)
        yield spool


# --- one extractor per family ---------------------------------------------------------------


def _pdf(handle) -> Extraction:
    from pypdf import PdfReader

    reader = PdfReader(handle)
    if reader.is_encrypted and not _unlock(reader):
        return Extraction("", _pdf_page_count(reader), Note.ENCRYPTED)
    buffer = _TextBuffer()
    pages = len(reader.pages)
    for page in reader.pages:
        if not buffer.add(page.extract_text() + "\n"):
            break
    return buffer.result(pages)


def _unlock(reader) -> bool:
    """Open a PDF protected by an owner password only (an empty user password)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # unsupported algorithm, missing crypto backend: stays locked
        return False


def _pdf_page_count(reader) -> int | None:
    try:
        return len(reader.pages)
    except Exception:  # the page tree of a locked PDF may be unreadable
        return None


def _docx(handle) -> Extraction:
    import docx

    document = docx.Document(handle)
    buffer = _TextBuffer()
    buffer.extend(paragraph.text + "\n" for paragraph in document.paragraphs)
    buffer.extend(_docx_table_lines(document.tables))
    return buffer.result()


def _docx_table_lines(tables) -> Iterator[str]:
    for table in tables:
        for row in table.rows:
            seen, cells = set(), []
            for cell in row.cells:  # a merged cell is returned once per grid column
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    cells.append(cell.text)
            yield "\t".join(cells) + "\n"


def _odt(handle) -> Extraction:
    from odf import opendocument, teletype

    document = opendocument.load(handle)
    buffer = _TextBuffer()
    buffer.extend(teletype.extractText(block) + "\n" for block in _odf_blocks(document.body))
    return buffer.result()


def _odf_blocks(element) -> Iterator:
    """Paragraphs and headings in document order (those inside tables and frames included)."""
    for child in element.childNodes:
        if getattr(child, "qname", None) in _ODF_BLOCKS:
            yield child
        elif getattr(child, "childNodes", None):
            yield from _odf_blocks(child)


def _xlsx(handle) -> Extraction:
    import openpyxl

    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    buffer = _TextBuffer()
    try:
        for sheet in workbook.worksheets:
            if not buffer.add(sheet.title + "\n"):
                break
            for row in sheet.iter_rows(values_only=True):
                values = [str(value) for value in row if value is not None]
                if values and not buffer.add("\t".join(values) + "\n"):
                    break
            if buffer.full:
                break
    finally:
        workbook.close()
    return buffer.result()


def _plain_text(handle) -> Extraction:
    """UTF-8 (with or without BOM), else Windows-1252, the usual encoding of French CSV files
    exported by spreadsheet software."""
    try:
        return _decode(handle, "utf-8-sig", "strict")
    except UnicodeDecodeError:
        handle.seek(0)
        return _decode(handle, "cp1252", "replace")


def _decode(handle, encoding: str, errors: str) -> Extraction:
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    buffer = _TextBuffer()
    while chunk := handle.read(READ_CHUNK):
        if not buffer.add(decoder.decode(chunk)):
            return buffer.result()
    buffer.add(decoder.decode(b"", final=True))
    return buffer.result()


EXTRACTORS: dict[str, Callable] = {
    PDF: _pdf,
    OOXML_WORD: _docx,
    ODT: _odt,
    OOXML_SHEET: _xlsx,
    **dict.fromkeys(TEXT_TYPES, _plain_text),
}
ZIP_PACKAGES = frozenset({OOXML_WORD, ODT, OOXML_SHEET})


def _package_too_large(handle) -> bool:
    """Declared uncompressed size of a zip package above the cap (a zip bomb, or simply too
    big to parse in memory). zipfile never inflates an entry past its declared size."""
    try:
        with zipfile.ZipFile(handle) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    finally:
        handle.seek(0)
    return declared > MAX_PACKAGE_BYTES


def extract(handle, mime_type: str) -> Extraction:
    """Text and page count of a seekable binary file object of type `mime_type`."""
    extractor = EXTRACTORS.get(mime_type)
    if extractor is None:
        return Extraction(note=Note.NOT_SUPPORTED)
    try:
        handle.seek(0)
        if mime_type in ZIP_PACKAGES and _package_too_large(handle):
            return Extraction(note=Note.TOO_LARGE)
        handle.seek(0)
        return extractor(handle)
    except Exception as exc:  # any library failure means "unreadable document"
        logger.warning("text extraction failed for a %s file: %r", mime_type, exc)
        return Extraction(note=Note.DAMAGED)
    finally:
        handle.seek(0)
