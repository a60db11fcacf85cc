#!/usr/bin/env python
"""Benchmark: load held, nothing lost (issue 11, item 8), with locust against the production
set-up on this machine.

The set-up (bench/stack.py): nginx from docker/nginx/audit-prep.conf.template in front of
gunicorn started by docker/entrypoint.sh (docker/gunicorn.conf.py, 3 sync workers: the image's
default), production settings (DJANGO_DEBUG=false) on a throwaway PostgreSQL database, Redis
as Celery broker and cache, local-disk storage, a real Celery worker (the entrypoint's worker
role, 2 processes) and Celery beat running the stuck-revision sweep every minute.

Each simulated user is a quality manager of their own structure (ISO 9001 adopted, evidence
linked to its clauses) who signs in with a token, lists evidence, reads the checklist, uploads
real 1-5 MB PDFs as new revisions, downloads files and exports the checklist (CSV, XLSX, PDF),
with a think time of 0.5-1.5 s. The run climbs through user counts (`--users`), each for
`--duration` seconds, and reports users, requests per second, p50 / p95 / p99 and errors per
step; the sustained load is the highest step with no error and p95 under 500 ms. Then a run at
that load (`--kill`) kills the Celery worker with SIGKILL (restarted 5 s later) and one gunicorn
worker process with SIGKILL. At the end every upload answered 201 must have its revision row,
its stored bytes with the same SHA-256, and become verified.

Run by hand (the test suite runs ``--small``: 3 users, one short step with 100 kB files and the
loss check, no kill)::

    .venv/bin/python bench/load.py [--small] [--users 5,10,20,30,40] [--duration 60]
        [--admin-url postgres://postgres@127.0.0.1:5432/postgres] [--redis-db 11]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gevent
import stack
from common import (
    DEFAULT_ADMIN_URL,
    create_database,
    drop_database,
    log,
    machine_info,
    redact,
    repo_on_path,
    with_database,
)
from locust import FastHttpUser, between, task  # patches the standard library for gevent
from locust.env import Environment

repo_on_path()

from tests.filemakers import make_large_pdf  # noqa: E402

P95_TARGET = 0.5  # seconds
MB = 1000 * 1000
ITEMS = 12  # evidence items per structure (3 in small mode)
SEED_LOAD = r"""
import json
from django.contrib.auth import get_user_model
from audit_prep.models import Organization
from checklists.models import Referential, Requirement
from checklists.services import links, tailoring
from evidence.models import EvidenceItem

referential = Referential.objects.get(urn="urn:audit-prep:iso9001:2015")
requirements = list(Requirement.objects.filter(referential=referential).order_by("id"))
out = []
for org in Organization.objects.order_by("pk"):
    user = get_user_model().objects.get(memberships__organization=org)
    adoption = tailoring.adopt(user, org, referential)
    items = list(EvidenceItem.objects.filter(organization=org).order_by("pk"))
    for index, item in enumerate(items):
        links.link_many(user, [item], requirements[index * 3:index * 3 + 3])
    out.append({"organization": org.pk, "adoption": adoption.pk})
print("LOAD_SEED " + json.dumps(out))
"""


# ----------------------------------------------------------------------------- simulated users


@dataclass
class Shared:
    """What the simulated users share with the bench: their accounts, the PDFs to upload, and
    every upload answered 201 (for the loss check)."""

    accounts: list
    pdfs: list
    password: str
    accepted: list
    next_account: int = 0


SHARED: Shared


def unique_pdf(rng: random.Random) -> bytes:
    """One of the PDFs with 32 random bytes in its padding: new content each time."""
    data = bytearray(rng.choice(SHARED.pdfs))
    offset = len(data) // 2 + rng.randrange(0, 1 << 16)
    data[offset:offset + 32] = os.urandom(32)
    return bytes(data)


class QualityManager(FastHttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.account = SHARED.accounts[SHARED.next_account % len(SHARED.accounts)]
        SHARED.next_account += 1
        self.files: list[int] = []
        self.rng = random.Random()
        self.sign_in()
        self.upload()  # each user arrives with a file to file away

    def headers(self, **extra):
        return {"Authorization": f"Token {self.token}", "Accept": "application/json", **extra}

    @task(1)
    def sign_in(self):
        with self.client.post("/api/v1/auth/token/", json={
                "username": self.account["username"], "password": SHARED.password},
                name="sign in", catch_response=True) as response:
            if response.status_code == 200:
                self.token = response.json()["token"]
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(6)
    def evidence_list(self):
        self.client.get(f"/api/v1/evidence/?organization={self.account['organization']}",
                        headers=self.headers(), name="evidence list")

    @task(3)
    def checklist(self):
        self.client.get(f"/api/v1/adoptions/{self.account['adoption']}/checklist/",
                        headers=self.headers(), name="checklist")

    @task(2)
    def upload(self):
        data = unique_pdf(self.rng)
        body, content_type = stack.multipart("rapport.pdf", data)
        evidence = self.rng.choice(self.account["evidence"])
        with self.client.post(f"/api/v1/evidence/{evidence}/revisions/", data=body,
                              headers=self.headers(**{"Content-Type": content_type}),
                              name="upload 1-5 MB", catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            revision = response.json()
            SHARED.accepted.append({"revision": revision["id"], "evidence": evidence,
                                    "organization": self.account["organization"],
                                    "sha256": hashlib.sha256(data).hexdigest(),
                                    "token": self.token})
            self.files.append(revision["files"][0]["id"])

    @task(2)
    def download(self):
        if not self.files:
            return
        self.client.get(f"/api/v1/files/{self.rng.choice(self.files)}/download/",
                        headers=self.headers(), name="download")

    @task(1)
    def export(self):
        fmt = self.rng.choice(("csv", "xlsx", "pdf"))
        self.client.get(f"/api/v1/adoptions/{self.account['adoption']}/checklist/export/{fmt}",
                        headers=self.headers(), name=f"export {fmt}")


# ------------------------------------------------------------------------------------- steps


@dataclass
class Step:
    users: int
    seconds: float
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: list
    endpoints: list

    @property
    def held(self) -> bool:
        return self.failures == 0 and self.p95 < P95_TARGET * 1000


def run_step(env: Environment, users: int, seconds: float, during=None) -> Step:
    """`users` users for `seconds` (after a short ramp); `during(runner)` runs alongside."""
    runner = env.runner
    assert runner is not None
    runner.start(users, spawn_rate=max(users, 1))
    gevent.sleep(min(3.0, seconds / 3))
    env.stats.reset_all()
    started = time.monotonic()
    side = gevent.spawn(during) if during else None
    gevent.sleep(seconds)
    if side is not None:
        side.join()
    total = env.stats.total
    elapsed = time.monotonic() - started
    errors = [f"{e.method} {e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()]
    endpoints = [f"{name} {entry.num_requests} p50 {entry.get_response_time_percentile(0.5):.0f}"
                 f" p95 {entry.get_response_time_percentile(0.95):.0f} ms"
                 for (name, _method), entry in sorted(env.stats.entries.items())
                 if entry.num_requests]
    return Step(users, elapsed, total.num_requests, total.num_failures,
                total.num_requests / elapsed,
                total.get_response_time_percentile(0.5) or 0,
                total.get_response_time_percentile(0.95) or 0,
                total.get_response_time_percentile(0.99) or 0, errors, endpoints)


def print_step(label: str, step: Step) -> None:
    print(f"{label}: {step.users} users, {step.seconds:.0f} s, {step.requests} requests, "
          f"{step.rps:.1f} req/s, p50 {step.p50:.0f} ms, p95 {step.p95:.0f} ms, "
          f"p99 {step.p99:.0f} ms, errors {step.failures}"
          f"{'' if step.held else '  (not held)'}", flush=True)
    print(f"    {'; '.join(step.endpoints)}", flush=True)
    for error in step.errors[:8]:
        print(f"    {error}", flush=True)


# ---------------------------------------------------------------------------------- faults


class Faults:
    """Kills during a step: the Celery worker (SIGKILL to its process group, restarted after
    5 s), then one gunicorn worker process (SIGKILL; the master starts another)."""

    def __init__(self, running: stack.Stack, worker: stack.CeleryWorker, seconds: float):
        self.running, self.worker, self.seconds = running, worker, seconds
        self.log: list[str] = []

    def __call__(self):
        gevent.sleep(self.seconds / 4)
        pids = [self.worker.pid, *stack.children_of(self.worker.pid)]
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.process.wait()  # type: ignore[union-attr]
        self.log.append(f"celery worker killed (SIGKILL, pids {pids})")
        gevent.sleep(5)
        self.worker.start()
        self.log.append(f"celery worker restarted (pid {self.worker.pid})")
        gevent.sleep(self.seconds / 4)
        victim = self.running.gunicorn.workers()[0]
        os.kill(victim, signal.SIGKILL)
        self.log.append(f"gunicorn worker {victim} killed (SIGKILL)")


# ------------------------------------------------------------------------------- loss check


def loss_check(running: stack.Stack, media_root: Path, wait: float) -> dict:
    """Every upload answered 201: its revision row (through the API), its stored bytes with
    the same SHA-256, and its verification, waited for up to `wait` seconds."""
    pending = {entry["revision"]: entry for entry in SHARED.accepted}
    missing_row, bad_bytes = [], []
    deadline = time.monotonic() + wait
    while pending and time.monotonic() < deadline:
        for revision_id, entry in list(pending.items()):
            status, body, _ = stack.request(
                running.port, "GET", f"/api/v1/revisions/{revision_id}/",
                headers={"Authorization": f"Token {entry['token']}", "Accept": "application/json"})
            if status != 200:
                missing_row.append(revision_id)
                del pending[revision_id]
                continue
            revision = json.loads(body)
            stored = stack.stored_digest(media_root, entry["organization"], entry["sha256"])
            if [f["sha256"] for f in revision["files"]] != [entry["sha256"]] or (
                    stored != entry["sha256"]):
                bad_bytes.append(revision_id)
                del pending[revision_id]
            elif revision["verification_status"] == "verified":
                del pending[revision_id]
        if pending:
            log(f"loss check: {len(pending)} revision(s) not verified yet")
            time.sleep(5)
    return {"accepted": len(SHARED.accepted), "missing_row": missing_row,
            "bad_bytes": bad_bytes, "not_verified": sorted(pending)}


# ------------------------------------------------------------------------------------ set-up


def prepare(env: dict, users: int, password: str, items: int) -> list[dict]:
    accounts = stack.prepare(env, users=users, items=items, password=password)
    stack.manage(env, "import_referential", "checklists/libraries/iso9001-2015.yaml")
    out = stack.manage(env, "shell", "-c", SEED_LOAD)
    line = next(x for x in out.splitlines() if x.startswith("LOAD_SEED "))
    adoptions = {row["organization"]: row["adoption"]
                 for row in json.loads(line.removeprefix("LOAD_SEED "))}
    for account in accounts:
        account["adoption"] = adoptions[account["organization"]]
    return accounts


def make_pdfs(folder: Path, sizes: list[int]) -> list[bytes]:
    return [make_large_pdf(folder / f"pool-{i}.pdf", size).read_bytes()
            for i, size in enumerate(sizes)]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="3 users, one 8 s step, 100 kB files, loss check, no kill")
    parser.add_argument("--users", default="5,10,20,30,40",
                        help="user counts to climb through (comma-separated)")
    parser.add_argument("--duration", type=float, default=60, help="seconds per step")
    parser.add_argument("--kill-duration", type=float, default=120,
                        help="seconds of the run with kills, at the sustained load")
    parser.add_argument("--no-kill", action="store_true", help="skip the run with kills")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL,
                        help="PostgreSQL maintenance database (a throwaway one is created)")
    parser.add_argument("--database", default="audit_prep_stack_load")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--web-workers", type=int, default=3)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if stack.nginx_binary() is None:
        raise SystemExit("nginx is not installed (`make system-packages` as root)")
    steps = [3] if args.small else [int(n) for n in args.users.split(",")]
    duration = 8.0 if args.small else args.duration
    kill = not (args.small or args.no_kill)
    # Small mode runs inside test suites, maybe two at once on one server: a name of its own.
    database = args.database + (f"_small_{os.getpid()}" if args.small else "")
    database_url = with_database(args.admin_url, database)
    password = "load-" + os.urandom(9).hex()
    global SHARED
    data_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    with stack.redis_db(args.redis_db) as redis_url:
        drop_database(args.admin_url, database)
        create_database(args.admin_url, database)
        try:
            env = stack.production_env(
                data_dir, database_url, CELERY_BROKER_URL=redis_url, CACHE_URL=redis_url,
                DATABASE_CONN_MAX_AGE="60", STUCK_REVISION_MINUTES="1",
                # Every simulated user signs in from 127.0.0.1: the per-address throttle of
                # anonymous requests (60/minute) would refuse them as one client.
                API_THROTTLE_ANON="100000/minute",
                SCHEDULE_REQUEUE_STUCK_REVISIONS="* * * * *")
            log(f"database {redact(database_url)}, broker and cache {redis_url}")
            accounts = prepare(env, max(steps), password, 3 if args.small else ITEMS)
            sizes = ([100_000] * 3 if args.small
                     else [random.randint(1 * MB, 5 * MB) for _ in range(8)])
            SHARED = Shared(accounts, make_pdfs(data_dir, sizes), password, [])
            worker = stack.CeleryWorker(env, data_dir, concurrency=2)
            beat = stack.Service("beat", [str(stack.ENTRYPOINT), "beat",
                                          f"--schedule={data_dir / 'beat-schedule'}"],
                                 env, data_dir / "beat.log")
            try:
                worker.start()
                beat.start()
                with stack.running(env, data_dir, workers=args.web_workers) as running:
                    results, kill_step, faults = climb(args, running, worker, steps, duration,
                                                       kill)
                    check = loss_check(running, data_dir / "files", 120 if args.small else 600)
            finally:
                beat.stop()
                worker.stop()
        finally:
            drop_database(args.admin_url, database)
    status = report(args, results, kill_step, faults, check)
    if status and not args.small:
        log(f"logs kept in {data_dir}")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return status


def climb(args, running, worker, steps, duration, kill):
    env = Environment(user_classes=[QualityManager], host=f"http://{stack.HOST}:{running.port}")
    env.create_local_runner()
    results = []
    for users in steps:
        step = run_step(env, users, duration)
        print_step("step", step)
        results.append(step)
    held = [step for step in results if step.held]
    kill_step = faults = None
    if kill:
        users = max(held, key=lambda s: s.users).users if held else steps[0]
        faults = Faults(running, worker, args.kill_duration)
        kill_step = run_step(env, users, args.kill_duration, during=faults)
        print_step("with kills", kill_step)
    env.runner.quit()
    return results, kill_step, faults


def report(args, results, kill_step, faults, check) -> int:
    print(f"machine: {machine_info()}; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"set-up: nginx + gunicorn ({args.web_workers} sync workers) + Celery worker (2) + "
          "beat, PostgreSQL, Redis, local disk; locust on the same machine")
    for step in results:
        print_step("step", step)
    held = [step for step in results if step.held]
    if held:
        best = max(held, key=lambda s: s.users)
        print(f"sustained: {best.users} users, {best.rps:.1f} req/s, p95 {best.p95:.0f} ms, "
              "0 errors")
    else:
        print("sustained: none of the steps held (errors or p95 >= 500 ms)")
    if kill_step is not None:
        for line in faults.log:
            print(f"  {line}")
        print_step("with kills", kill_step)
    lost = check["missing_row"] + check["bad_bytes"] + check["not_verified"]
    print(f"loss check: {check['accepted']} uploads answered 201; without a row "
          f"{len(check['missing_row'])}, bytes missing or different {len(check['bad_bytes'])}, "
          f"not verified {len(check['not_verified'])}")
    print(f"{'PASS' if not lost else 'FAIL'}  nothing answered 201 is lost")
    print(f"{'PASS' if held else 'FAIL'}  a load held with 0 errors and p95 < 500 ms")
    if args.small:
        return 1 if lost or not check["accepted"] else 0
    return 0 if held and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
