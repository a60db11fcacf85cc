"""A labelled set of real-looking French quality documents of an SIAE, for suggested tags.

Each document: the referential it is labelled in (library code), the requirement expected
(`expected`, a ref_id) and the others of that referential that would be as right (`also`: the
clause's parent or sub-clauses, or a second clause the same document answers, e.g. a complaint
register for 8.2.1 and 9.1.2), a title as people give them and its text. `write` makes it a
real file (PDF by reportlab, or DOCX by python-docx, in turn) and `extracted` reads its text
back with the vault's own extractor, as the worker does after an upload."""

from dataclasses import dataclass
from pathlib import Path

from .iso_documents import DOCUMENTS as ISO_DOCUMENTS
from .other_documents import DOCUMENTS as OTHER_DOCUMENTS

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Document:
    key: str
    referential: str  # the library's code
    expected: str
    also: tuple[str, ...]
    title: str
    text: str

    @property
    def right(self) -> set[str]:
        return {self.expected, *self.also}

    @property
    def paragraphs(self) -> list[str]:
        return [line.strip() for line in self.text.strip().split("\n") if line.strip()]


DOCUMENTS = [Document(**fields) for fields in ISO_DOCUMENTS + OTHER_DOCUMENTS]


def write(document: Document, directory: Path, index: int) -> tuple[Path, str]:
    """The document as a PDF (even `index`) or a DOCX (odd), and its MIME type."""
    if index % 2:
        return _docx(document, directory / f"{document.key}.docx"), DOCX
    return _pdf(document, directory / f"{document.key}.pdf"), PDF


def _pdf(document: Document, path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    head, *body = document.paragraphs
    story = [Paragraph(_escaped(head), styles["Heading2"]), Spacer(1, 8)]
    for paragraph in body:
        story.append(Paragraph(_escaped(paragraph), styles["BodyText"]))
    SimpleDocTemplate(str(path), pagesize=A4, title=document.title).build(story)
    return path


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _docx(document: Document, path: Path) -> Path:
    import docx

    word = docx.Document()
    head, *body = document.paragraphs
    word.add_heading(head, level=1)
    for paragraph in body:
        word.add_paragraph(paragraph)
    word.save(str(path))
    return path


def extracted(path: Path, mime_type: str) -> str:
    """The text the vault's extractor reads from the file."""
    from evidence.text_extraction import extract

    with path.open("rb") as handle:
        result = extract(handle, mime_type)
    assert result.text, f"{path.name}: no text extracted ({result.note})"
    return result.text
