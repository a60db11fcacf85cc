#!/usr/bin/env python
"""Benchmark: the expiry refresh over 1,000,000 evidence items on PostgreSQL.

Targets (from the issue), measured in the same run:

* `evidence.expiry.refresh()` takes at most 2x the time of ONE hand-written SQL UPDATE doing the
  same marking (a CASE over the per-structure windows);
* the worker process running it peaks at most 200 MB of resident memory (VmHWM).

Run by hand, not part of the test suite::

    .venv/bin/python bench/expiry.py [--rows 1000000] [--structures 20] [--repeat 3]
                                     [--admin-url postgres://postgres@127.0.0.1:5432/postgres]
                                     [--keep]

The script creates a throwaway PostgreSQL database (audit_prep_bench_expiry_<random>), migrates
it, fills it with INSERT ... SELECT generate_series, measures, and drops it at the end (unless
--keep). See bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    DEFAULT_ADMIN_URL,
    REPO,
    SCRUBBED_ENV,
    create_database,
    django_env,
    drop_database,
    log,
    mem_total_kib,
    migrate,
    proc_value,
    redact,
    repo_on_path,
    with_database,
)

RATIO_TARGET = 2.0
RSS_TARGET_MB = 200.0
TABLE = "evidence_evidenceitem"
# Windows of the structures' reminder policies, in turn; None: no policy (default, 30 days).
POLICY_CYCLE = (None, 60, 15, 30, None, 90, 7, None)

# One statement doing the same marking as evidence.expiry.refresh(): the state every
# non-archived row should have, written only where it differs (so it writes the same rows).
TARGET_STATE = """CASE
        WHEN e.valid_until IS NULL THEN ''
        WHEN e.valid_until < %(today)s THEN 'expired'
        WHEN e.valid_until <= %(today)s + w.days THEN 'expiring'
        ELSE 'valid' END"""
HAND_WRITTEN_UPDATE = f"""
UPDATE {TABLE} AS e SET expiry_state = {TARGET_STATE}
FROM (SELECT o.id, COALESCE(p.warning_days, %(default)s) AS days
        FROM audit_prep_organization o
        LEFT JOIN workers_reminderpolicy p ON p.organization_id = o.id) AS w
WHERE w.id = e.organization_id AND e.status <> 'archived'
  AND e.expiry_state IS DISTINCT FROM ({TARGET_STATE})
"""


def status_kib(field: str, pid: str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def worker_env(database_url: str, data_dir: Path) -> dict:
    # debug=False: as a production worker, no query log kept in memory.
    return django_env(data_dir, database_url, scrub=(*SCRUBBED_ENV, "PYTHONTRACEMALLOC"),
                      debug=False, CELERY_BROKER_URL="memory://", LOG_LEVEL="WARNING",
                      PYTHONUNBUFFERED="1")


# ------------------------------------------------------------------- the worker (subprocess)


def child(today: datetime.date) -> None:
    """Runs in a fresh process, like a Celery worker: set Django up, connect, then time one
    refresh and one re-run (which must change nothing); print the figures as JSON."""
    repo_on_path()
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evidence import expiry

    connection.ensure_connection()
    rss_ready = status_kib("VmRSS")
    start = time.perf_counter()
    changed = expiry.refresh(today)
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give them
        cursor.execute(f"ANALYZE {TABLE}")
    start = time.perf_counter()
    rerun = expiry.refresh(today)
    rerun_seconds = time.perf_counter() - start
    with CaptureQueriesContext(connection) as queries:
        expiry.refresh(today)
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    print("BENCH_CHILD " + json.dumps({
        "seconds": seconds, "changed": changed, "rerun_seconds": rerun_seconds,
        "rerun_changed": rerun, "rss_ready_kib": rss_ready, "hwm_kib": status_kib("VmHWM"),
        "statements": len(statements), "verbs": statements,
        "updates": sum(1 for verb in statements if verb == "UPDATE"),
    }))


def run_child(env: dict, today: datetime.date) -> dict:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", today.isoformat()],
        env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"refresh process failed:\n{result.stderr}")
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("BENCH_CHILD "))
    return json.loads(line.removeprefix("BENCH_CHILD "))


# ------------------------------------------------------------------------------------- setup


def prepare(env: dict, rows: int, structures: int, today: datetime.date) -> dict:
    """Migrate, then create a user, the structures, their policies and `rows` evidence items
    (valid_until spread from 2 years ago to 2 years ahead, 10% without end, 2% archived)."""
    import psycopg

    started = time.perf_counter()
    migrate(env)
    log(f"migrated in {time.perf_counter() - started:.1f} s")
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)) as conn:
        user_id = conn.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) VALUES ('!', false, %s, '', '', '', false, "
            "true, now()) RETURNING id", [f"bench-{secrets.token_hex(4)}"]).fetchone()[0]
        org_ids = []
        for n in range(structures):
            org_ids.append(conn.execute(
                "INSERT INTO audit_prep_organization (name, slug, siret, kind, region, "
                "created_at) VALUES (%s, %s, '', 'ai', '', now()) RETURNING id",
                [f"Structure {n}", f"bench-{secrets.token_hex(4)}-{n}"]).fetchone()[0])
            window = POLICY_CYCLE[n % len(POLICY_CYCLE)]
            if window is not None:
                conn.execute(
                    "INSERT INTO workers_reminderpolicy (organization_id, lead_days, "
                    "overdue_weekly, escalate_after_days, warning_days) "
                    "VALUES (%s, '[60, 30, 7, 0]', true, 14, %s)", [org_ids[-1], window])
        started = time.perf_counter()
        conn.execute(f"""
            INSERT INTO {TABLE} (organization_id, title, description, kind, status,
                effective_date, valid_until, expiry_state, archive_reason, archived_at,
                created_by_id, created_at, updated_at)
            SELECT (%(orgs)s::bigint[])[1 + i %% %(n_orgs)s], 'Preuve ' || i, '',
                   CASE WHEN i %% 2 = 0 THEN 'document' ELSE 'record' END,
                   CASE WHEN i %% 50 = 7 THEN 'archived' ELSE 'draft' END,
                   DATE '2020-01-01',
                   CASE WHEN i %% 10 = 3 THEN NULL
                        ELSE %(today)s + ((i::bigint * 7919) %% 1461 - 730)::int END,
                   '', '', CASE WHEN i %% 50 = 7 THEN now() END,
                   %(user)s, now(), now()
            FROM generate_series(1, %(rows)s) AS i
        """, {"orgs": org_ids, "n_orgs": len(org_ids), "today": today, "user": user_id,
              "rows": rows})
        conn.commit()
        log(f"inserted {rows:,} evidence items in {time.perf_counter() - started:.1f} s")
        windows = sorted({w for w in POLICY_CYCLE[:structures] if w is not None} | {30})
        size = conn.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{TABLE}'))"
                            ).fetchone()[0]
        version = conn.execute("SHOW server_version").fetchone()[0]
    return {"windows": windows, "table_size": size, "server_version": version}


def maintenance(conn_url: str, reset: bool) -> None:
    """Optionally put every row back in state "", then VACUUM ANALYZE and CHECKPOINT, so that
    each measured step starts from the same table (no dead rows, fresh statistics, no pending
    write-back)."""
    import psycopg

    with psycopg.connect(conn_url, autocommit=True) as conn:
        if reset:
            conn.execute(f"UPDATE {TABLE} SET expiry_state = '' WHERE expiry_state <> ''")
        conn.execute(f"VACUUM ANALYZE {TABLE}")
        conn.execute("CHECKPOINT")


def wal_lsn(conn_url: str) -> str:
    import psycopg

    with psycopg.connect(conn_url, autocommit=True) as conn:
        return str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])


def wal_mib_since(conn_url: str, lsn: str) -> float:
    import psycopg

    with psycopg.connect(conn_url, autocommit=True) as conn:
        return conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)",
                            [lsn]).fetchone()[0] / 2**20


def run_sql(conn_url: str, today: datetime.date, default_window: int) -> dict:
    import psycopg

    params = {"today": today, "default": default_window}
    with psycopg.connect(conn_url) as conn:
        conn.execute("SELECT 1")
        start = time.perf_counter()
        changed = conn.execute(HAND_WRITTEN_UPDATE, params).rowcount
        conn.commit()
        seconds = time.perf_counter() - start
        conn.execute(f"ANALYZE {TABLE}")
        conn.commit()
        start = time.perf_counter()
        rerun_changed = conn.execute(HAND_WRITTEN_UPDATE, params).rowcount
        conn.commit()
        rerun_seconds = time.perf_counter() - start
    return {"seconds": seconds, "changed": changed, "rerun_seconds": rerun_seconds,
            "rerun_changed": rerun_changed}


def tally(conn_url: str) -> dict:
    import psycopg

    with psycopg.connect(conn_url) as conn:
        return dict(conn.execute(f"SELECT expiry_state, count(*) FROM {TABLE} "
                                 "GROUP BY 1 ORDER BY 1").fetchall())


def save_states(conn_url: str) -> None:
    import psycopg

    with psycopg.connect(conn_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_refresh_states")
        conn.execute(f"CREATE TABLE bench_refresh_states AS SELECT id, expiry_state FROM {TABLE}")


def differences(conn_url: str) -> int:
    """Rows whose state after the hand-written UPDATE differs from the state after refresh()."""
    import psycopg

    with psycopg.connect(conn_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {TABLE} e JOIN bench_refresh_states s "
                            "ON s.id = e.id WHERE s.expiry_state <> e.expiry_state").fetchone()[0]


# -------------------------------------------------------------------------------------- main


def machine() -> str:
    cpu = proc_value("/proc/cpuinfo", "model name") or "?"
    mem_gib = mem_total_kib() / 1024 / 1024
    return (f"{os.cpu_count()} vCPU {cpu}, {mem_gib:.1f} GiB RAM, Linux {platform.release()}, "
            f"CPython {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--structures", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds; each has one refresh() and one hand-written UPDATE")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL,
                        help="PostgreSQL URL of a database to connect to for CREATE/DROP "
                             "DATABASE")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--child", metavar="DATE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(datetime.date.fromisoformat(args.child))
        return 0

    repo_on_path()
    name = f"audit_prep_bench_expiry_{secrets.token_hex(4)}"
    database_url = with_database(args.admin_url, name)
    conn_url = database_url.replace("postgres://", "postgresql://", 1)
    admin_url = args.admin_url.replace("postgres://", "postgresql://", 1)
    create_database(admin_url, name)
    log(f"created database {redact(database_url)}")
    data_dir = Path(tempfile.mkdtemp(prefix="audit-prep-bench-expiry-"))
    env = worker_env(database_url, data_dir)
    failed = True
    try:
        import zoneinfo

        today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date()
        default_window = 30
        info = prepare(env, args.rows, args.structures, today)
        refresh_runs, sql_runs = [], []
        for round_number in range(args.repeat):
            # Alternate which goes first, so neither always gets the warmer cache.
            order = ("refresh", "sql") if round_number % 2 == 0 else ("sql", "refresh")
            for method in order:
                maintenance(conn_url, reset=True)
                lsn = wal_lsn(conn_url)
                if method == "refresh":
                    run = run_child(env, today)
                    run["tally"] = tally(conn_url)
                    refresh_runs.append(run)
                    save_states(conn_url)
                else:
                    run = run_sql(conn_url, today, default_window)
                    run["tally"] = tally(conn_url)
                    sql_runs.append(run)
                run["wal_mib"] = wal_mib_since(conn_url, lsn)
                log(f"round {round_number + 1} {method}: {run['seconds']:.2f} s, "
                    f"re-run {run['rerun_seconds']:.3f} s")
            mismatched = differences(conn_url)
            if mismatched:
                raise RuntimeError(f"{mismatched} rows differ between refresh() and the SQL")
        if any(r["tally"] != refresh_runs[0]["tally"] for r in refresh_runs + sql_runs):
            raise RuntimeError("the methods do not give the same states")
        if any(sum(r["rerun_changed"].values()) for r in refresh_runs) or any(
                r["rerun_changed"] for r in sql_runs):
            raise RuntimeError("a re-run changed rows")
        report(args, info, refresh_runs, sql_runs, today)
        failed = not verdict(refresh_runs, sql_runs)
    finally:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
        if args.keep:
            log(f"kept database {redact(database_url)}")
        else:
            drop_database(admin_url, name)
            log(f"dropped database {name}")
    return 1 if failed else 0


def medians(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def verdict(refresh_runs, sql_runs) -> bool:
    ratio = medians(refresh_runs, "seconds") / medians(sql_runs, "seconds")
    peak = max(r["hwm_kib"] for r in refresh_runs) / 1024
    return ratio <= RATIO_TARGET and peak <= RSS_TARGET_MB


def report(args, info, refresh_runs, sql_runs, today) -> None:
    refresh_s, sql_s = medians(refresh_runs, "seconds"), medians(sql_runs, "seconds")
    ratio = refresh_s / sql_s
    peak = max(r["hwm_kib"] for r in refresh_runs) / 1024
    ready = max(r["rss_ready_kib"] for r in refresh_runs) / 1024
    changed = refresh_runs[0]["changed"]
    paired = [r["seconds"] / q["seconds"] for r, q in zip(refresh_runs, sql_runs, strict=True)]

    def row(measure, value, target="", result=""):
        print(f"| {measure:<46} | {value:<26} | {target:<9} | {result:<6} |")

    print(f"\nExpiry refresh benchmark, {datetime.date.today()} (reference date {today})")
    print(f"Machine: {machine()}; PostgreSQL {info['server_version']}")
    print(f"Table: {args.rows:,} evidence items in {args.structures} structures "
          f"(windows {info['windows']} days), {info['table_size']} with indexes; "
          f"{args.repeat} round(s)\n")
    print(f"| {'measure':<46} | {'value':<26} | {'target':<9} | {'result':<6} |")
    print(f"|{'-' * 48}|{'-' * 28}|{'-' * 11}|{'-' * 8}|")
    row("rows changed by one marking (from all \"\")", f"{sql_runs[0]['changed']:,}")
    row("  of which expired / expiring / valid",
        f"{changed['expired']:,} / {changed['expiring']:,} / {changed['valid']:,}")
    row("refresh() statements (of which UPDATE)",
        f"{refresh_runs[0]['statements']} ({refresh_runs[0]['updates']})")
    log("refresh() statements: " + " ".join(refresh_runs[0]["verbs"]))
    row("refresh() time, median", f"{refresh_s:.2f} s")
    row("hand-written SQL UPDATE time, median", f"{sql_s:.2f} s")
    row("ratio refresh / SQL (medians)", f"{ratio:.2f}", f"<= {RATIO_TARGET:g}",
        "PASS" if ratio <= RATIO_TARGET else "FAIL")
    row("ratio per round (refresh / SQL of the round)", f"median {statistics.median(paired):.2f}")
    row("WAL written per marking: refresh / SQL",
        f"{medians(refresh_runs, 'wal_mib'):.0f} / {medians(sql_runs, 'wal_mib'):.0f} MiB")
    row("worker RSS after setup and connect", f"{ready:.1f} MiB")
    row("worker peak RSS (VmHWM), max", f"{peak:.1f} MiB", f"<= {RSS_TARGET_MB:g} MB",
        "PASS" if peak <= RSS_TARGET_MB else "FAIL")
    row("re-run, nothing to change: refresh()", f"{medians(refresh_runs, 'rerun_seconds'):.3f} s")
    row("re-run, nothing to change: SQL", f"{medians(sql_runs, 'rerun_seconds'):.3f} s")
    print("\nPer round (s): refresh " + ", ".join(f"{r['seconds']:.2f}" for r in refresh_runs)
          + "; SQL " + ", ".join(f"{r['seconds']:.2f}" for r in sql_runs)
          + "; ratio " + ", ".join(f"{ratio:.2f}" for ratio in paired))
    print("States after each method: " + json.dumps(refresh_runs[0]["tally"]))


if __name__ == "__main__":
    sys.exit(main())
