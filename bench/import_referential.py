#!/usr/bin/env python
"""Benchmark: import of the ISO 9001:2015 referential library (91 nodes) into a fresh database.

Target: the import (``manage.py import_referential``: reading, validating and writing) takes
well under 2 s. Measured in-process, median of N runs each:

* first import: into a database holding no referential (the imported rows are deleted,
  untimed, between runs);
* second import of the same file right after: must report "no change" and write nothing.

Run by hand; the test suite runs only its small mode (``--small``: one run, no target
checked)::

    .venv/bin/python bench/import_referential.py [--small] [--repeat 5] [--database-url URL]
                                                 [--file PATH] [--keep] [--workdir DIR]

Without --database-url the database is a new SQLite file in a temporary DATA_DIR. With it,
the database must be migratable and must not hold the benchmarked referential already (the
script refuses to touch existing data).
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from pathlib import Path

from common import REPO, django_env, log, migrate, setup_django, temporary_data_dir

DEFAULT_FILE = REPO / "checklists" / "libraries" / "iso9001-2015.yaml"
TARGET_SECONDS = 2.0


def import_once(file: Path) -> tuple[float, str, int]:
    """One timed `import_referential`: (seconds, its output, write statements)."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        call_command("import_referential", str(file), stdout=out)
        elapsed = time.perf_counter() - start
    writes = sum(
        1 for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    )
    return elapsed, out.getvalue().strip(), writes


def forget(urn: str) -> None:
    """Untimed: back to a database without the referential."""
    from django.db import transaction

    from checklists.models import Referential, Requirement

    with transaction.atomic():
        rows = Requirement.objects.filter(referential__urn=urn)
        rows.update(parent=None)
        rows.delete()
        Referential.objects.filter(urn=urn).delete()


def run(args: argparse.Namespace, data_dir: Path) -> bool:
    env = django_env(data_dir, args.database_url)
    log(f"migrating a fresh database ({'DATABASE_URL' if args.database_url else data_dir})")
    migrate(env)
    setup_django(env)
    from checklists.library import load_library
    from checklists.models import Referential

    urn = load_library(args.file).urn
    if Referential.objects.filter(urn=urn).exists():
        log(f"{urn} is already in this database: use an empty database")
        return False

    first, second = [], []
    ok = True
    for attempt in range(1, args.repeat + 1):
        seconds, output, writes = import_once(args.file)
        first.append(seconds)
        log(f"run {attempt}: first import {seconds:.3f} s, {writes} write statements: {output}")
        seconds, output, writes = import_once(args.file)
        second.append(seconds)
        log(f"run {attempt}: second import {seconds:.3f} s, {writes} write statements: {output}")
        if not output.endswith(": no change") or writes:
            log("second import changed something: FAIL")
            ok = False
        forget(urn)
    return report(args, first, second, ok)


def report(args: argparse.Namespace, first: list[float], second: list[float], ok: bool) -> bool:
    """Print the figures; True when the target is met."""
    from django.db import connection

    from checklists.library import load_library

    nodes = len(load_library(args.file).nodes)
    start = time.perf_counter()
    load_library(args.file)
    parse = time.perf_counter() - start

    first_median, second_median = statistics.median(first), statistics.median(second)
    shown = args.file.relative_to(REPO) if args.file.is_relative_to(REPO) else args.file
    where = "(DATABASE_URL)" if args.database_url else "(temporary SQLite file)"
    print(f"file:            {shown} ({nodes} nodes)")
    print(f"database:        {connection.vendor} {where}")
    print(f"machine:         {platform.machine()}, Python {platform.python_version()}")
    print(f"parse+validate:  {parse:.3f} s (one run)")
    print(f"first import:    median {first_median:.3f} s of {args.repeat} "
          f"(min {min(first):.3f}, max {max(first):.3f})")
    print(f"second import:   median {second_median:.3f} s of {args.repeat} "
          f"(min {min(second):.3f}, max {max(second):.3f}), no change, no write SQL: "
          f"{'yes' if ok else 'NO'}")
    if args.small:
        print("target:          not checked (small mode)")
        return ok
    print(f"target:          < {TARGET_SECONDS:.1f} s each")
    passed = ok and first_median < TARGET_SECONDS and second_median < TARGET_SECONDS
    print(f"result:          {'PASS' if passed else 'FAIL'}")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="one run of each import, no target checked")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each import (5)")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE,
                        help="library file (default: the ISO 9001:2015 library)")
    parser.add_argument("--database-url", help="DATABASE_URL to use (default: SQLite in a "
                        "temporary DATA_DIR); it must not hold the referential already")
    parser.add_argument("--keep", action="store_true", help="keep the temporary DATA_DIR")
    parser.add_argument("--workdir", help="parent of the temporary DATA_DIR (default: the "
                        "system temporary directory)")
    args = parser.parse_args()
    if args.small:
        args.repeat = 1
    args.file = args.file.resolve()
    with temporary_data_dir("audit-prep-bench-", workdir=args.workdir,
                            keep=args.keep) as data_dir:
        return 0 if run(args, data_dir) else 1


if __name__ == "__main__":
    sys.exit(main())
