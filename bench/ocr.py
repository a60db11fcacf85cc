#!/usr/bin/env python
"""Benchmark: OCR throughput in pages per minute and peak memory (issue 14, decision 0031).

Realistic scans are made first (not timed): A4 pages at ``--dpi`` (300) of French prose in
11-point DejaVu Sans drawn by Pillow (tests/scanmakers.py), wrapped into PDFs without a text
layer, and a phone photo of a certificate (JPEG, 4,000 x 3,000 pixels). Then each file is read
as the worker reads it (``evidence.ocr.ocr_path`` with the default limits: pdfinfo, then for
each page pdftoppm in grey and tesseract -l fra+eng, each child under a 1 GiB address space),
by ``--processes`` processes standing for worker processes, each reading its own PDF.

Printed: pages, wall time, pages per minute (all processes together, and per process), the CPU
seconds of the children, the children's peak resident memory (ru_maxrss of RUSAGE_CHILDREN:
the largest tesseract or pdftoppm) and the peak of the process that asked (ru_maxrss of
RUSAGE_SELF), and how many of the French words drawn were read back (a sanity check of the
text, accents included). No target: the issue asks for the figures.

    .venv/bin/python bench/ocr.py [--small] [--pages 30] [--processes 1] [--dpi 300]

``--small`` (run by the test suite): 2 pages at 150 dpi, one process. Nothing here needs Django,
a database or a broker; it needs tesseract (with its French data) and poppler.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import cpu_model, log, repo_on_path

repo_on_path()


def make_scans(workdir: Path, pages: int, processes: int, dpi: int, photo: bool) -> None:
    """One scanned PDF per process, the pages shared out among them, and the photo."""
    from tests import scanmakers

    counts = [pages // processes + (1 if n < pages % processes else 0) for n in range(processes)]
    for n, count in enumerate(counts):
        if count:
            scanmakers.make_scanned_pdf(workdir / f"scan-{n}.pdf", pages=count, dpi=dpi)
    if photo:
        scanmakers.make_scan_image(
            workdir / "photo.jpg", size=(4000, 3000), font_px=120, fmt="JPEG",
            lines=[*scanmakers.CERTIFICATE_LINES,
                   *scanmakers.wrap_lines(scanmakers.PARAGRAPH, 50)[:8]])


def make_scans_apart(workdir: Path, pages: int, processes: int, dpi: int, photo: bool) -> None:
    """`make_scans` in a process of its own: drawing 30 pages holds a few hundred MB, which
    this process (and the children it forks, whose ru_maxrss starts from their parent's
    resident size) must not carry into the figures."""
    subprocess.run([sys.executable, __file__, "--make-into", str(workdir), "--pages",
                    str(pages), "--processes", str(processes), "--dpi", str(dpi),
                    *(["--photo"] if photo else [])], check=True)


def words_of(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def expected_words() -> set[str]:
    from tests import scanmakers

    return words_of(scanmakers.PARAGRAPH)


def read(path: str) -> dict:
    """OCR one file as the worker does; what it cost this process and its children."""
    from evidence import ocr

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    mime = ocr.PDF if path.endswith(".pdf") else ocr.JPEG
    result = ocr.ocr_path(Path(path), mime, ocr.Limits())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"pages": result.pages or 0, "note": result.note, "seconds": result.seconds,
            "children_cpu": (after.ru_utime + after.ru_stime)
            - (before.ru_utime + before.ru_stime),
            "children_peak_kb": after.ru_maxrss,
            "self_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "found": len(words_of(result.text) & expected_words()),
            "expected": len(expected_words())}


def run(paths: list[Path], processes: int) -> tuple[list[dict], float]:
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(processes, maxtasksperchild=1) as pool:
        results = pool.map(read, [str(path) for path in paths])
    return results, time.monotonic() - started


def report(label: str, results: list[dict], wall: float, processes: int) -> None:
    pages = sum(result["pages"] for result in results)
    print(f"\n{label}")
    print(f"  pages {pages} in {wall:.1f} s by {processes} process(es): "
          f"{pages / wall * 60:.1f} pages/min ({pages / wall * 60 / processes:.1f} per process)")
    print(f"  children CPU {sum(r['children_cpu'] for r in results):.1f} s "
          f"({sum(r['children_cpu'] for r in results) / max(pages, 1):.2f} s per page)")
    print(f"  peak memory: children {max(r['children_peak_kb'] for r in results) / 1024:.1f} MB, "
          f"the process that asked {max(r['self_peak_kb'] for r in results) / 1024:.1f} MB")
    print(f"  notes {sorted({r['note'] for r in results})}; French words read back "
          f"{min(r['found'] / r['expected'] for r in results):.0%} (worst file)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="2 pages at 150 dpi, no target")
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--make-into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--photo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_into:
        make_scans(args.make_into, args.pages, args.processes, args.dpi, args.photo)
        return 0
    if args.small:
        args.pages, args.processes, args.dpi = 2, 1, 150

    from evidence import ocr

    problem = ocr.engine_problem()
    if problem:
        print(f"OCR engine missing: {problem}", file=sys.stderr)
        return 1
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        load = loadavg.read().split()[:3]
    print(f"machine: {cpu_model()}, {multiprocessing.cpu_count()} CPUs, load {' '.join(load)}, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        workdir = Path(tmp)
        log(f"making {args.pages} A4 pages at {args.dpi} dpi")
        make_scans_apart(workdir, args.pages, args.processes, args.dpi, not args.small)
        results, wall = run(sorted(workdir.glob("scan-*.pdf")), args.processes)
        report(f"scanned PDFs, A4 at {args.dpi} dpi, French text", results, wall,
               args.processes)
        if not args.small:
            results, wall = run([workdir / "photo.jpg"], 1)
            report("phone photo of a certificate, JPEG 4,000 x 3,000 (12 Mpixel)", results,
                   wall, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
