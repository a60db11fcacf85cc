#!/usr/bin/env python
"""Benchmark: server time of the two pages a quality manager opens most, on PostgreSQL.

Targets (issue 12, "Fast"): for a structure with 3 adopted referentials, 10,000 evidence items
and 20,000 links (the vault of bench/checklist.py), on PostgreSQL on this machine:

* the home of the structure (``GET /structures/<id>/``) and the ISO 9001 checklist page
  (``GET /checklists/<adoption id>/``) run the same number of SQL queries as with 10 items
  (also asserted in tests/core/test_pages.py);
* the median server time of each page at 10,000 items is at most 150 ms.

Both pages are requested through Django's test client (session login, every middleware,
template rendering, French), as a signed-in quality manager. The home reads the readiness the
workers stored (decision 0008), so the bench computes it first as the workers would, and gives
each adoption 90 days of daily snapshots for the trend; the checklist page is computed live.

Run by hand; the test suite runs only its small mode (``--small``: vaults of 10 and 100
items, a few runs, no target checked)::

    .venv/bin/python bench/pages.py [--small] [--sizes 10,10000] [--repeat 30] [--warmup 3]
                                    [--admin-url URL] [--days 90] [--seed N]
                                    [--quiet 0.3] [--quiet-timeout 600] [--profile] [--keep]

The script creates a throwaway PostgreSQL database (audit_prep_bench_<random>), migrates it,
imports the libraries, grows the vaults with bench/checklist.py's generator and drops the
database at the end (unless --keep). See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import pstats
import random
import sys

from checklist import (
    DEFAULT_LIBRARIES,
    DEFAULT_OWN_REQUIREMENTS,
    LIBRARIES,
    QUIET,
    TARGET_CODE,
    Timing,
    add_populations,
    grow_vault,
    import_libraries,
    make_structure,
    ms,
    note_backend_pid,
    percentile,
    timed,
)
from common import DEFAULT_ADMIN_URL, configure_django, log, machine_info, throwaway_database

MEDIAN_TARGET_MS = 150.0
MEMBERS = 500


def store_readiness(setup, days: int) -> None:
    """What the workers would have stored: the latest readiness of every adoption (the
    coalesced recomputation) and one daily snapshot per day over `days` days."""
    from django.utils import timezone

    from checklists.models import ReadinessSnapshot
    from checklists.services import readiness_state, snapshots

    readiness_state.mark_dirty(setup.organization.pk)
    readiness_state.recompute_dirty()
    today = timezone.localdate()
    history = []
    for adoption in setup.adoptions.values():
        latest = snapshots.take(None, adoption, today)
        for back in range(1, days):
            score = None if latest.score is None else max(0, latest.score - back // 3)
            history.append(ReadinessSnapshot(
                organization_id=latest.organization_id, referential_id=latest.referential_id,
                reference_date=today - datetime.timedelta(days=back), score=score,
                counts=latest.counts, chapters=latest.chapters, gates=latest.gates,
                statuses=latest.statuses))
    ReadinessSnapshot.objects.bulk_create(history, batch_size=2000)


def page_calls(setup) -> dict:
    """{page: call} for the structure's home and its ISO 9001 checklist page."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(setup.user)
    urls = {"home": f"/structures/{setup.organization.pk}/",
            "checklist": f"/checklists/{setup.adoptions[TARGET_CODE].pk}/"}

    def call(url):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: HTTP {response.status_code}")
        return response

    return {page: (lambda url=url: call(url)) for page, url in urls.items()}


def measure(setups: dict, args) -> dict:
    """{size: {page: Timing}}, the sizes taking turns page by page."""
    note_backend_pid()
    calls = {size: page_calls(setup) for size, setup in setups.items()}
    results: dict = {size: {} for size in setups}
    for page in ("home", "checklist"):
        for size in setups:
            gc.collect()
            results[size][page] = timed(calls[size][page], args.repeat, args.warmup,
                                        label=f"{page} {size}", progress=False)
    return results


def p95(timing: Timing) -> float:
    return percentile(timing.samples, 0.95)


def report(sizes: list[int], results: dict, args) -> bool:
    info = machine_info()
    day = datetime.datetime.now(datetime.UTC).date()
    print(f"\n## bench/pages.py ({day}; {info['nproc']} CPU {info['cpu']}, "
          f"{info['memory']}, Python {info['python']})\n")
    print("| page | evidence items | queries | median | p95 | min | other load |")
    print("|---|---|---|---|---|---|---|")
    for page in ("home", "checklist"):
        for size in sizes:
            t = results[size][page]
            print(f"| {page} | {size:,} | {t.queries} | {ms(t.median):.1f} ms | "
                  f"{ms(p95(t)):.1f} ms | {ms(t.low):.1f} ms | {t.other_load:.2f} CPU |")
    ok = True
    print()
    small, large = sizes[0], sizes[-1]
    for page in ("home", "checklist"):
        a, b = results[small][page], results[large][page]
        same = a.queries == b.queries
        fast = ms(b.median) <= MEDIAN_TARGET_MS
        ok = ok and same and fast
        print(f"{page}: queries {a.queries} at {small:,} and {b.queries} at {large:,} items: "
              f"{'PASS' if same else 'FAIL'}; median {ms(b.median):.1f} ms at {large:,} items "
              f"(target <= {MEDIAN_TARGET_MS:.0f} ms, ratio "
              f"{ms(b.median) / MEDIAN_TARGET_MS:.2f}; {large:,} / {small:,} items "
              f"{b.median / a.median:.2f}): "
              f"{'PASS' if fast else 'FAIL'}{' (small mode: not a target)' if args.small else ''}")
    return ok


def profile(setup, args) -> None:
    calls = page_calls(setup)
    for page, call in calls.items():
        call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            call()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(f"\n### cProfile of 5 requests of the {page} page\n\n{out.getvalue()}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="seconds, no target checked: vaults of 10 and 100 items, 3 runs, "
                        "no waiting for a quiet machine (the test suite runs this)")
    parser.add_argument("--sizes", default="10,10000", help="vault sizes, ascending (10,10000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per page (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up runs (3)")
    parser.add_argument("--days", type=int, default=90,
                        help="days of daily snapshots behind the trend (90)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL,
                        help="PostgreSQL URL used to create and drop the throwaway database "
                        f"({DEFAULT_ADMIN_URL})")
    parser.add_argument("--quiet", type=float, default=0.3,
                        help="wait until other processes use fewer CPUs than this before each "
                        "timed block (0.3; 0 = never)")
    parser.add_argument("--quiet-timeout", type=float, default=600,
                        help="longest wait for --quiet per block, in seconds (600)")
    parser.add_argument("--seed", type=int, default=20261205, help="random seed of the vault")
    parser.add_argument("--profile", action="store_true",
                        help="after measuring: cProfile of both pages at the largest size")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    if args.small:
        args.sizes, args.repeat, args.warmup, args.quiet, args.days = "10,100", 3, 1, 0, 10
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    if sizes != sorted(sizes) or len(sizes) < 2 or args.repeat < 3:
        parser.error("--sizes: two ascending sizes or more; --repeat: 3 or more")
    return args, sizes


def main(argv=None) -> int:
    args, sizes = parse_args(argv)
    QUIET.update(threshold=args.quiet, timeout=args.quiet_timeout)
    with throwaway_database(args.admin_url, keep=args.keep) as (database_url, data_dir):
        configure_django(database_url, data_dir)
        from django.utils import timezone

        referentials, library_rows = import_libraries(
            [LIBRARIES / library for library in DEFAULT_LIBRARIES])
        rng = random.Random(args.seed)
        setups = {}
        for size in sizes:
            setups[size] = make_structure(referentials, library_rows, DEFAULT_OWN_REQUIREMENTS)
            grow_vault(setups[size], 0, size, rng, timezone.localdate(), progress=False)
            add_populations(setups[size], min(MEMBERS, size), rng, timezone.localdate())
            store_readiness(setups[size], args.days)
            log(f"structure with {size:,} items ready")
        # A server process sets its start-up objects aside from the garbage collector
        # (docker/gunicorn.conf.py, post_worker_init); the vaults built above are the bench's
        # start-up, not garbage of the requests measured.
        gc.collect()
        gc.freeze()
        results = measure(setups, args)
        ok = report(sizes, results, args) or args.small
        if args.profile:
            profile(setups[sizes[-1]], args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
