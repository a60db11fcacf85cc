"""Where a stored file's text stands: why it is partial or unavailable (`TextNote`), where it
came from (`TextSource`) and what the API and the pages say of it (`TextStatus`). The codes are
`extracted.Note`'s, shared with the extraction child and the OCR (decision 0031)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .extracted import Note


class TextNote(models.TextChoices):
    """Why a file's text is partial or unavailable (`extracted.Note` holds the codes)."""

    NONE = Note.NONE, _("text extracted")
    TRUNCATED = Note.TRUNCATED, _("Only the beginning of the text was kept (size limit).")
    NOT_SUPPORTED = Note.NOT_SUPPORTED, _("No text is read from this type of file.")
    ENCRYPTED = Note.ENCRYPTED, _("The document is protected by a password.")
    DAMAGED = Note.DAMAGED, _("The document's text could not be read.")
    TOO_LARGE = Note.TOO_LARGE, _("The document is too large for its text to be read.")
    PART_TOO_LARGE = Note.PART_TOO_LARGE, _(
        "A part of the document is too large for its text to be read.")
    COMPRESSION_RATIO = Note.COMPRESSION_RATIO, _(
        "A part of the document is compressed abnormally (a possible decompression bomb).")
    TOO_MANY_ELEMENTS = Note.TOO_MANY_ELEMENTS, _(
        "The document has too many elements for its text to be read.")
    XML_ENTITIES = Note.XML_ENTITIES, _(
        "The document declares XML entities, which are not read (a possible XML bomb).")
    MEMORY_LIMIT = Note.MEMORY_LIMIT, _("Reading the text needed too much memory.")
    TIME_LIMIT = Note.TIME_LIMIT, _("Reading the text took too long.")
    FAILED = Note.FAILED, _("Reading the text failed.")
    OCR_PENDING = Note.OCR_PENDING, _("The scan is waiting to be read by OCR.")
    OCR_NO_TEXT = Note.OCR_NO_TEXT, _("OCR found no text in this scan.")
    OCR_UNAVAILABLE = Note.OCR_UNAVAILABLE, _(
        "The OCR engine is not installed: scans are not searchable.")
    IMAGE_TOO_LARGE = Note.IMAGE_TOO_LARGE, _(
        "The image has too many pixels to be read by OCR.")
    OCR_FAILED = Note.OCR_FAILED, _("The scan could not be read by OCR (damaged or protected).")
    OCR_TIME_LIMIT = Note.OCR_TIME_LIMIT, _("Reading the scan by OCR took too long.")
    OCR_PARTIAL = Note.OCR_PARTIAL, _(
        "Some pages of the scan could not be read by OCR (too long, too large or damaged): "
        "only the others are searchable.")


class TextSource(models.TextChoices):
    """Where a file's text came from."""

    EXTRACTED = "extracted", _("the file's own text")
    OCR = "ocr", _("read by OCR")
    # A PDF of typed pages and scanned ones (a procedure followed by its signed attendance
    # sheet): its own text, and OCR for the pages without any.
    MIXED = "mixed", _("the file's own text, and OCR for its scanned pages")


class TextStatus(models.TextChoices):
    """Where a file's text stands, derived from its `FileText` row and note."""

    PENDING = "pending", _("not extracted yet")
    AVAILABLE = "available", _("available")
    PARTIAL = "partial", _("partial")
    UNAVAILABLE = "unavailable", _("unavailable")

    @classmethod
    def of(cls, note: str | None) -> "TextStatus":
        """`note` of the file's text row, None when there is no row."""
        if note is None or note == Note.OCR_PENDING:
            return cls.PENDING
        return {Note.NONE: cls.AVAILABLE, Note.TRUNCATED: cls.PARTIAL,
                Note.OCR_PARTIAL: cls.PARTIAL}.get(note, cls.UNAVAILABLE)


def text_state(note: str | None, source: str | None = None) -> dict:
    """What the API and the pages say of a file's text: status, reason (code and label in the
    request's language) and source; `note` and `source` of its `FileText` row (None: no row)."""
    reason = TextNote(note) if note else None
    status = TextStatus.of(note)
    if source == TextSource.MIXED and status == TextStatus.UNAVAILABLE:
        status = TextStatus.PARTIAL  # its typed pages stay searchable whatever OCR did
    return {"status": status.value, "reason": reason.value if reason else None,
            "reason_label": str(reason.label) if reason else None,
            "source": source if note is not None else None}
