#!/usr/bin/env python
"""Benchmark: throughput of the verification pipeline in one worker process.

N real PDFs of 1 MiB each (``tests.filemakers.make_large_pdf``: one page of text padded with an
incompressible attachment, each file different) are uploaded through the upload service into a
temporary local store, one evidence item each. Then, in this one process:

* **verification**: ``evidence.verification.verify_revision(id)`` for every revision, in a loop,
  timed per file: read the stored object, stream-hash it, re-sniff it, look for duplicates,
  extract its text and page count, save, decide, write the audit event;
* **bare baseline**: the same stored files, in one loop: open, SHA-256 in 1 MiB chunks, libmagic
  sniff, close. The ratio verification / baseline is the price of the pipeline's other steps;
* for the breakdown: text extraction alone (``evidence.text_extraction.extract``) over the same
  files.

No target is set by the issue: the script prints the figures. Run by hand; the test suite runs
only its small mode (``--small``: a few small files, seconds)::

    .venv/bin/python bench/verification.py [--small] [--files 200] [--size-mb 1] [--warmup 5]
                                           [--database-url URL] [--workdir DIR] [--keep]

Without --database-url the database is a new SQLite file in the temporary DATA_DIR; with it,
use a throwaway database (the script migrates it and leaves its rows there).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import secrets
import shutil
import statistics
import sys
import time
from pathlib import Path

from common import cpu_model, django_env, log, migrate, setup_django, temporary_data_dir

MIB = 1024 * 1024
SCRUBBED_ENV = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT", "STORAGE_BACKEND",
                "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "LOG_LEVEL",
                "FILE_UPLOAD_TEMP_DIR", "UPLOAD_MAX_BYTES")


def prepare_environment(data_dir: Path, database_url: str | None, size: int) -> dict[str, str]:
    return django_env(
        data_dir, database_url, scrub=SCRUBBED_ENV, STORAGE_BACKEND="local",
        # Uploads only record the verification task (in memory): this process runs it, timed.
        CELERY_BROKER_URL="memory://", CELERY_TASK_ALWAYS_EAGER="false", LOG_LEVEL="WARNING",
        UPLOAD_MAX_BYTES=str(max(50 * MIB, size + MIB)))


def make_files(folder: Path, count: int, size: int, prefix: str) -> list[Path]:
    from tests.filemakers import make_large_pdf

    return [make_large_pdf(folder / f"{prefix}-{n:04d}.pdf", size) for n in range(count)]


def upload_all(paths: list[Path]) -> list[int]:
    """One evidence item per file, each with one pending revision; returns the revision ids."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from audit_prep.models import Membership, Organization
    from audit_prep.roles import Role
    from evidence.local_files import LocalUpload
    from evidence.models import EvidenceItem
    from evidence.services.uploads import add_revision

    tag = secrets.token_hex(4)
    user = get_user_model().objects.create_user(f"bench-{tag}", f"bench-{tag}@example.org")
    organization = Organization.objects.create(name=f"bench-{tag}", slug=f"bench-{tag}")
    Membership.objects.create(user=user, organization=organization,
                              role=Role.QUALITY_MANAGER)
    revision_ids = []
    for path in paths:
        with transaction.atomic():
            evidence = EvidenceItem.objects.create(
                organization=organization, title=path.stem, kind="record",
                effective_date=timezone.localdate(), created_by=user)
        upload = LocalUpload(path)
        try:
            revision_ids.append(add_revision(user, evidence, [upload]).pk)
        finally:
            upload.close()
    return revision_ids


def stored_paths(revision_ids: list[int]) -> list[tuple[Path, str]]:
    from django.conf import settings

    from evidence.models import StoredFile

    files = StoredFile.objects.filter(revision_id__in=revision_ids).order_by("revision_id")
    return [(Path(settings.MEDIA_ROOT) / f.storage_key, f.mime_type) for f in files]


def time_each(items, action) -> list[float]:
    seconds = []
    for item in items:
        start = time.perf_counter()
        action(item)
        seconds.append(time.perf_counter() - start)
    return seconds


def bare_hash_and_sniff(item) -> None:
    from evidence.filetypes import sniff

    path, _mime_type = item
    with open(path, "rb") as handle:
        hasher = hashlib.sha256()
        while chunk := handle.read(MIB):
            hasher.update(chunk)
        sniff(handle)


def extract_only(item) -> None:
    from evidence.text_extraction import extract

    path, mime_type = item
    with open(path, "rb") as handle:
        extract(handle, mime_type)


def summary(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"total {sum(seconds):.3f} s, {len(seconds) / sum(seconds):.1f} files/s, "
            f"per file median {statistics.median(seconds) * 1000:.2f} ms, "
            f"p95 {p95 * 1000:.2f} ms, max {max(seconds) * 1000:.2f} ms")


def machine() -> str:
    return (f"{os.cpu_count()} vCPU {cpu_model()}, Linux {platform.release()}, "
            f"CPython {platform.python_version()}")


def run(args: argparse.Namespace, data_dir: Path) -> None:
    size = int(args.size_mb * MIB)
    env = prepare_environment(data_dir, args.database_url, size)
    migrate(env)
    setup_django(env)
    from django.db import connection

    from evidence.models import StoredFile
    from evidence.verification import verify_revision

    source = data_dir / "source"
    started = time.perf_counter()
    warm_paths = make_files(source, args.warmup, size, "warmup")
    paths = make_files(source, args.files, size, "file")
    log(f"{args.files + args.warmup} PDFs of {size} bytes written in "
        f"{time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    warm_ids = upload_all(warm_paths)
    revision_ids = upload_all(paths)
    log(f"uploaded in {time.perf_counter() - started:.1f} s")
    shutil.rmtree(source)  # the stored objects are what is read from now on
    items = stored_paths(revision_ids)

    for revision_id in warm_ids:  # imports, libmagic database, first SQL statements
        verify_revision(revision_id)
    for item in stored_paths(warm_ids):
        bare_hash_and_sniff(item)
        extract_only(item)

    baseline_before = time_each(items, bare_hash_and_sniff)
    outcomes = []
    verify = time_each(revision_ids, lambda rid: outcomes.append(verify_revision(rid)))
    baseline_after = time_each(items, bare_hash_and_sniff)
    extraction = time_each(items, extract_only)

    verified = outcomes.count("verified")
    pages = StoredFile.objects.filter(revision_id__in=revision_ids, page_count=1).count()
    baseline = [min(a, b) for a, b in zip(baseline_before, baseline_after, strict=True)]
    ratio = sum(verify) / sum(baseline)

    print(f"machine:            {machine()}")
    print(f"database:           {connection.vendor} "
          f"({'DATABASE_URL' if args.database_url else 'temporary SQLite file'})")
    print(f"store:              local disk, {data_dir}")
    print(f"files:              {args.files} PDFs x {size} bytes "
          f"({args.files * size / MIB:.0f} MiB), {args.warmup} warm-up files not counted")
    print(f"verified:           {verified}/{args.files}, page count 1 stored for {pages}")
    print(f"verify_revision:    {summary(verify)}")
    print(f"bare hash + sniff:  {summary(baseline)}")
    print(f"  (pass before {sum(baseline_before):.3f} s, after {sum(baseline_after):.3f} s; "
          "per file, the faster of the two)")
    print(f"extraction alone:   {summary(extraction)}")
    print(f"hash throughput:    {args.files * size / MIB / sum(baseline):.0f} MiB/s bare, "
          f"{args.files * size / MIB / sum(verify):.0f} MiB/s through verify_revision")
    rest = sum(verify) - sum(baseline) - sum(extraction)
    print(f"remainder:          {rest * 1000 / len(verify):.2f} ms per file (verify minus bare "
          "hash+sniff minus extraction: SQL, ORM, audit event, readiness signal)")
    print(f"ratio verify / bare hash+sniff (totals): {ratio:.2f}")
    print(f"one worker process: {len(verify) / sum(verify):.1f} files/s, "
          f"{3600 * len(verify) / sum(verify):,.0f} files/hour")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="a few seconds: 3 files of 64 KiB, 1 warm-up (figures meaningless)")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workdir", default=None, help="parent of the temporary DATA_DIR")
    parser.add_argument("--keep", action="store_true", help="keep the temporary DATA_DIR")
    args = parser.parse_args()
    if args.small:
        args.files, args.warmup, args.size_mb = 3, 1, 1 / 16
    if args.files < 1 or args.warmup < 1 or args.size_mb <= 0:
        parser.error("--files and --warmup must be at least 1, --size-mb positive")
    with temporary_data_dir("audit-prep-bench-verify-", workdir=args.workdir,
                            keep=args.keep) as data_dir:
        run(args, data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
