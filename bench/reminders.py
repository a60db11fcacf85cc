#!/usr/bin/env python
"""Benchmark: one reminder run for 2,000 recipients and 100,000 due evidence items, on
PostgreSQL.

Targets (from the issue):

* `notices.reminders.run()` takes at most 60 s and sends exactly 2,000 e-mails (one digest per
  recipient);
* a second run the same day sends 0 e-mails.

The daily task then runs the gap digests before audits (`notices.reminders.gaps.run`): run 5
gives every structure an ISO 9001 adoption whose audit is 8 weeks ahead, each of its items
linked to one requirement, and checks one digest per quality manager (one checklist built on
the audit date per structure), then none on a re-run; its time adds to the daily run's.

Also checked, for information: two reminder jobs (`workers.tasks.run_reminders`: the run in its
job lock) started at the same moment on the next day (two threads, two database connections, as
two workers) send each newly due digest once.

Everything is measured from outside, through public functions: `run()` timed as a whole, its
SQL statements counted with an execute wrapper, and the e-mails timed as they reach the mail
backend (a subclass of Django's in-memory backend noting when each digest arrives).

Run by hand; the test suite runs only its small mode (``--small``: 20 users, a few seconds, no
target checked, exit 0 once it ran)::

    .venv/bin/python bench/reminders.py [--small] [--users 2000] [--items-per-user 50]
                                        [--structures 50] [--keep]
                                        [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

The script creates a throwaway PostgreSQL database (audit_prep_bench_reminders_<random>),
migrates it, fills it with bulk inserts, measures, and drops it at the end (unless --keep).
E-mails go to Django's in-memory backend (each message is still fully built as MIME).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import ClassVar

from common import (
    DEFAULT_ADMIN_URL,
    configure_django,
    create_database,
    drop_database,
    log,
    proc_value,
    with_database,
)
from django.core.mail.backends.locmem import EmailBackend

TARGET_SECONDS = 60.0
ENGLISH_EVERY = 10  # one user in 10 prefers English
SMALL = {"users": 20, "items_per_user": 3, "structures": 2}


class TimedBackend(EmailBackend):
    """Django's in-memory backend (every message still built in full as MIME), noting when each
    message arrives: the run's phases seen from outside."""

    arrivals: ClassVar[list[float]] = []

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        TimedBackend.arrivals.extend(time.perf_counter() for _ in range(sent))
        return sent


def populate(users: int, per_user: int, structures: int, today: datetime.date) -> dict:
    """Structures, users (one quality manager per structure, the others contributors), and
    `per_user` items per user due in 1..7 days, owned by the user."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from audit_prep.models import Membership, Organization, UserPreference
    from evidence.models import EvidenceItem

    now = timezone.now()
    tag = secrets.token_hex(3)
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Structure {i:03d}", slug=f"bench-{tag}-{i}", kind="aci")
         for i in range(structures)])
    people = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench-{tag}-{i:05d}", email=f"u{i:05d}@example.org",
                          first_name="Prénom", last_name=f"Nom {i}", password="!")
         for i in range(users)], batch_size=2000)
    Membership.objects.bulk_create(
        [Membership(user=u, organization=orgs[i % structures],
                    role="quality_manager" if i < structures else "contributor")
         for i, u in enumerate(people)], batch_size=2000)
    UserPreference.objects.bulk_create(
        [UserPreference(user=u, language="en" if i % ENGLISH_EVERY == 0 else "fr",
                        calendar_token=secrets.token_urlsafe(32))
         for i, u in enumerate(people)], batch_size=2000)
    titles = ("Attestation de formation SST", "Habilitation électrique", "Revue de direction",
              "Contrat de mise à disposition", "Attestation d'assurance")
    batch, count = [], 0
    for i, user in enumerate(people):
        for j in range(per_user):
            batch.append(EvidenceItem(
                organization=orgs[i % structures], owner=user, created_by=user,
                title=f"{titles[j % len(titles)]} n°{j}", kind="document", status="approved",
                approved_at=now, effective_date=today - datetime.timedelta(days=300),
                valid_until=today + datetime.timedelta(days=1 + j % 7)))
        if len(batch) >= 10000:
            EvidenceItem.objects.bulk_create(batch, batch_size=5000)
            count += len(batch)
            batch = []
    EvidenceItem.objects.bulk_create(batch, batch_size=5000)
    count += len(batch)
    due_tomorrow_owners = EvidenceItem.objects.filter(
        valid_until=today + datetime.timedelta(days=1)).values("owner").distinct().count()
    return {"structures": len(orgs), "users": len(people), "items": count,
            "owners_due_tomorrow": due_tomorrow_owners}


class Counter:
    """Counts SQL statements (a light execute wrapper, no SQL kept in memory)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed_run(today, gaps: bool = False) -> dict:
    """One `run(today)` (of the gap digests with `gaps`): its result, wall time, e-mails, SQL
    statements, and when the first and the last digest reached the mail backend (seconds from
    the start)."""
    from django.core import mail
    from django.db import connection

    from notices import reminders
    from notices.reminders import gaps as gap_digests

    mail.outbox = []
    TimedBackend.arrivals = []
    counter = Counter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = (gap_digests.run if gaps else reminders.run)(today)
        seconds = time.perf_counter() - start
    arrivals = [t - start for t in TimedBackend.arrivals] or [0.0]
    return {"result": result, "seconds": seconds, "mails": len(mail.outbox),
            "queries": counter.count, "first_mail": arrivals[0], "last_mail": arrivals[-1]}


def concurrent_runs(today):
    """Two reminder jobs (the run in its job lock, as the task runs it) started together, each
    in its own thread with its own connection."""
    from django.core import mail
    from django.db import connection

    from workers.tasks import run_reminders

    mail.outbox = []
    barrier = threading.Barrier(2)
    results = [None, None]

    def worker(index):
        try:
            barrier.wait()
            results[index] = run_reminders(today)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - start, len(mail.outbox)


def gap_runs(today) -> dict:
    """Run 5: every structure adopts ISO 9001 with its audit 8 weeks ahead, each item linked to
    one requirement (round robin); the gap digest run of `today`, timed, then a re-run."""
    from django.core.management import call_command

    from audit_prep.models import Membership, Organization
    from checklists.models import Adoption, EvidenceLink, Referential, Requirement
    from evidence.models import EvidenceItem

    library = Path(__file__).resolve().parent.parent / "checklists/libraries/iso9001-2015.yaml"
    call_command("import_referential", str(library), verbosity=0, stdout=io.StringIO())
    iso = Referential.objects.get(code="iso9001", organization__isnull=True)
    requirements = list(Requirement.objects.filter(referential=iso, assessable=True)
                        .values_list("pk", flat=True))
    managers = dict(Membership.objects.filter(role="quality_manager").values_list(
        "organization_id", "user_id"))
    Adoption.objects.bulk_create([
        Adoption(organization_id=org, referential=iso, adopted_by_id=managers[org],
                 target_audit_date=today + datetime.timedelta(weeks=8))
        for org in Organization.objects.values_list("pk", flat=True)])
    items = list(EvidenceItem.objects.values_list("pk", "created_by_id").order_by("pk"))
    EvidenceLink.objects.bulk_create(
        [EvidenceLink(evidence_id=pk, requirement_id=requirements[i % len(requirements)],
                      created_by_id=user) for i, (pk, user) in enumerate(items)],
        batch_size=5000)
    return {"first": timed_run(today, gaps=True), "second": timed_run(today, gaps=True),
            "links": len(items), "adoptions": len(managers)}


def overdue_ledger_is_right(day, today) -> bool:
    """After the run of `day`, every item has a reminder for its most urgent weekly threshold
    (-7 x whole weeks overdue), escalated (default: from 14 days), with a sent delivery to its
    owner and to its structure's quality manager; nothing more urgent."""
    from evidence.models import EvidenceItem
    from notices.models import Reminder, ReminderDelivery

    ok = True
    for offset in range(1, 8):
        valid_until = today + datetime.timedelta(days=offset)
        threshold = -7 * ((day - valid_until).days // 7)
        items = EvidenceItem.objects.filter(valid_until=valid_until).count()
        rows = Reminder.objects.filter(valid_until=valid_until, threshold=threshold)
        ok &= rows.count() == items == rows.filter(escalated=True,
                                                   completed_at__isnull=False).count()
        ok &= not Reminder.objects.filter(valid_until=valid_until,
                                          threshold__lt=threshold).exists()
    deliveries = ReminderDelivery.objects.filter(reminder__threshold__lt=0)
    ok &= not deliveries.filter(sent_at__isnull=True).exists()
    owners = EvidenceItem.objects.exclude(owner__memberships__role="quality_manager").count()
    ok &= deliveries.count() == 2 * owners + EvidenceItem.objects.count() - owners
    return ok


def machine() -> list[str]:
    from django.db import connection

    lines = [f"nproc {os.cpu_count()}"]
    try:
        cpu = proc_value("/proc/cpuinfo", "model name")
        mem = proc_value("/proc/meminfo", "MemTotal")
    except OSError:
        cpu = mem = None
    if cpu is not None and mem is not None:
        lines += [f"cpu {cpu}", f"memory {mem}"]
    lines.append(f"kernel {platform.release()}, Python {platform.python_version()}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        lines.append(f"PostgreSQL {cursor.fetchone()[0]}")
    import django

    lines.append(f"Django {django.get_version()}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="20 users, 3 items each, 2 structures: seconds, no target checked")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--items-per-user", type=int, default=50)
    parser.add_argument("--structures", type=int, default=50)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    if args.small:
        args.users, args.items_per_user, args.structures = SMALL.values()

    name = f"audit_prep_bench_reminders_{secrets.token_hex(4)}"
    create_database(args.admin_url, name)
    log(f"created database {name}")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    try:
        configure_django(with_database(args.admin_url, name), data_dir, EMAIL_URL="memory:",
                         SITE_URL="https://qualite.example.org")
        from django.conf import settings

        settings.EMAIL_BACKEND = f"{__name__}.TimedBackend"
        failed = measure(args)
        return 0 if args.small else int(failed)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(data_dir, ignore_errors=True)
        if args.keep:
            log(f"kept database {name}")
        else:
            drop_database(args.admin_url, name)
            log(f"dropped database {name}")


def prepare(args, today) -> dict:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    sizes = populate(args.users, args.items_per_user, args.structures, today)
    log(f"populated {sizes} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return sizes


def fill_validity(today) -> tuple[int, float]:
    """The validity read model filled for the bulk-inserted items (in production the readiness
    recomputation does it as items are written): rows written and seconds. Each run then
    refreshes it again first (`notices.reminders.run`), which writes nothing more."""
    from checklists.services import validity

    started = time.perf_counter()
    rows = validity.refresh(on=today)
    seconds = time.perf_counter() - started
    log(f"validity read model filled: {rows} rows in {seconds:.2f} s")
    return rows, seconds


def measure(args) -> bool:
    """Run the four runs, print the figures and the checks; True when a check failed."""
    from django.utils import timezone

    from notices.models import Reminder, ReminderDelivery

    today = timezone.localdate()
    sizes = prepare(args, today)
    sizes["validity"] = fill_validity(today)
    first = timed_run(today)
    log(f"run 1: {first['result']} in {first['seconds']:.2f} s, {first['queries']} queries")
    first["reminders"] = Reminder.objects.count()
    first["deliveries"] = ReminderDelivery.objects.count()
    first["unsent"] = ReminderDelivery.objects.filter(sent_at__isnull=True).count()
    second = timed_run(today)
    log(f"run 2: {second['result']} in {second['seconds']:.2f} s, {second['queries']} queries")
    (a, b), third_s, third_mails = concurrent_runs(today + datetime.timedelta(days=1))
    log(f"run 3 (two workers, next day): {a} | {b} in {third_s:.2f} s")
    overdue_day = today + datetime.timedelta(days=30)
    fourth = timed_run(overdue_day)
    log(f"run 4 (30 days later): {fourth['result']} in {fourth['seconds']:.2f} s, "
        f"{fourth['queries']} queries")
    third = {"results": (a, b), "seconds": third_s, "mails": third_mails}
    overdue_ok = overdue_ledger_is_right(overdue_day, today)
    fifth = gap_runs(today)
    log(f"run 5 (gap digests): {fifth['first']['result']} in {fifth['first']['seconds']:.2f} s, "
        f"{fifth['first']['queries']} queries; re-run {fifth['second']['result']}")
    # The read model again, now that every item answers a requirement (replaced items found).
    fifth["validity_linked"] = fill_validity(today)
    fifth["validity_again"] = fill_validity(today)
    checks = [*targets(args, sizes, first, second, third, fourth, overdue_ok),
              *gap_targets(fifth)]
    print_report(args, sizes, first, second, third, fourth, fifth)
    return print_checks(checks, args.small)


def targets(args, sizes, first, second, third, fourth, overdue_ok) -> list[tuple]:
    expected = args.users
    a, b = third["results"]
    return [
        ("run 1 time", f"{first['seconds']:.2f} s", f"<= {TARGET_SECONDS:.0f} s",
         first["seconds"] <= TARGET_SECONDS),
        ("run 1 e-mails", str(first["mails"]), f"== {expected}",
         first["mails"] == expected == first["result"].emails_sent),
        ("run 2 (same day) e-mails", str(second["mails"]), "== 0", second["mails"] == 0),
        ("run 3 (next day, 2 workers) e-mails", str(third["mails"]),
         f"== {sizes['owners_due_tomorrow']}",
         third["mails"] == sizes["owners_due_tomorrow"]
         and (a.locked or b.locked or not (a.emails_sent and b.emails_sent))),
        ("run 4 (30 days later) e-mails", str(fourth["mails"]), f"== {expected}",
         fourth["mails"] == expected),
        ("run 4: most urgent weekly threshold recorded, escalated",
         "yes" if overdue_ok else "no", "yes", overdue_ok),
    ]


def gap_targets(fifth) -> list[tuple]:
    first, second = fifth["first"], fifth["second"]
    return [
        ("run 5 (gap digests) e-mails", str(first["mails"]), f"== {fifth['adoptions']}",
         first["mails"] == fifth["adoptions"] == first["result"].emails_sent),
        ("run 5 re-run (same day) e-mails", str(second["mails"]), "== 0", second["mails"] == 0),
    ]


def print_report(args, sizes, first, second, third, fourth, fifth) -> None:
    print()
    print("Reminder run benchmark" + (" (small mode: no target checked)" if args.small else ""))
    for line in machine():
        print(f"  {line}")
    print(f"  data: {sizes['structures']} structures, {sizes['users']} users, "
          f"{sizes['items']} evidence items due in 1..7 days")
    print()
    seconds, mails = first["seconds"], first["mails"]
    filled, fill_seconds = sizes["validity"]
    rows = [
        ("validity read model filled before run 1 (rows / time)",
         f"{filled} / {fill_seconds:.2f} s"),
        ("run 1: wall time", f"{seconds:.2f} s"),
        ("run 1: SQL statements", str(first["queries"])),
        ("run 1: reminders created", f"{first['result'].reminders_created} "
                                     f"({first['reminders']} in table)"),
        ("run 1: deliveries", f"{first['deliveries']} ({first['unsent']} unsent after the run)"),
        ("run 1: e-mails / notifications", f"{mails} / {first['result'].notifications}"),
        ("run 1: throughput", f"{mails / seconds:.0f} digests/s, "
                              f"{first['deliveries'] / seconds:.0f} lines/s"),
        ("run 1: until the first digest (due reminders recorded, first digest built)",
         f"{first['first_mail']:.2f} s"),
        ("run 1: first to last digest (built and sent)",
         f"{first['last_mail'] - first['first_mail']:.2f} s"),
        ("run 1: after the last digest (deliveries closed, notifications, commit)",
         f"{seconds - first['last_mail']:.2f} s"),
        ("run 2 (same day): wall time / SQL statements / e-mails",
         f"{second['seconds']:.2f} s / {second['queries']} / {second['mails']}"),
        ("run 3 (next day, 2 concurrent jobs): wall time", f"{third['seconds']:.2f} s"),
        ("run 3: results", "; ".join(str(r) for r in third["results"])),
        ("run 4 (30 days later: overdue 23-29 days, weekly + escalation): wall time / "
         "SQL statements / e-mails / reminders created",
         f"{fourth['seconds']:.2f} s / {fourth['queries']} / {fourth['mails']} / "
         f"{fourth['result'].reminders_created}"),
        (f"run 5 (gap digests: {fifth['adoptions']} ISO 9001 audits 8 weeks ahead, "
         f"{fifth['links']} links): wall time / SQL statements / e-mails",
         f"{fifth['first']['seconds']:.2f} s / {fifth['first']['queries']} / "
         f"{fifth['first']['mails']}"),
        ("run 5 re-run (same day): wall time / SQL statements / e-mails",
         f"{fifth['second']['seconds']:.2f} s / {fifth['second']['queries']} / "
         f"{fifth['second']['mails']}"),
        ("validity read model over the linked vault: rows changed / time, then again",
         "{} / {:.2f} s, then {} / {:.2f} s".format(*fifth["validity_linked"],
                                                    *fifth["validity_again"])),
    ]
    print("| measure | value |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


def print_checks(checks, small: bool) -> bool:
    if small:
        print("\nsmall mode: no target checked")
        return False
    print()
    print("| check | value | target | result |")
    print("|---|---|---|---|")
    failed = False
    for label, value, target, ok in checks:
        failed |= not ok
        print(f"| {label} | {value} | {target} | {'PASS' if ok else 'FAIL'} |")
    print()
    print("FAIL" if failed else "PASS")
    return failed


if __name__ == "__main__":
    sys.exit(main())
