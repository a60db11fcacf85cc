"""Makers of real scans (decision 0031): French text drawn by Pillow with the DejaVu fonts into
images, and images wrapped into a PDF that has no text layer, as a scanner makes it.

    make_scan_image   a certificate-like page (PNG or JPEG) with the lines given
    make_scanned_pdf  a PDF of A4 pages at `dpi`, each one image, no text
    make_truncated_jpeg, make_encrypted_scan, make_unrenderable_pdf: bad scans

Pillow and pypdf are test dependencies: imported inside each maker.
"""

from __future__ import annotations

from pathlib import Path

from tests.filemakers import _prepare

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
A4_INCHES = (8.27, 11.69)

CERTIFICATE_LINES = (
    "ATTESTATION DE FORMATION",
    "Sauveteur secouriste du travail",
    "Délivrée à Hélène Dupré",
    "le 14 mars 2025 à Besançon",
)

PARAGRAPH = (
    "La direction s'engage à améliorer en continu la qualité de l'accompagnement des salariés "
    "en insertion. Chaque réclamation est enregistrée, analysée et traitée sous quinze jours ; "
    "les actions correctives sont suivies en revue de direction. Les compétences des "
    "encadrants techniques sont évaluées chaque année et les habilitations vérifiées avant "
    "toute mise en situation de travail. Les fournisseurs sont évalués selon la procédure "
    "d'achats responsables."
)


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(FONT, size)


def draw_page(lines, size: tuple[int, int], font_px: int):
    """A white grey-scale page with `lines` of black text, one under the other."""
    from PIL import Image, ImageDraw

    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = _font(font_px)
    margin = size[0] // 12
    y = margin
    for line in lines:
        draw.text((margin, y), line, font=font, fill=0)
        y += int(font_px * 1.6)
    return page


def make_scan_image(path, lines=CERTIFICATE_LINES, size: tuple[int, int] = (1700, 1100),
                    font_px: int = 56, fmt: str = "PNG") -> Path:
    """A scanned certificate: `lines` drawn on a page of `size` pixels, saved as PNG or JPEG."""
    path = _prepare(path)
    page = draw_page(lines, size, font_px)
    if fmt == "JPEG":
        page.convert("RGB").save(path, format="JPEG", quality=90)
    else:
        page.save(path, format="PNG")
    return path


def wrap_lines(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def a4_text_lines(number: int) -> list[str]:
    """About 30 lines of French prose for page `number`, its title naming the page."""
    return [f"Manuel qualité — page {number}", "", *wrap_lines(PARAGRAPH * 3, 70)[:30]]


def make_scanned_pdf(path, pages: int = 2, dpi: int = 300, lines_of=a4_text_lines) -> Path:
    """A PDF of `pages` A4 pages, each one grey image at `dpi` of `lines_of(number)`, and no
    text layer: what a scanner or a phone's scanning app produces (Pillow's PDF writer)."""
    path = _prepare(path)
    size = (int(A4_INCHES[0] * dpi), int(A4_INCHES[1] * dpi))
    font_px = dpi * 11 // 72  # 11-point text
    images = [draw_page(lines_of(number), size, font_px) for number in range(1, pages + 1)]
    images[0].save(path, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return path


def make_truncated_jpeg(path) -> Path:
    """A scanned certificate as JPEG, cut in the middle of its compressed data."""
    path = make_scan_image(path, fmt="JPEG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def make_encrypted_scan(path, user_password: str = "secret") -> Path:
    """A scanned PDF encrypted by pypdf with a user password (AES-256)."""
    from pypdf import PdfWriter

    source = make_scanned_pdf(path.with_name("clear-scan.pdf"), pages=1, dpi=100)
    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    with open(path, "wb") as out:
        writer.write(out)
    return path


def make_unrenderable_pdf(path) -> Path:
    """A PDF header, 5,000 bytes of noise and an end-of-file marker: accepted at upload (its
    type and its end are a PDF's), unreadable by pypdf, and poppler's tools give up on it
    ("Couldn't read xref table")."""
    import random

    path = _prepare(path)
    noise = random.Random(31).randbytes(5000)
    path.write_bytes(b"%PDF-1.4\n" + noise + b"\n%%EOF\n")
    return path


ATTENDANCE_LINES = ("Feuille d'émargement", "Formation gestes et postures, 12 mars 2026",
                    "Présents : Mathilde Roussel, Karim Benali, Odile Ferrand",
                    "Signature de la formatrice : Odile Ferrand")


def make_partly_scanned_pdf(path, typed_text: str, lines=ATTENDANCE_LINES, dpi: int = 200) -> Path:
    """A PDF of one typed page (`typed_text`, a real text layer written by fpdf2) followed by
    one scanned page of `lines` (an image, no text): a procedure and its signed attendance
    sheet put together by a scanner's software."""
    from fpdf import FPDF
    from pypdf import PdfWriter

    path = _prepare(path)
    typed = FPDF()
    typed.set_font("Helvetica", size=12)
    typed.add_page()
    typed.multi_cell(0, 8, typed_text)
    typed_path = path.with_name(path.stem + "-typed.pdf")
    typed.output(str(typed_path))
    scanned_path = make_scanned_pdf(path.with_name(path.stem + "-scanned.pdf"), pages=1, dpi=dpi,
                                    lines_of=lambda _number: list(lines))
    writer = PdfWriter()
    writer.append(str(typed_path))
    writer.append(str(scanned_path))
    with open(path, "wb") as handle:
        writer.write(handle)
    typed_path.unlink()
    scanned_path.unlink()
    return path
