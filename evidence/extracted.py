"""What a text extraction yields, why its text may be missing, and the limits it runs under.

Shared by the extractors (`text_extraction`, `package_text`), the child process that runs them
(`isolated_extraction`) and the worker that stores the result; nothing here imports Django, so
the child stays small.
"""

from collections.abc import Iterable
from dataclasses import dataclass

MAX_TEXT_CHARS = 1_000_000


class Note:
    """Why the text is empty or partial: the stable codes stored in `FileText.note` (their
    labels are `evidence.models.TextNote`)."""

    NONE = ""
    NOT_SUPPORTED = "not_supported"
    TRUNCATED = "truncated"
    ENCRYPTED = "encrypted"
    DAMAGED = "damaged"
    TOO_LARGE = "package_too_large"  # before per-part limits; kept for rows written then
    PART_TOO_LARGE = "part_too_large"
    COMPRESSION_RATIO = "compression_ratio"
    TOO_MANY_ELEMENTS = "too_many_elements"
    XML_ENTITIES = "xml_entities"
    MEMORY_LIMIT = "memory_limit"
    TIME_LIMIT = "time_limit"
    FAILED = "extraction_failed"
    # OCR of scans (images, PDFs without text: decision 0031).
    OCR_PENDING = "ocr_pending"
    OCR_NO_TEXT = "ocr_no_text"
    OCR_UNAVAILABLE = "ocr_unavailable"
    IMAGE_TOO_LARGE = "image_too_large"
    OCR_FAILED = "ocr_failed"
    OCR_TIME_LIMIT = "ocr_time_limit"
    OCR_PARTIAL = "ocr_partial"  # some pages read, others not (time, size, failure)


class Refused(Exception):
    """A limit was hit: the document's text is not read (its note says which limit)."""

    def __init__(self, note: str):
        super().__init__(note)
        self.note = note


@dataclass(frozen=True)
class Limits:
    """Bounds on the work done for one file (settings TEXT_EXTRACTION_*, decision 0018)."""

    text_chars: int = MAX_TEXT_CHARS
    # Uncompressed bytes of one XML part or one PDF stream.
    part_bytes: int = 16 * 1024 * 1024
    # Uncompressed / compressed size of a part above `ratio_from_bytes`: office XML deflates
    # 5 to 30 times; a zip bomb a thousand times.
    ratio: int = 100
    ratio_from_bytes: int = 1024 * 1024
    # XML elements read over the whole file (a 300-page report has a few hundred thousand).
    elements: int = 1_000_000


@dataclass(frozen=True)
class Extraction:
    text: str = ""
    page_count: int | None = None
    note: str = Note.NONE
    # Peak resident memory of the process that extracted (kB), when measured.
    peak_kb: int | None = None


class TextBuffer:
    """Collects pieces of text up to `limit` characters; `full` tells the caller to stop."""

    def __init__(self, limit: int = MAX_TEXT_CHARS):
        self.limit = limit
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
        # Not str.strip(): a leading form feed says that the first page has no text.
        text = "".join(self.parts).strip(" \t\r\n")
        return Extraction(text, page_count, note or (Note.TRUNCATED if self.full else Note.NONE))
