"""What may be uploaded: sanitised names, content sniffed with python-magic, and an allowlist
pairing each MIME type with its extensions. Names and request headers are never trusted."""

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

import magic
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit_prep.api.errors import ApiError
from audit_prep.text import strip_unsafe

# libmagic reads up to 1 MiB by default; OOXML needs well past the first 2 KiB to be recognised.
SNIFF_BYTES = 1024 * 1024
PDF_TAIL_BYTES = 2048
# An OOXML content-types part lists a few dozen types (a few kB); past this it is not read
# (a decompression bomb in the web process, or a macro type hidden after padding).
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
MAX_NAME_LENGTH = 200

OOXML_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OOXML_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OOXML_SLIDES = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

ALLOWED_TYPES: dict[str, frozenset[str]] = {
    "application/pdf": frozenset({"pdf"}),
    OOXML_WORD: frozenset({"docx"}),
    OOXML_SHEET: frozenset({"xlsx"}),
    OOXML_SLIDES: frozenset({"pptx"}),
    "application/vnd.oasis.opendocument.text": frozenset({"odt"}),
    "application/vnd.oasis.opendocument.spreadsheet": frozenset({"ods"}),
    "application/vnd.oasis.opendocument.presentation": frozenset({"odp"}),
    "application/msword": frozenset({"doc"}),
    "application/vnd.ms-excel": frozenset({"xls"}),
    "text/plain": frozenset({"txt", "csv"}),
    "text/csv": frozenset({"csv"}),
    "image/png": frozenset({"png"}),
    "image/jpeg": frozenset({"jpg", "jpeg"}),
    "message/rfc822": frozenset({"eml"}),
}
ALLOWED_EXTENSIONS = frozenset().union(*ALLOWED_TYPES.values())
OOXML_TYPES = frozenset({OOXML_WORD, OOXML_SHEET, OOXML_SLIDES})
MACRO_EXTENSIONS = frozenset({"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm"})


class RejectionReason(models.TextChoices):
    """Why a file was refused; the value is the stable API code."""

    FILE_REQUIRED = "file_required", _("Attach at least one file.")
    EMPTY = "file_empty", _("The file is empty.")
    TOO_LARGE = "file_too_large", _("The file exceeds the maximum size allowed.")
    NAME_INVALID = "file_name_invalid", _("The file name is empty once cleaned.")
    EXTENSION_MISSING = "extension_missing", _(
        "The file name has no extension (for example .pdf or .docx)."
    )
    EXTENSION_NOT_ALLOWED = "extension_not_allowed", _("This kind of file is not accepted.")
    TYPE_NOT_ALLOWED = "content_type_not_allowed", _(
        "The file's content is of a type that is not accepted."
    )
    TYPE_MISMATCH = "content_mismatch", _("The file's content does not match its extension.")
    MACRO = "macro_not_allowed", _("Files containing macros are not accepted.")
    PDF_TRUNCATED = "pdf_truncated", _("The PDF is incomplete (truncated); upload it again.")
    CORRUPT = "file_corrupt", _("The file is damaged and cannot be read.")
    HASH_MISMATCH = "hash_mismatch", _("The stored file no longer matches its fingerprint.")
    MISSING_OBJECT = "stored_object_missing", _("The stored file cannot be found.")
    VERIFICATION_FAILED = "verification_failed", _(
        "The file could not be checked, even after several attempts; upload it again."
    )


class FileRejected(Exception):
    def __init__(self, reason: RejectionReason, **details):
        super().__init__(reason.value)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class Inspection:
    name: str
    extension: str
    mime_type: str
    notes: list[str] = field(default_factory=list)


_UNSAFE_CHARS = re.compile(r'[<>:"|?*\\/]')
_SPACES = re.compile(r"\s+")
_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")


def sanitise_name(raw: str) -> str:
    """A display name safe to show and to send back in Content-Disposition: NFC, last path
    component only, no control or invisible format characters (e.g. right-to-left override),
    no leading dots, at most MAX_NAME_LENGTH characters with the extension kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = strip_unsafe(name, keep_lines=False)
    name = _UNSAFE_CHARS.sub("_", name)
    name = _SPACES.sub(" ", name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH].rstrip()
    return name


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower()
    return ext if dot and stem and _EXTENSION.match(ext) else ""


# Legacy Office files are OLE2 containers that libmagic only names (msword, ms-excel) when it can
# read the whole file; from a bounded head it answers x-ole-storage.
OLE_CONTAINER = "application/x-ole-storage"
OLE_TYPES = frozenset({"application/msword", "application/vnd.ms-excel"})


def sniff(fileobj) -> str:
    """MIME type of a binary file object's content; leaves the file position at 0.

    A file on disk is handed to libmagic by descriptor, so it reads what it needs (OLE2 needs the
    whole file); any other stream (e.g. S3) is sniffed from its first SNIFF_BYTES."""
    fileobj.seek(0)
    try:
        descriptor = fileobj.fileno()
    except (AttributeError, OSError, ValueError):
        descriptor = None
    if descriptor is not None:
        mime_type = magic.from_descriptor(descriptor, mime=True)
    else:
        mime_type = magic.from_buffer(fileobj.read(SNIFF_BYTES), mime=True)
    fileobj.seek(0)
    return mime_type


def same_type(sniffed: str, expected: str) -> bool:
    """Whether a re-sniffed type confirms the type recorded at upload."""
    return sniffed == expected or (sniffed == OLE_CONTAINER and expected in OLE_TYPES)


def _check_pdf_complete(fileobj, size: int) -> None:
    fileobj.seek(max(0, size - PDF_TAIL_BYTES))
    tail = fileobj.read(PDF_TAIL_BYTES)
    fileobj.seek(0)
    if b"%%EOF" not in tail:
        raise FileRejected(RejectionReason.PDF_TRUNCATED)


def _check_ooxml(fileobj) -> None:
    """OOXML files are zips: refuse damaged ones and those carrying a VBA project."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = archive.namelist()
            with archive.open("[Content_Types].xml") as part:
                content_types = part.read(CONTENT_TYPES_MAX_BYTES + 1)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise FileRejected(RejectionReason.CORRUPT) from exc
    finally:
        fileobj.seek(0)
    if len(content_types) > CONTENT_TYPES_MAX_BYTES:
        raise FileRejected(RejectionReason.CORRUPT)
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise FileRejected(RejectionReason.MACRO)


def inspect_file(fileobj, raw_name: str, size: int) -> Inspection:
    """Check one file (a seekable binary file object) and return its clean name and sniffed
    type, or raise FileRejected with the reason."""
    name = sanitise_name(raw_name)
    if not name:
        raise FileRejected(RejectionReason.NAME_INVALID)
    if size <= 0:
        raise FileRejected(RejectionReason.EMPTY)
    extension = extension_of(name)
    if not extension:
        raise FileRejected(RejectionReason.EXTENSION_MISSING)
    if extension in MACRO_EXTENSIONS:
        raise FileRejected(RejectionReason.MACRO, extension=extension)
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRejected(RejectionReason.EXTENSION_NOT_ALLOWED, extension=extension)
    mime_type = sniff(fileobj)
    allowed_extensions = ALLOWED_TYPES.get(mime_type)
    if allowed_extensions is None:
        raise FileRejected(RejectionReason.TYPE_NOT_ALLOWED, detected=mime_type)
    if extension not in allowed_extensions:
        raise FileRejected(
            RejectionReason.TYPE_MISMATCH, detected=mime_type, extension=extension
        )
    if mime_type == "application/pdf":
        _check_pdf_complete(fileobj, size)
    elif mime_type in OOXML_TYPES:
        _check_ooxml(fileobj)
    return Inspection(name=name, extension=extension, mime_type=mime_type)


TABLE_EXTENSIONS = ("csv", "txt", "xlsx")


def inspect_table(upload, wrong_type, code: str) -> Inspection:
    """An uploaded CSV or XLSX file to be read as a table (a requirement list, a population's
    members): inspected like any upload; an ApiError with the file's refusal, or with
    `wrong_type` (and `code`) when it is another accepted type."""
    try:
        inspection = inspect_file(upload, upload.name, upload.size)
    except FileRejected as rejected:
        raise ApiError(rejected.reason.label, code=rejected.reason.value) from rejected
    if inspection.extension not in TABLE_EXTENSIONS:
        raise ApiError(wrong_type, code=code)
    return inspection
