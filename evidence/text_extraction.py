"""Text and page count of a stored file, kept for later search.

One extractor per family of types, each a small function over a seekable binary file object
(the caller spools a non-seekable stream first, see `seekable`). Extraction is best effort: a
document whose text cannot be read yields empty text and a note, never an exception, because
the file's integrity was already established by its fingerprint and its type.

Work is bounded by `Limits` (decision 0018): PDF pages are read one at a time and no PDF stream
is inflated past the part limit; DOCX, ODT and XLSX are read as XML streams (`package_text`);
plain text by chunks; the text kept is capped. The verification worker runs `extract` in a
child process with a memory and a time limit (`isolated_extraction`).
"""

import codecs
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .extracted import MAX_TEXT_CHARS, Extraction, Limits, Note, Refused, TextBuffer
from .package_text import extract_package

__all__ = ["MAX_TEXT_CHARS", "Extraction", "Limits", "Note", "extract", "seekable"]

logger = logging.getLogger(__name__)

SPOOL_MAX_BYTES = 8 * 1024 * 1024
READ_CHUNK = 1024 * 1024

PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
# Same values as `filetypes.OOXML_*`, not imported: the extraction child does not load Django.
OOXML_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OOXML_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_TYPES = frozenset({"text/plain", "text/csv"})


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


def _pdf(handle, limits: Limits) -> Extraction:
    """Pages one at a time; pypdf refuses to inflate any stream past `limits.part_bytes`."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    bound = limits.part_bytes
    with apply_configuration(
            maximum_declared_stream_length=bound, zlib_maximum_output_length=bound,
            array_based_stream_maximum_output_length=bound, lzw_maximum_output_length=bound,
            run_length_maximum_output_length=bound, brotli_maximum_output_length=bound,
            jbig2_maximum_output_length=bound, image_maximum_buffer_size=bound):
        try:
            return _pdf_text(PdfReader(handle), limits)
        except LimitReachedError:
            return Extraction(note=Note.PART_TOO_LARGE)


def _pdf_text(reader, limits: Limits) -> Extraction:
    if reader.is_encrypted and not _unlock(reader):
        return Extraction("", _pdf_page_count(reader), Note.ENCRYPTED)
    buffer = TextBuffer(limits.text_chars)
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages):
        # Pages apart by a form feed, so that search can tell on which page words are.
        if not buffer.add(("\f" if number else "") + page.extract_text()):
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


def _package(kind: str) -> Callable:
    def extractor(handle, limits: Limits) -> Extraction:
        return extract_package(handle, kind, limits)

    return extractor


def _plain_text(handle, limits: Limits) -> Extraction:
    """UTF-8 (with or without BOM), else Windows-1252, the usual encoding of French CSV files
    exported by spreadsheet software."""
    try:
        return _decode(handle, "utf-8-sig", "strict", limits)
    except UnicodeDecodeError:
        handle.seek(0)
        return _decode(handle, "cp1252", "replace", limits)


def _decode(handle, encoding: str, errors: str, limits: Limits) -> Extraction:
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    buffer = TextBuffer(limits.text_chars)
    while chunk := handle.read(READ_CHUNK):
        if not buffer.add(decoder.decode(chunk)):
            return buffer.result()
    buffer.add(decoder.decode(b"", final=True))
    return buffer.result()


EXTRACTORS: dict[str, Callable[..., Extraction]] = {
    PDF: _pdf,
    OOXML_WORD: _package("docx"),
    ODT: _package("odt"),
    OOXML_SHEET: _package("xlsx"),
    **dict.fromkeys(TEXT_TYPES, _plain_text),
}


def preload() -> None:
    """Import the parsers now (the extraction server does, so that its children need not)."""
    import pypdf  # noqa: F401


def extract(handle, mime_type: str, limits: Limits | None = None) -> Extraction:
    """Text and page count of a seekable binary file object of type `mime_type`, in this
    process (the worker calls it through `isolated_extraction`)."""
    extractor = EXTRACTORS.get(mime_type)
    if extractor is None:
        return Extraction(note=Note.NOT_SUPPORTED)
    limits = limits or Limits(text_chars=MAX_TEXT_CHARS)
    try:
        handle.seek(0)
        return extractor(handle, limits)
    except Refused as refused:
        return Extraction(note=refused.note)
    except MemoryError:
        return Extraction(note=Note.MEMORY_LIMIT)
    except Exception as exc:  # any library failure means "unreadable document"
        logger.warning("text extraction failed for a %s file: %r", mime_type, exc)
        return Extraction(note=Note.DAMAGED)
    finally:
        handle.seek(0)
