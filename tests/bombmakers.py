"""Makers of hostile documents: small files that make a reader do huge work.

Each is first written by the real library of its format (odfpy, python-docx, openpyxl, pypdf,
fpdf2), then one part is replaced by a hostile one, streamed through zlib so that making it
costs little memory. They are committed under tests/corpus/bad/ by :func:`write_bomb_corpus`
(see tests/corpus/README.md); unlike the other bad files they must be ACCEPTED: the file is
fine as stored evidence, only its text is not extracted (decision 0018).

    .venv/bin/python -c "import sys; sys.path.insert(0, 'tests'); import bombmakers; \\
        bombmakers.write_bomb_corpus()"
"""

from __future__ import annotations

import re
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

from tests import filemakers

CHUNK_REPEAT = 8192


def _replace_parts(source: Path, target: Path, parts: dict) -> Path:
    """Copy the zip package `source` to `target` with `parts` (name -> iterable of bytes,
    streamed and deflated at level 9) replacing or joining its own."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(
            target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        names = [info.filename for info in old.infolist()]
        for info in old.infolist():
            if info.filename not in parts:
                new.writestr(info, old.read(info.filename))
        for name in [name for name in names if name in parts] + [
                name for name in parts if name not in names]:
            fresh = zipfile.ZipInfo(name, date_time=(2026, 12, 5, 8, 0, 0))
            fresh.compress_type = zipfile.ZIP_DEFLATED
            with new.open(fresh, "w", force_zip64=True) as out:
                for piece in parts[name]:
                    out.write(piece)
    return target


def _replace_part(source: Path, target: Path, part: str, pieces) -> Path:
    return _replace_parts(source, target, {part: pieces})


def _repeat(unit: bytes, count: int):
    """`unit` `count` times, in pieces of CHUNK_REPEAT units."""
    block = unit * CHUNK_REPEAT
    full, rest = divmod(count, CHUNK_REPEAT)
    for _ in range(full):
        yield block
    yield unit * rest


def _with_source(path: Path, maker, replace):
    path = filemakers._prepare(path)
    source = path.with_name(path.name + ".source")
    try:
        maker(source)
        return replace(source, path)
    finally:
        source.unlink(missing_ok=True)


def make_odt_empty_paragraphs(path, paragraphs: int = 1_600_000) -> Path:
    """The ODT of issue 11: an odfpy document whose content.xml holds `paragraphs` empty
    paragraphs (1.6 million: about 71 kB zipped, 14.4 MB of XML)."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content'
            b' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
            b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
            b' office:version="1.2"><office:body><office:text>')
    tail = b"</office:text></office:body></office:document-content>"

    def pieces():
        yield head
        yield from _repeat(b"<text:p/>", paragraphs)
        yield tail

    return _with_source(Path(path), filemakers.make_odt,
                        lambda source, target: _replace_part(source, target, "content.xml",
                                                             pieces()))


_WORD_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
              b'main"><w:body>')
_WORD_TAIL = b"<w:p><w:r><w:t>Fin</w:t></w:r></w:p></w:body></w:document>"


def make_docx_zip_bomb(path, megabytes: int = 64) -> Path:
    """A python-docx document whose word/document.xml inflates to `megabytes` MB of empty
    paragraphs (about 120 kB zipped: a ratio above 500; 11 million elements)."""
    count = megabytes * 1024 * 1024 // len(b"<w:p/>")

    def pieces():
        yield _WORD_HEAD
        yield from _repeat(b"<w:p/>", count)
        yield _WORD_TAIL

    return _with_source(Path(path), filemakers.make_docx,
                        lambda source, target: _replace_part(source, target,
                                                             "word/document.xml", pieces()))


def make_docx_entity_bomb(path, levels: int = 10) -> Path:
    """A python-docx document whose word/document.xml declares "billion laughs" entities:
    each of `levels` entities is ten of the previous one, the text names the last (10**10
    copies of "lol" if a parser expanded it)."""
    entities = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10)
        for level in range(1, levels)]
    document = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b"<!DOCTYPE w:document [" + b"".join(entities) + b"]>"
                + _WORD_HEAD.split(b"\n", 1)[1]
                + b"<w:p><w:r><w:t>&lol%d;</w:t></w:r></w:p>" % (levels - 1) + _WORD_TAIL)
    return _with_source(Path(path), filemakers.make_docx,
                        lambda source, target: _replace_part(source, target,
                                                             "word/document.xml", [document]))


_SHARED_STRINGS_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
_SHARED_STRINGS_RELATIONSHIP = (
    b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'sharedStrings" Target="sharedStrings.xml" Id="rIdStrings"/>')


def make_xlsx_huge_shared_strings(path, megabytes: int = 40) -> Path:
    """An openpyxl workbook given a shared-strings table (openpyxl writes inline strings) that
    inflates to `megabytes` MB: 2.5 million one-letter strings, about 100 kB zipped. Its one
    row names the first two strings; the part's relationship and content type are declared."""
    unit = b"<si><t>A</t></si>"
    count = megabytes * 1024 * 1024 // len(unit)

    def strings():
        yield (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
               b'schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
               b'uniqueCount="%d">' % (count, count))
        yield from _repeat(unit, count)
        yield b"</sst>"

    def make_source(source):
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.active.title = "Indicateurs"
        workbook.active.append(["Indicateur", "Cible"])
        workbook.save(str(source))
        return source

    def rewrite(source, target):
        with zipfile.ZipFile(source) as package:
            types = package.read("[Content_Types].xml")
            relationships = package.read("xl/_rels/workbook.xml.rels")
            sheet = package.read("xl/worksheets/sheet1.xml")
        sheet = re.sub(rb'<c r="([A-Z]+1)" t="inlineStr"><is><t>[^<]*</t></is></c>',
                       lambda match, index=iter(range(2)): b'<c r="%s" t="s"><v>%d</v></c>' % (
                           match.group(1), next(index)), sheet)
        return _replace_parts(source, target, {
            "[Content_Types].xml": [types.replace(b"</Types>", _SHARED_STRINGS_TYPE + b"</Types>")],
            "xl/_rels/workbook.xml.rels": [relationships.replace(
                b"</Relationships>", _SHARED_STRINGS_RELATIONSHIP + b"</Relationships>")],
            "xl/worksheets/sheet1.xml": [sheet],
            "xl/sharedStrings.xml": strings(),
        })

    return _with_source(Path(path), make_source, rewrite)


def make_png_huge_pixels(path, side: int = 20_000) -> Path:
    """A complete, valid 1-bit grey PNG of `side` x `side` pixels (400 million: Pillow's
    decompression-bomb check refuses it), all black, about 50 kB: IHDR, one zlib stream of the
    rows in IDAT chunks, IEND, each with its CRC."""
    path = filemakers._prepare(path)
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte, then the packed pixels

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    compressor = zlib.compressobj(9)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)))
        for start in range(0, side, 1000):
            data = compressor.compress(row * min(1000, side - start))
            if data:
                out.write(chunk(b"IDAT", data))
        out.write(chunk(b"IDAT", compressor.flush()))
        out.write(chunk(b"IEND", b""))
    return path


def make_pdf_huge_content_stream(path, megabytes: int = 64) -> Path:
    """An fpdf2 PDF whose page content, rewritten by pypdf, is one Flate stream inflating to
    `megabytes` MB of drawing operators (about 65 kB zipped; pypdf's own bound is 75 MB)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    path = filemakers._prepare(path)
    source = path.with_name(path.name + ".source")
    try:
        filemakers.make_pdf(source)
        writer = PdfWriter(clone_from=PdfReader(source))
        operators = b"0 0 m 1 1 l S\n"
        content = DecodedStreamObject()
        content.set_data(operators * (megabytes * 1024 * 1024 // len(operators)))
        page = writer.pages[0]
        page[NameObject("/Contents")] = writer._add_object(content.flate_encode(level=9))
        with open(path, "wb") as out:
            writer.write(out)
    finally:
        source.unlink(missing_ok=True)
    return path


# File name -> (maker, the note its text gets).
BOMB_CORPUS = {
    "bomb_empty_paragraphs.odt": (make_odt_empty_paragraphs, "compression_ratio"),
    "bomb_zip.docx": (make_docx_zip_bomb, "compression_ratio"),
    "bomb_entities.docx": (make_docx_entity_bomb, "xml_entities"),
    "bomb_shared_strings.xlsx": (make_xlsx_huge_shared_strings, "compression_ratio"),
    "bomb_pixels.png": (make_png_huge_pixels, "not_supported"),
    "bomb_content_stream.pdf": (make_pdf_huge_content_stream, "part_too_large"),
}


def write_bomb_corpus(directory=filemakers.BAD_CORPUS_DIR) -> list[Path]:
    """(Re)write every hostile document into `directory`; returns their paths."""
    directory = Path(directory)
    return [maker(directory / name) for name, (maker, _) in BOMB_CORPUS.items()]


def copy_bomb(name: str, target: Path) -> Path:
    """A copy of a committed hostile document."""
    return Path(shutil.copyfile(filemakers.BAD_CORPUS_DIR / name, target))
