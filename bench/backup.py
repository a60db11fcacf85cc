#!/usr/bin/env python
"""Benchmark: `manage.py backup` and `manage.py restore` of a vault of 10,000 evidence items and
1 GiB of stored files, on PostgreSQL and local disk.

Issue 11 asks for the figures (no target): the time of a backup (pg_dump in the snapshot, the
manifest's facts, every object copied with its SHA-256), of the check of a backup set
(`restore --verify-only`: every object re-hashed) and of a restore into an empty database and
store followed by its verification (pg_restore, every object put back, every file row's object
re-hashed, counts, audit trail and checklists recomputed).

    .venv/bin/python bench/backup.py [--small] [--items 10000] [--mib 1024]
                                     [--admin-url URL] [--keep]

The script creates two throwaway PostgreSQL databases (audit_prep_bench_<random> and its
`_restore`), a DATA_DIR with the source store, the backup set and the restored store, and drops
or removes them at the end (unless --keep). `--small` (the test suite): 200 items, 8 MiB.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

from common import (
    DEFAULT_ADMIN_URL,
    REPO,
    configure_django,
    create_database,
    django_env,
    drop_database,
    log,
    machine_info,
    migrate,
    redact,
    temporary_data_dir,
    with_database,
)

LIBRARY = REPO / "checklists" / "libraries" / "iso9001-2015.yaml"
BATCH = 1000


def grow_vault(items: int, total_bytes: int, store: Path) -> tuple[int, int]:
    """A structure adopting ISO 9001 with `items` approved evidence items, each with one verified
    revision holding one distinct file (together `total_bytes`), linked to the assessable
    requirements in turn, and one audit event per item. Returns (files, bytes)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from audit_prep.models import AuditEvent, Organization
    from checklists.library import load_library
    from checklists.models import Adoption, EvidenceLink, Requirement
    from checklists.services.importer import import_library
    from evidence.models import EvidenceItem, Revision, StoredFile
    from evidence.storage import storage_key

    referential = import_library(load_library(LIBRARY)).referential
    user = get_user_model().objects.create_user("qualite", password=secrets.token_hex(16))
    org = Organization.objects.create(name="Bench", slug="bench")
    Adoption.objects.create(organization=org, referential=referential, adopted_by=user)
    requirements = list(Requirement.objects.filter(referential=referential, assessable=True))
    size = max(1, total_bytes // items)
    now = timezone.now()
    written = 0
    for start in range(0, items, BATCH):
        count = min(BATCH, items - start)
        evidence = EvidenceItem.objects.bulk_create(
            EvidenceItem(organization=org, title=f"Preuve {start + n}", kind="record",
                         status="approved", file_check="verified", created_by=user,
                         approved_by=user, approved_at=now,
                         effective_date=datetime.date(2026, 1, 1)) for n in range(count))
        revisions = Revision.objects.bulk_create(
            Revision(evidence=item, number=1, created_by=user, is_current=True,
                     verification_status="verified") for item in evidence)
        rows = []
        for revision in revisions:
            data = os.urandom(size)
            sha256 = hashlib.sha256(data).hexdigest()
            key = storage_key(org.pk, sha256)
            (store / key).parent.mkdir(parents=True, exist_ok=True)
            (store / key).write_bytes(data)
            written += size
            rows.append(StoredFile(organization=org, revision=revision, name="preuve.bin",
                                   mime_type="application/octet-stream", size=size,
                                   sha256=sha256, storage_key=key))
        StoredFile.objects.bulk_create(rows)
        EvidenceLink.objects.bulk_create(
            EvidenceLink(evidence=item, requirement=requirements[(start + n) % len(requirements)],
                         created_by=user) for n, item in enumerate(evidence))
        AuditEvent.objects.bulk_create(
            AuditEvent(organization=org, actor=user, actor_label=user.username,
                       action="evidence.create", object_type="evidence.evidenceitem",
                       object_id=str(item.pk), object_repr=item.title) for item in evidence)
        log(f"vault: {start + count} / {items} items")
    return items, written


def timed_manage(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """(the command's own time as it reports it, the wall time with start-up, its output)."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(REPO / "manage.py"), *args], cwd=REPO, env=env,
                            capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    own = re.search(r" (\d+\.\d) s\b", result.stdout)
    return (float(own.group(1)) if own else wall), wall, result.stdout.strip()


def line(label: str, mib: float, timing: tuple[float, float, str]) -> str:
    own, wall, _output = timing
    return (f"{label:<22} {own:7.1f} s  ({mib / max(own, 0.05):.0f} MiB/s; "
            f"{wall:.1f} s with manage.py start-up)")


def run(args) -> None:
    name = f"audit_prep_bench_{secrets.token_hex(4)}"
    source_url = with_database(args.admin_url, name)
    target_url = with_database(args.admin_url, f"{name}_restore")
    with temporary_data_dir("audit-prep-bench-backup-", keep=args.keep) as data_dir:
        store, restored, backup_set = (data_dir / "store", data_dir / "restored",
                                       data_dir / "set")
        create_database(args.admin_url, name)
        create_database(args.admin_url, f"{name}_restore")
        try:
            source_env = django_env(data_dir, source_url, MEDIA_ROOT=str(store),
                                    CELERY_BROKER_URL="memory://", LOG_LEVEL="WARNING")
            migrate(source_env)
            configure_django(source_url, data_dir, MEDIA_ROOT=str(store))
            started = time.perf_counter()
            files, size = grow_vault(args.items, args.mib * 1024 * 1024, store)
            log(f"vault grown in {time.perf_counter() - started:.1f} s")
            os.sync()
            backup = timed_manage(source_env, "backup", str(backup_set), "-v0")
            os.sync()
            verify = timed_manage(source_env, "restore", str(backup_set), "--verify-only", "-v0")
            target_env = {**source_env, "DATABASE_URL": target_url, "MEDIA_ROOT": str(restored)}
            restore = timed_manage(target_env, "restore", str(backup_set), "-v0")
        finally:
            if not args.keep:
                drop_database(args.admin_url, name)
                drop_database(args.admin_url, f"{name}_restore")
        dump = next(backup_set.glob("database.*")).stat().st_size
    mib = size / 1024 / 1024
    print(f"machine: {machine_info()}")
    print(f"database: {redact(args.admin_url)} (PostgreSQL), store: local disk")
    print(f"vault: {args.items} evidence items, {files} files, {mib:.0f} MiB; "
          f"dump {dump / 1024 / 1024:.1f} MiB")
    print(line("backup", mib, backup))
    print(line("restore --verify-only", mib, verify))
    print(line("restore + verification", mib, restore))
    print(f"  {backup[2]}\n  {restore[2]}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="200 items and 8 MiB, no target (the test suite runs this)")
    parser.add_argument("--items", type=int, default=10_000, help="evidence items (10000)")
    parser.add_argument("--mib", type=int, default=1024, help="MiB of stored files (1024)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL,
                        help="PostgreSQL URL used to create and drop the throwaway databases "
                        f"({DEFAULT_ADMIN_URL})")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases and the temporary DATA_DIR")
    args = parser.parse_args(argv)
    if args.small:
        args.items, args.mib = 200, 8
    if args.items < 1 or args.mib < 1:
        parser.error("--items and --mib must be positive")
    run(args)


if __name__ == "__main__":
    main()
