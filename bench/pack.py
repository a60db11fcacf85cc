#!/usr/bin/env python
"""Benchmark: the ZIP of a sealed audit pack of 1,000 files totalling 1 GiB, built by the
worker's code in a child process, against `zip -0` over the same files in the same run.

Targets (issue 13): peak memory of the build at most 150 MB; build time at most 1.5 x the time
of `zip -0 -r` over the same stored files; progress written to the pack row at least every 2 s;
`sha256sum -c SHA256SUMS` passes in the extracted pack.

    .venv/bin/python bench/pack.py [--small] [--files 1000] [--mib 1024] [--repeat 2]
                                   [--database-url URL] [--workdir DIR] [--keep]

The vault is grown directly in the database and the store (SQLite in a temporary DATA_DIR by
default): approved evidence items of a structure following ISO 9001, each with one verified
revision holding one PDF (a valid PDF whose stream is random bytes, as compressed content is),
sizes spread between a quarter and 1.75 times the mean, each linked to one requirement. Each
round times `zip -0` over the store's objects, seals the audit (in this process), then builds
its ZIP in a fresh child process (`audits.packs.builder.build`, what the Celery task runs)
while this process reads the pack row every 50 ms. The child's peak resident memory is its
`ru_maxrss` (os.wait4); a child that only loads Django and the builder's modules gives the
start-up share. `--small` (the test suite): 20 files, 4 MiB, one round, no target.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import (
    REPO,
    configure_django,
    django_env,
    log,
    machine_info,
    migrate,
    temporary_data_dir,
)

LIBRARY = REPO / "checklists" / "libraries" / "iso9001-2015.yaml"
MEMORY_TARGET_MB = 150.0
RATIO_TARGET = 1.5
INTERVAL_TARGET = 2.0
POLL_SECONDS = 0.05
BATCH = 500
PDF_HEAD = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"3 0 obj\n<< /Length LENGTH /Filter /FlateDecode >>\nstream\n")
PDF_TAIL = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
BUILD_CHILD = """
import sys, django
django.setup()
from audits.packs import builder
print(builder.build(int(sys.argv[1])))
"""
IDLE_CHILD = """
import django
django.setup()
import openpyxl, reportlab.platypus
from audits.packs import builder, index
"""


def sizes(files: int, total: int, rng: random.Random) -> list[int]:
    """`files` sizes between a quarter and 1.75 times the mean, adding up to `total`."""
    weights = [rng.uniform(0.25, 1.75) for _ in range(files)]
    scale = total / sum(weights)
    out = [max(len(PDF_HEAD) + len(PDF_TAIL) + 16, int(w * scale)) for w in weights]
    out[-1] += total - sum(out)
    return out


def pdf(size: int, rng: random.Random) -> bytes:
    """A valid PDF of exactly `size` bytes whose one stream is random (as compressed)."""
    body = size - (len(PDF_HEAD) + 4) - len(PDF_TAIL)
    head = PDF_HEAD.replace(b"LENGTH", str(body).encode().rjust(10))
    return head + rng.randbytes(body) + PDF_TAIL


def grow_vault(files: int, total: int, store: Path):
    """The structure, its quality manager, its ISO 9001 adoption and `files` linked items with
    one verified file each; returns (engagement, quality manager)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from audit_prep.models import Membership, Organization
    from audit_prep.roles import Role
    from audits import services as audits
    from checklists.library import load_library
    from checklists.models import Adoption, EvidenceLink, Requirement
    from checklists.services.importer import import_library
    from evidence.models import EvidenceItem, Revision, StoredFile
    from evidence.storage import storage_key

    referential = import_library(load_library(LIBRARY)).referential
    user = get_user_model().objects.create_user("qualite", password=os.urandom(8).hex())
    org = Organization.objects.create(name="Bench", slug="bench")
    Membership.objects.create(user=user, organization=org, role=Role.QUALITY_MANAGER)
    Adoption.objects.create(organization=org, referential=referential, adopted_by=user)
    requirements = list(Requirement.objects.filter(referential=referential, assessable=True))
    rng, now = random.Random(13), timezone.now()
    all_sizes = sizes(files, total, rng)
    for start in range(0, files, BATCH):
        count = min(BATCH, files - start)
        evidence = EvidenceItem.objects.bulk_create(
            EvidenceItem(organization=org, title=f"Procédure {start + n:04d}", kind="document",
                         status="approved", file_check="verified", created_by=user,
                         approved_by=user, approved_at=now,
                         effective_date=datetime.date(2026, 1, 1)) for n in range(count))
        revisions = Revision.objects.bulk_create(
            Revision(evidence=item, number=1, created_by=user, is_current=True,
                     verification_status="verified", verified_at=now) for item in evidence)
        rows = []
        for n, revision in enumerate(revisions):
            data = pdf(all_sizes[start + n], rng)
            sha256 = hashlib.sha256(data).hexdigest()
            key = storage_key(org.pk, sha256)
            (store / key).parent.mkdir(parents=True, exist_ok=True)
            (store / key).write_bytes(data)
            rows.append(StoredFile(organization=org, revision=revision, size=len(data),
                                   name=f"procedure-{start + n:04d}.pdf", sha256=sha256,
                                   mime_type="application/pdf", storage_key=key))
        StoredFile.objects.bulk_create(rows)
        EvidenceLink.objects.bulk_create(
            EvidenceLink(evidence=item, requirement=requirements[(start + n) % len(requirements)],
                         created_by=user) for n, item in enumerate(evidence))
        log(f"vault: {start + count} / {files} files")
    engagement = audits.create_engagement(user, org, {
        "kind": "surveillance_1", "referentials": [referential],
        "start_date": timezone.localdate() + datetime.timedelta(days=30),
        "end_date": timezone.localdate() + datetime.timedelta(days=31),
        "certification_body": "AFNOR Certification"})
    return engagement, user


def zip_baseline(store: Path, work: Path) -> float:
    out = work / "baseline.zip"
    os.sync()
    started = time.perf_counter()
    subprocess.run(["zip", "-0", "-q", "-r", str(out), "o"], cwd=store, check=True)
    elapsed = time.perf_counter() - started
    out.unlink()
    return elapsed


def child(code: str, env: dict, *args: str, on_poll=None) -> tuple[float, float, str]:
    """Run `code` in a fresh Python; (wall seconds, peak RSS in MB, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, text=True)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if on_poll:
            on_poll()
        time.sleep(POLL_SECONDS)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    output = process.stdout.read() if process.stdout else ""
    if process.returncode:
        sys.exit(f"child exited {process.returncode}: {output}")
    return elapsed, usage.ru_maxrss / 1024, output.strip()


class Watcher:
    """Reads the pack row: every distinct heartbeat (`progress_at`) the build wrote."""

    def __init__(self, pack_id: int):
        self.pack_id, self.beats = pack_id, []

    def __call__(self):
        from django.db import connection

        from audits.packs.models import AuditPack

        row = AuditPack.objects.filter(pk=self.pack_id).values_list("progress_at",
                                                                     flat=True).first()
        connection.close()  # no transaction held open across polls (SQLite)
        if row and (not self.beats or row != self.beats[-1]):
            self.beats.append(row)

    def intervals(self) -> list[float]:
        return [(b - a).total_seconds() for a, b in zip(self.beats, self.beats[1:],
                                                        strict=False)]


def build_round(engagement, user, env) -> dict:
    from audits.packs import services
    from audits.packs.models import AuditPack

    started = time.perf_counter()
    pack = services.seal(user, engagement)
    seal_seconds = time.perf_counter() - started
    os.sync()
    watcher = Watcher(pack.pk)
    wall, peak, output = child(BUILD_CHILD, env, str(pack.pk), on_poll=watcher)
    watcher()
    pack = AuditPack.objects.get(pk=pack.pk)
    if pack.state != "ready":
        sys.exit(f"build failed: {output} {pack.failure_reason} {pack.failure_detail}")
    intervals = watcher.intervals()
    return {"pack": pack, "seal": seal_seconds, "wall": wall, "peak": peak,
            "build": sum(intervals), "max_interval": max(intervals, default=0.0),
            "beats": len(watcher.beats)}


def check_sums(pack, store: Path, work: Path) -> tuple[bool, float, str]:
    folder = work / "extracted"
    subprocess.run(["unzip", "-q", str(store / pack.archive_key), "-d", str(folder)],
                   check=True)
    started = time.perf_counter()
    result = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder,
                            capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    shutil.rmtree(folder)
    return result.returncode == 0, elapsed, (result.stdout + result.stderr)[-500:]


def report(args, rounds, baselines, idle_peak, sums) -> bool:
    build = statistics.median(r["build"] for r in rounds)
    baseline = statistics.median(baselines)
    peak = max(r["peak"] for r in rounds)
    interval = max(r["max_interval"] for r in rounds)
    ratio = build / baseline if baseline else float("inf")
    pack = rounds[-1]["pack"]
    print(f"\npack of {pack.file_count} files, {pack.total_bytes / 2**20:.0f} MiB "
          f"-> ZIP {pack.archive_size / 2**20:.0f} MiB; {len(rounds)} round(s)")
    for n, (r, b) in enumerate(zip(rounds, baselines, strict=True), 1):
        print(f"  round {n}: seal {r['seal']:.2f} s, build {r['build']:.2f} s "
              f"(child {r['wall']:.2f} s with start-up), zip -0 {b:.2f} s (ratio "
              f"{r['build'] / b:.2f}), peak RSS "
              f"{r['peak']:.1f} MB, {r['beats']} progress writes, longest gap "
              f"{r['max_interval']:.2f} s")
    print(f"  child loading Django and the builder only: peak RSS {idle_peak:.1f} MB")
    ok, sums_seconds, output = sums
    results = [
        ("peak memory of the build (MB)", peak, MEMORY_TARGET_MB, peak <= MEMORY_TARGET_MB),
        ("build time / zip -0 (median)", ratio, RATIO_TARGET, ratio <= RATIO_TARGET),
        ("longest gap between progress writes (s)", interval, INTERVAL_TARGET,
         interval <= INTERVAL_TARGET),
    ]
    for label, value, target, passed in results:
        verdict = "" if args.small else (" PASS" if passed else " FAIL")
        print(f"  {label:<42} {value:8.2f}  (target <= {target}){verdict}")
    print(f"  sha256sum -c SHA256SUMS (extracted)        {'OK' if ok else 'FAILED'} "
          f"({sums_seconds:.1f} s){'' if ok else chr(10) + output}")
    return ok and all(passed for *_rest, passed in results)


def run(args) -> bool:
    with temporary_data_dir("audit-prep-bench-pack-", workdir=args.workdir,
                            keep=args.keep) as data_dir:
        store, work = data_dir / "store", data_dir / "work"
        work.mkdir()
        env = django_env(data_dir, args.database_url, MEDIA_ROOT=str(store),
                         CELERY_BROKER_URL="memory://", LOG_LEVEL="WARNING",
                         FILE_UPLOAD_TEMP_DIR=str(work))
        migrate(env)
        configure_django(args.database_url, data_dir, MEDIA_ROOT=str(store),
                         FILE_UPLOAD_TEMP_DIR=str(work))
        started = time.perf_counter()
        engagement, user = grow_vault(args.files, args.mib * 2**20, store)
        log(f"vault grown in {time.perf_counter() - started:.1f} s")
        for key, value in machine_info(store).items():
            print(f"{key}: {value}")
        print(f"load average before: {os.getloadavg()}")
        rounds, baselines = [], []
        for n in range(args.repeat):
            baselines.append(zip_baseline(store, work))
            rounds.append(build_round(engagement, user, env))
            log(f"round {n + 1}: build {rounds[-1]['build']:.2f} s, zip -0 "
                f"{baselines[-1]:.2f} s")
        _wall, idle_peak, _out = child(IDLE_CHILD, env)
        sums = check_sums(rounds[-1]["pack"], store, work)
        print(f"load average after: {os.getloadavg()}")
        return report(args, rounds, baselines, idle_peak, sums)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="20 files, 4 MiB, one round, no target (the test suite runs this)")
    parser.add_argument("--files", type=int, default=1000, help="evidence files (1000)")
    parser.add_argument("--mib", type=int, default=1024, help="MiB of files in total (1024)")
    parser.add_argument("--repeat", type=int, default=2, help="rounds (2)")
    parser.add_argument("--database-url", default=None,
                        help="a database to grow the vault in (default: SQLite in DATA_DIR)")
    parser.add_argument("--workdir", default=None, help="where DATA_DIR goes (temporary dir)")
    parser.add_argument("--keep", action="store_true", help="keep DATA_DIR")
    args = parser.parse_args(argv)
    if args.small:
        args.files, args.mib, args.repeat = 20, 4, 1
    if args.files < 1 or args.mib < 1 or args.repeat < 1:
        parser.error("--files, --mib and --repeat must be positive")
    passed = run(args)
    sys.exit(0 if passed or args.small else 1)


if __name__ == "__main__":
    main()
