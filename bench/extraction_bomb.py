#!/usr/bin/env python
"""Benchmark: memory held while extracting the text of hostile documents, and the time the
isolation costs on normal ones (issue 11, decision 0018).

* **bombs**: each hostile document of tests/corpus/bad/ (``bomb_*``) is extracted the way the
  verification worker does it (``evidence.isolated_extraction.extract`` with the default limits:
  16 MiB per part, a 256 MiB address space, 30 s), from a fresh Python process standing for the
  worker. Printed: the note, the wall time, the child's peak resident memory (VmHWM, counted from
  its fork: what the extraction itself touched) and the "worker" process's peak (ru_maxrss of
  the process that asked, which holds the result). Target: both under 300 MB. The time leaves
  out the extraction server's start (about 0.5 s, once per worker process).
* **normal files**: a 20-page PDF (fpdf2) and a 20-page DOCX (python-docx, 800 paragraphs),
  median of ``--repeat`` extractions, in the worker's own process (``text_extraction.extract``,
  the streaming readers without a child) and isolated (through the extraction server's child, as the
  worker does): the difference is the price of the isolation.

Run by hand; the test suite runs only its small mode (``--small``: the ODT bomb and a 2-page
PDF, one round, no target checked)::

    .venv/bin/python bench/extraction_bomb.py [--small] [--repeat 7]

Nothing here needs Django, a database or a broker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, cpu_model, log, repo_on_path

repo_on_path()
BAD = REPO / "tests" / "corpus" / "bad"
BUDGET_KB = 300 * 1024
MIME = {".odt": "application/vnd.oasis.opendocument.text",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".pdf": "application/pdf", ".png": "image/png"}


def cpu_seconds() -> float:
    """CPU time of this process, plus that of the extraction children its server reaped (a
    loaded machine delays a hand-over to another process; CPU time is what it costs)."""
    from evidence import isolated_extraction

    usage = resource.getrusage(resource.RUSAGE_SELF)
    total = usage.ru_utime + usage.ru_stime
    server = isolated_extraction._server
    if server is not None:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return total


def extract_once(path: Path, isolated: bool) -> dict:
    """Extract `path` in this process (standing for the worker); the figures as a dict."""
    from evidence import isolated_extraction, text_extraction
    from evidence.extracted import Limits

    mime_type = MIME[path.suffix]
    started, cpu = time.perf_counter(), cpu_seconds()
    with open(path, "rb") as handle:
        if isolated:
            extraction = isolated_extraction.extract(handle, mime_type, Limits(), 256 << 20, 30)
        else:
            extraction = text_extraction.extract(handle, mime_type, Limits())
    return {"note": extraction.note, "chars": len(extraction.text),
            "seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu,
            "child_peak_kb": extraction.peak_kb,
            "worker_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def in_fresh_process(path: Path) -> dict:
    """`extract_once(path, isolated=True)` in a new Python process, so that its peak memory is
    the extraction's alone."""
    output = subprocess.run([sys.executable, __file__, "--one", str(path)], cwd=REPO,
                            capture_output=True, text=True, check=True, timeout=300)
    return json.loads(output.stdout)


def bombs(small: bool) -> list[tuple[str, dict]]:
    names = ["bomb_empty_paragraphs.odt"] if small else sorted(
        path.name for path in BAD.glob("bomb_*"))
    results = []
    for name in names:
        log(f"bomb {name}")
        results.append((name, in_fresh_process(BAD / name)))
    return results


def normal_files(small: bool, repeat: int, workdir: Path) -> list[tuple]:
    from tests import filemakers

    pages = 2 if small else 20
    files = [filemakers.make_pdf(workdir / "rapport.pdf", pages=pages)]
    if not small:
        files.append(filemakers.make_docx(workdir / "rapport.docx", paragraphs=40 * pages))
    rows = []
    for path in files:
        extract_once(path, isolated=False)  # imports the parsers in this process
        extract_once(path, isolated=True)  # starts the extraction server: once per worker
        here = [extract_once(path, isolated=False) for _ in range(repeat)]
        child = [extract_once(path, isolated=True) for _ in range(repeat)]
        rows.append((path.name, *(statistics.median(run[key] for run in runs)
                                  for key in ("seconds", "cpu") for runs in (here, child))))
    return rows


def report(bomb_rows, normal_rows, small: bool) -> int:
    print(f"# extraction_bomb ({'small' if small else 'full'}) on {cpu_model()}, "
          f"Python {platform.python_version()}")
    print(f"{'bomb':30} {'size kB':>8} {'note':18} {'time s':>7} {'child MB':>9} "
          f"{'worker MB':>10}")
    over = 0
    for name, row in bomb_rows:
        child = row["child_peak_kb"]
        worker = row["worker_peak_kb"]
        over += max(child or 0, worker) >= BUDGET_KB
        print(f"{name:30} {(BAD / name).stat().st_size / 1000:8.0f} {row['note']:18} "
              f"{row['seconds']:7.2f} {(child or 0) / 1024:9.1f} {worker / 1024:10.1f}")
    print(f"\n{'normal file':14} {'wall: in-process s':>19} {'isolated s':>11} "
          f"{'CPU: in-process s':>18} {'isolated s':>11}")
    for name, here, child, here_cpu, child_cpu in normal_rows:
        print(f"{name:14} {here:19.3f} {child:11.3f} {here_cpu:18.3f} {child_cpu:11.3f}")
    if small:
        return 0
    print(f"\npeak memory of child and worker under {BUDGET_KB // 1024} MB for every bomb: "
          f"{'FAIL' if over else 'PASS'}")
    return 1 if over else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="one bomb and a 2-page PDF, one round, no target (for the tests)")
    parser.add_argument("--repeat", type=int, default=7, help="extractions per normal file")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        with tempfile.NamedTemporaryFile(suffix=".txt") as warmup:
            warmup.write(b"server start")
            warmup.flush()
            from evidence import isolated_extraction
            from evidence.extracted import Limits

            isolated_extraction.extract(warmup, "text/plain", Limits(), 256 << 20, 30)
        print(json.dumps(extract_once(args.one, isolated=True)))
        return 0
    bomb_rows = bombs(args.small)
    with tempfile.TemporaryDirectory(prefix="bench-extraction-") as workdir:
        normal_rows = normal_files(args.small, 1 if args.small else args.repeat, Path(workdir))
    return report(bomb_rows, normal_rows, args.small)


if __name__ == "__main__":
    sys.exit(main())
