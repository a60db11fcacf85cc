"""OCR of scans: Tesseract (with its French data) and poppler's `pdftoppm`, called as child
processes, page by page, under limits (decision 0031).

Nothing is decoded in the calling process: an image's pixel dimensions are read from its header
(PNG's IHDR, JPEG's SOF segment) and an image above `Limits.max_pixels` is refused before any
decoder sees it; a PDF's page sizes come from `pdfinfo`, each page is rendered by `pdftoppm` at
the resolution that keeps it under the same pixel limit, then read by `tesseract`. Every child
runs with an address-space limit (RLIMIT_AS, set in `preexec_fn`) and a wall-time limit (the
page's time, never more than what is left of the file's). Pages are separated by a form feed
("\\f") in the text, as the PDF extractor does, so that search can tell the page.

Django-free (the bench calls it directly); the worker's service is `evidence.ocr_results`.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .extracted import MAX_TEXT_CHARS, Note

PNG = "image/png"
JPEG = "image/jpeg"
PDF = "application/pdf"
IMAGE_TYPES = frozenset({PNG, JPEG})
OCR_TYPES = IMAGE_TYPES | {PDF}
LANGUAGES = "fra+eng"  # French first; English for the words a French document borrows
PAGE_SEPARATOR = "\f"
# A PDF page with fewer characters of text than this is taken for a scanned page.
BARE_PAGE_CHARS = 20
MIN_DPI = 50  # below this a page's text is too small to read: the page is refused instead
PROBE_SECONDS = 10.0
PAGE_SIZE = re.compile(r"^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts", re.MULTILINE)


@dataclass(frozen=True)
class Limits:
    """Bounds on the OCR of one file (settings OCR_*)."""

    languages: str = LANGUAGES
    dpi: int = 300
    page_seconds: float = 60.0
    file_seconds: float = 600.0
    memory_bytes: int = 1024 * 1024 * 1024
    max_pixels: int = 50_000_000
    text_chars: int = MAX_TEXT_CHARS


@dataclass
class Result:
    text: str = ""
    note: str = Note.NONE
    pages: int | None = None
    seconds: float = 0.0
    page_notes: list[str] = field(default_factory=list)


class _TimeUp(Exception):
    pass


# --- the engine -------------------------------------------------------------------------------


@cache
def engine_problem(languages: str = LANGUAGES) -> str | None:
    """Why OCR cannot run on this machine (None when it can): a missing program or language
    data. Cached for the process's life: installing the engine takes a restart."""
    for program in ("pdftoppm", "pdfinfo", "tesseract"):
        if shutil.which(program) is None:
            return f"{program} is not installed"
    found = shutil.which("tesseract") or "tesseract"
    try:
        listed = subprocess.run(  # noqa: S603 - the tesseract found on PATH
            [found, "--list-langs"], capture_output=True, text=True,
            timeout=PROBE_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"tesseract does not answer: {exc!r}"
    installed = set(listed.stdout.split())
    missing = [lang for lang in languages.split("+") if lang not in installed]
    return f"tesseract has no data for {', '.join(missing)}" if missing else None


def _limit_memory(memory_bytes: int):
    def apply() -> None:  # runs in the child, between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return apply


def _run(argv: list[str], seconds: float, limits: Limits) -> subprocess.CompletedProcess:
    """Run a child under the memory limit; _TimeUp when it outlives `seconds` (it is killed)."""
    if seconds <= 0:
        raise _TimeUp
    try:
        return subprocess.run(  # noqa: S603 - fixed programs, our own arguments
            argv, capture_output=True, timeout=seconds, check=False,
            preexec_fn=_limit_memory(limits.memory_bytes),
            env={**os.environ, "OMP_THREAD_LIMIT": "1", "LC_ALL": "C"})
    except subprocess.TimeoutExpired as exc:
        raise _TimeUp from exc


def _tesseract(image: Path, seconds: float, limits: Limits, dpi: int | None = None) -> str | None:
    """The text of one image, None when tesseract failed on it."""
    argv = ["tesseract", str(image), "stdout", "-l", limits.languages, "-c", "page_separator="]
    if dpi:
        argv += ["--dpi", str(dpi)]
    done = _run(argv, seconds, limits)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").replace("\x00", "").replace("\f", "").strip()


# --- images -----------------------------------------------------------------------------------


def _png_size(head: bytes) -> tuple[int, int] | None:
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _jpeg_size(handle) -> tuple[int, int] | None:
    """Width and height from the first frame header (SOF0..SOF15 but DHT, JPG, DAC)."""
    handle.seek(2)
    while True:
        marker = handle.read(2)
        while len(marker) == 2 and marker[0] == 0xFF and marker[1] == 0xFF:  # fill bytes
            marker = marker[1:] + handle.read(1)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        length_bytes = handle.read(2)
        if len(length_bytes) < 2:
            return None
        (length,) = struct.unpack(">H", length_bytes)
        if 0xC0 <= marker[1] <= 0xCF and marker[1] not in (0xC4, 0xC8, 0xCC):
            frame = handle.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        if length < 2:
            return None
        handle.seek(length - 2, os.SEEK_CUR)


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) in pixels read from a PNG or JPEG header, None if it is not readable.
    Reads a few bytes per segment: nothing is decoded."""
    with open(path, "rb") as handle:
        head = handle.read(24)
        if head.startswith(b"\xff\xd8"):
            return _jpeg_size(handle)
        return _png_size(head)


def ocr_image(path: Path, limits: Limits) -> Result:
    started = time.monotonic()
    size = image_size(path)
    if size is None:
        return Result(note=Note.OCR_FAILED, pages=1)
    if size[0] * size[1] > limits.max_pixels:
        return Result(note=Note.IMAGE_TOO_LARGE, pages=1)
    try:
        text = _tesseract(path, min(limits.page_seconds, limits.file_seconds), limits)
    except _TimeUp:
        return Result(note=Note.OCR_TIME_LIMIT, pages=1, seconds=time.monotonic() - started)
    seconds = time.monotonic() - started
    if text is None:
        return Result(note=Note.OCR_FAILED, pages=1, seconds=seconds)
    return _finish([text], [Note.NONE], limits, 1, seconds)


# --- PDFs -------------------------------------------------------------------------------------


def pdf_page_sizes(path: Path, limits: Limits, seconds: float) -> list[tuple[float, float]] | str:
    """Each page's (width, height) in points, from `pdfinfo`; or the note of why not."""
    done = _run(["pdfinfo", "-f", "1", "-l", "1000000", str(path)], seconds, limits)
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").lower()
        return Note.ENCRYPTED if "password" in error else Note.OCR_FAILED
    sizes = {int(number): (float(width), float(height)) for number, width, height
             in PAGE_SIZE.findall(done.stdout.decode("utf-8", "replace"))}
    return [sizes[number] for number in sorted(sizes)] or Note.OCR_FAILED


def page_dpi(width_pt: float, height_pt: float, limits: Limits) -> int | None:
    """The resolution at which a page stays under the pixel limit (at most `limits.dpi`), None
    when even MIN_DPI would be above it."""
    square_inches = max(width_pt / 72 * height_pt / 72, 1e-6)
    dpi = min(limits.dpi, int((limits.max_pixels / square_inches) ** 0.5))
    return dpi if dpi >= MIN_DPI else None


def _pdf_page(path: Path, number: int, dpi: int, workdir: Path, deadline: float,
              limits: Limits) -> tuple[str, str]:
    """(text, note) of one page: rendered in grey by pdftoppm, read by tesseract."""
    page_end = min(deadline, time.monotonic() + limits.page_seconds)
    prefix = workdir / f"page-{number}"
    image = prefix.with_suffix(".pgm")
    try:
        rendered = _run(["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(dpi),
                         "-gray", "-singlefile", str(path), str(prefix)],
                        page_end - time.monotonic(), limits)
        if rendered.returncode != 0 or not image.exists():
            return "", Note.OCR_FAILED
        text = _tesseract(image, page_end - time.monotonic(), limits, dpi)
    except _TimeUp:
        return "", Note.OCR_TIME_LIMIT
    finally:
        image.unlink(missing_ok=True)
    return (text, Note.NONE) if text is not None else ("", Note.OCR_FAILED)


def is_bare(page_text: str) -> bool:
    """True for a page whose own text is empty or nearly so: a scanned page."""
    return len(page_text.strip()) < BARE_PAGE_CHARS


def ocr_pdf(path: Path, limits: Limits, own_pages: list[str] | None = None) -> Result:
    """The PDF's text, page by page. With `own_pages` (the text its pages hold, one string a
    page), the pages with text keep it and only the bare ones are read by OCR."""
    started = time.monotonic()
    deadline = started + limits.file_seconds
    try:
        sizes = pdf_page_sizes(path, limits, min(limits.page_seconds, limits.file_seconds))
    except _TimeUp:
        return Result(note=Note.OCR_TIME_LIMIT)
    if isinstance(sizes, str):
        return Result(note=sizes)
    texts: list[str] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ocr-") as workdir:
        for number, (width, height) in enumerate(sizes, start=1):
            own = own_pages[number - 1] if own_pages and number <= len(own_pages) else ""
            dpi = page_dpi(width, height, limits)
            if not is_bare(own):
                text, note = own, Note.NONE  # a typed page keeps its text, even past the time
            elif time.monotonic() >= deadline:
                if own_pages is None:  # a whole scan: nothing after this page to keep
                    notes.append(Note.OCR_TIME_LIMIT)
                    break
                text, note = "", Note.OCR_TIME_LIMIT
            elif dpi is None:
                text, note = "", Note.IMAGE_TOO_LARGE
            else:
                text, note = _pdf_page(path, number, dpi, Path(workdir), deadline, limits)
            texts.append(text)
            notes.append(note)
            if sum(map(len, texts)) >= limits.text_chars:
                break
    return _finish(texts, notes, limits, len(sizes), time.monotonic() - started)


# --- the result -------------------------------------------------------------------------------

# When no page gave text, the file's note is the first of these found among its pages; when
# some did, `ocr_partial`.
NOTE_ORDER = (Note.OCR_TIME_LIMIT, Note.IMAGE_TOO_LARGE, Note.OCR_FAILED)


def _finish(texts: list[str], notes: list[str], limits: Limits, pages: int,
            seconds: float) -> Result:
    """One text for the file, its pages separated by a form feed (an empty page keeps its
    place, so that the n-th page is after the (n-1)-th form feed), capped at the text limit;
    its note says whether every page was read."""
    if not any(text.strip() for text in texts):
        note = next((code for code in NOTE_ORDER if code in notes), Note.OCR_NO_TEXT)
        return Result(note=note, pages=pages, seconds=seconds, page_notes=notes)
    text = PAGE_SEPARATOR.join(texts)
    if any(code in notes for code in NOTE_ORDER):
        note = Note.OCR_PARTIAL
    else:
        note = Note.TRUNCATED if len(text) > limits.text_chars else Note.NONE
    return Result(text=text[:limits.text_chars], note=note, pages=pages, seconds=seconds,
                  page_notes=notes)


def ocr_path(path: Path, mime_type: str, limits: Limits,
             own_pages: list[str] | None = None) -> Result:
    """The text of the scan at `path` (an image or a PDF), read by OCR under `limits`; for a
    PDF of typed and scanned pages, `own_pages` (see `ocr_pdf`)."""
    if engine_problem(limits.languages):
        return Result(note=Note.OCR_UNAVAILABLE)
    if mime_type == PDF:
        return ocr_pdf(path, limits, own_pages)
    if mime_type in IMAGE_TYPES:
        return ocr_image(path, limits)
    return Result(note=Note.NOT_SUPPORTED)


def children_peak_kb() -> int:
    """Peak resident memory of the largest child this process has waited for (kB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
